package dev.fpgallm.model;

/**
 * A dense layer y = W x + b with W stored row-major as [out][in] (one output channel per row).
 * Hugging Face's GPT-2 Conv1D stores [in][out]; the loader transposes once so every backend reads rows.
 */
public record Linear(int in, int out, float[] weight, float[] bias) {
    public Linear {
        if ((long) in * out != weight.length)
            throw new IllegalArgumentException("weight has " + weight.length + " values, expected " + in + " x " + out);
        if (bias != null && bias.length != out)
            throw new IllegalArgumentException("bias has " + bias.length + " values, expected " + out);
    }

    public float weight(int o, int i) {
        return weight[o * in + i];
    }

    /** Transposes a Conv1D [in][out] matrix into a Linear. */
    public static Linear fromConv1D(int in, int out, float[] inByOut, float[] bias) {
        float[] w = new float[inByOut.length];
        for (int i = 0; i < in; i++)
            for (int o = 0; o < out; o++)
                w[o * in + i] = inByOut[i * out + o];
        return new Linear(in, out, w, bias);
    }

    /** Back to the Conv1D [in][out] layout Hugging Face checkpoints use. */
    public float[] toConv1D() {
        float[] t = new float[weight.length];
        for (int o = 0; o < out; o++)
            for (int i = 0; i < in; i++)
                t[i * out + o] = weight[o * in + i];
        return t;
    }
}
