package dev.fpgallm.quant;

import dev.fpgallm.UserError;
import java.util.Locale;

/**
 * Activation precision. Weights are INT8 per output channel in both; accumulation is exact (48-bit on the board).
 * W8A16: every activation INT16 (the default). W8A8: the activations that feed a matrix product (LayerNorm outputs,
 * Q/K/V, attention output, GELU output) in the INT8 range; the residual stream stays INT16.
 */
public enum Precision {
    W8A16, W8A8;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Precision parse(String s) {
        for (Precision p : values()) if (p.label().equals(s.toLowerCase(Locale.ROOT))) return p;
        throw new UserError("unknown precision '" + s + "'; use w8a16 or w8a8");
    }
}
