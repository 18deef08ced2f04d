package dev.fpgallm.model;

/** LayerNorm's per-channel scale (gamma, HF "weight") and shift (beta, HF "bias"). */
public record LayerNormWeights(float[] gamma, float[] beta) {
    public LayerNormWeights {
        if (gamma.length != beta.length) throw new IllegalArgumentException("gamma and beta differ in length");
    }
}
