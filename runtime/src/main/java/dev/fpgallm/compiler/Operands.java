package dev.fpgallm.compiler;

import java.util.Arrays;

/** The operands of the instructions {@link NpuCompiler} emits, by name instead of by position. */
final class Operands {
    private Operands() {
    }

    /** Rows of one tensor in act (or logits): the first row's byte offset and the bytes from one row to the next. */
    record Rows(long base, int stride) {
    }

    /** An instruction's input: its rows and the scale their integers are in. */
    record In(Rows rows, double scale) {
    }

    /**
     * A GEMM's output: its rows, its integer type ({@code Isa.OUT_*}), the scale of each output channel (as many as
     * the GEMM has, padding included); optionally the GELU table's output scale (NaN: no GELU) and a residual added
     * after requantization (null: none).
     */
    record Out(Rows rows, int type, double[] scales, double geluScale, In residual) {
        Out(Rows rows, int type, double[] scales) {
            this(rows, type, scales, Double.NaN, null);
        }

        /** Every channel at one scale. */
        Out(Rows rows, int type, int channels, double scale) {
            this(rows, type, filled(channels, scale));
        }

        /** The requantized value goes through the GELU table into {@code scale}'s units. */
        Out gelu(double scale) {
            return new Out(rows, type, scales, scale, residual);
        }

        /** Adds {@code r} (at its own scale) to the output. */
        Out plus(In r) {
            return new Out(rows, type, scales, geluScale, r);
        }

        boolean hasGelu() {
            return !Double.isNaN(geluScale);
        }

        private static double[] filled(int n, double v) {
            double[] a = new double[n];
            Arrays.fill(a, v);
            return a;
        }
    }

    /** A LayerNorm's output: its rows and the scale it is written in. */
    record Normed(Rows rows, double scale) {
    }
}
