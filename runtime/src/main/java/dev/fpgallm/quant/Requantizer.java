package dev.fpgallm.quant;

import dev.fpgallm.UserError;
import dev.fpgallm.npu.isa.NpuMath;

/**
 * Turns a real multiplier into the NPU's requantizer word (24-bit multiplier, shift 0..63): the largest shift that
 * keeps the multiplier below 2^24, so the multiplier carries 24 significant bits whenever the range allows.
 */
public final class Requantizer {
    private Requantizer() {
    }

    public static int of(double multiplier) {
        if (!(multiplier >= 0) || Double.isInfinite(multiplier))
            throw new IllegalArgumentException("bad requantization multiplier " + multiplier);
        if (multiplier == 0) return NpuMath.requantizer(0, 0);
        int shift = 23 - Math.getExponent(multiplier);
        shift = Math.max(0, Math.min(63, shift));
        long m = Math.round(Math.scalb(multiplier, shift));
        while (m >= 1 << 24 && shift > 0) m = Math.round(Math.scalb(multiplier, --shift));
        if (m >= 1 << 24)
            throw new UserError("requantization multiplier " + multiplier + " is beyond the NPU's 24-bit requantizer "
                    + "(>= 2^24): the model's weight or activation ranges are too extreme to quantize; the FP32 "
                    + "backends can run it (--backend ref or ort)");
        return NpuMath.requantizer((int) m, shift);
    }

    /** The real multiplier a requantizer word stands for. */
    public static double value(int requantizer) {
        return Math.scalb((double) NpuMath.mult(requantizer), -NpuMath.shift(requantizer));
    }
}
