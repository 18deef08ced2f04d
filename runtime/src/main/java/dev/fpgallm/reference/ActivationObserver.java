package dev.fpgallm.reference;

/**
 * Sees the FP32 activations where the NPU will quantize them, so calibration can measure their ranges.
 * {@code values} holds {@code rows x width} floats row-major; it is only valid during the call.
 */
@FunctionalInterface
public interface ActivationObserver {
    /** Quantization points, in the order a layer produces them. */
    enum Point {
        /** residual stream entering a layer (layer nLayer: entering the final LayerNorm) */
        RESIDUAL,
        LN1, QKV, ATTENTION, RESIDUAL_MID, LN2, FC, GELU,
        /** final LayerNorm output (layer = nLayer) */
        LN_F,
        LOGITS
    }

    void observe(Point point, int layer, float[] values, int rows, int width);
}
