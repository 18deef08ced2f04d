package dev.fpgallm.engine;

import dev.fpgallm.backend.SequenceFullException;
import dev.fpgallm.model.Block;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.LayerNormWeights;
import dev.fpgallm.model.Linear;
import dev.fpgallm.reference.ReferenceModel;
import java.util.stream.IntStream;

/**
 * One GPT-2 block run on the host in FP16, for the layers the NPU (integer only) leaves to FP16 fallback. Weights
 * and every stored activation (residual rows, LayerNorm outputs, Q/K/V and the KV cache, attention output, MLP
 * hidden) are rounded to IEEE binary16; matrix products and dot products accumulate in FP32, LayerNorm statistics
 * and softmax are FP32, as FP16 inference on a CPU or GPU does. The block keeps its own KV cache.
 */
final class HostFp16Block {
    private final Gpt2Config c;
    private final LayerNormWeights ln1, ln2;
    private final Linear qkv, proj, fc, mlpProj;
    private final int maxSeq;
    private final float[] keys, values; // [position * nEmbd + channel], FP16 values

    HostFp16Block(Block b, Gpt2Config c, int maxSeq) {
        this.c = c;
        this.maxSeq = maxSeq;
        ln1 = new LayerNormWeights(half(b.ln1().gamma()), half(b.ln1().beta()));
        ln2 = new LayerNormWeights(half(b.ln2().gamma()), half(b.ln2().beta()));
        qkv = half(b.attnQkv());
        proj = half(b.attnProj());
        fc = half(b.mlpFc());
        mlpProj = half(b.mlpProj());
        keys = new float[maxSeq * c.nEmbd()];
        values = new float[maxSeq * c.nEmbd()];
    }

    /** Rounds to the nearest binary16 value (ties to even; overflow to infinity, as a half conversion does). */
    static float half(float v) {
        return Float.float16ToFloat(Float.floatToFloat16(v));
    }

    static float[] half(float[] a) {
        if (a == null) return null;
        float[] h = new float[a.length];
        for (int i = 0; i < a.length; i++) h[i] = half(a[i]);
        return h;
    }

    private static Linear half(Linear l) {
        return new Linear(l.in(), l.out(), half(l.weight()), half(l.bias()));
    }

    /** Runs the block on {@code m} residual rows (FP32 in, FP16 values out, in place) at positions pos ... */
    void forward(float[] x, int m, int pos) {
        int d = c.nEmbd();
        if (pos + m > maxSeq) throw new SequenceFullException(pos, m, maxSeq);
        for (int i = 0; i < m * d; i++) x[i] = half(x[i]);
        float[] xb = new float[m * d];
        float[] q = new float[m * 3 * d];
        layerNorm(xb, x, m, ln1);
        matmul(q, xb, m, qkv);
        for (int r = 0; r < m; r++) {
            System.arraycopy(q, r * 3 * d + d, keys, (pos + r) * d, d);
            System.arraycopy(q, r * 3 * d + 2 * d, values, (pos + r) * d, d);
        }
        float[] attended = new float[m * d];
        attention(attended, q, m, pos);
        float[] delta = new float[m * d];
        matmul(delta, attended, m, proj);
        for (int i = 0; i < m * d; i++) x[i] = half(x[i] + delta[i]);
        layerNorm(xb, x, m, ln2);
        float[] hidden = new float[m * c.nInner()];
        matmul(hidden, xb, m, fc);
        for (int i = 0; i < hidden.length; i++) hidden[i] = half(ReferenceModel.gelu(hidden[i]));
        matmul(delta, hidden, m, mlpProj);
        for (int i = 0; i < m * d; i++) x[i] = half(x[i] + delta[i]);
    }

    private void attention(float[] out, float[] q, int m, int pos) {
        int d = c.nEmbd(), hd = c.headDim();
        float scale = (float) (1.0 / Math.sqrt(hd));
        IntStream.range(0, m * c.nHead()).parallel().forEach(job -> {
            int r = job / c.nHead(), h = job % c.nHead();
            int qo = r * 3 * d + h * hd, seen = pos + r + 1;
            float[] p = new float[seen];
            float max = Float.NEGATIVE_INFINITY;
            for (int t = 0; t < seen; t++) {
                p[t] = dot(q, qo, keys, t * d + h * hd, hd) * scale;
                max = Math.max(max, p[t]);
            }
            float sum = 0;
            for (int t = 0; t < seen; t++) {
                p[t] = (float) Math.exp(p[t] - max);
                sum += p[t];
            }
            int o = r * d + h * hd;
            float[] acc = new float[hd];
            for (int t = 0; t < seen; t++) {
                float w = p[t] / sum;
                int v = t * d + h * hd;
                for (int i = 0; i < hd; i++) acc[i] += w * values[v + i];
            }
            for (int i = 0; i < hd; i++) out[o + i] = half(acc[i]);
        });
    }

    private void layerNorm(float[] out, float[] x, int m, LayerNormWeights ln) {
        int d = c.nEmbd();
        for (int r = 0; r < m; r++) {
            double mean = 0, var = 0;
            for (int i = 0; i < d; i++) mean += x[r * d + i];
            mean /= d;
            for (int i = 0; i < d; i++) {
                double dx = x[r * d + i] - mean;
                var += dx * dx;
            }
            double inv = 1.0 / Math.sqrt(var / d + c.layerNormEpsilon());
            for (int i = 0; i < d; i++)
                out[r * d + i] = half((float) ((x[r * d + i] - mean) * inv) * ln.gamma()[i] + ln.beta()[i]);
        }
    }

    /** out[r][o] = half(sum_i x[r][i] W[o][i] + b[o]): FP16 operands, FP32 accumulation. */
    private static void matmul(float[] out, float[] x, int m, Linear layer) {
        int in = layer.in(), outs = layer.out(), chunk = 64;
        IntStream.range(0, (outs + chunk - 1) / chunk).parallel().forEach(job -> {
            int end = Math.min(outs, (job + 1) * chunk);
            for (int o = job * chunk; o < end; o++) {
                float bias = layer.bias() == null ? 0f : layer.bias()[o];
                for (int r = 0; r < m; r++) out[r * outs + o] = half(dot(x, r * in, layer.weight(), o * in, in) + bias);
            }
        });
    }

    private static float dot(float[] a, int ao, float[] b, int bo, int n) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            s0 += a[ao + i] * b[bo + i];
            s1 += a[ao + i + 1] * b[bo + i + 1];
            s2 += a[ao + i + 2] * b[bo + i + 2];
            s3 += a[ao + i + 3] * b[bo + i + 3];
        }
        for (; i < n; i++) s0 += a[ao + i] * b[bo + i];
        return (s0 + s1) + (s2 + s3);
    }
}
