package dev.fpgallm.npu.interpreter;

import dev.fpgallm.npu.isa.NpuMath;

/** Saturation and int32-overflow events, one slot per worker so threads never contend. */
final class Counters {
    final long[] saturations;
    final long[] overflows;

    Counters(int workers) {
        saturations = new long[workers * 8]; // 8 longs apart: no false sharing
        overflows = new long[workers * 8];
    }

    void clear() {
        java.util.Arrays.fill(saturations, 0);
        java.util.Arrays.fill(overflows, 0);
    }

    long saturations() {
        long s = 0;
        for (long v : saturations) s += v;
        return s;
    }

    long overflows() {
        long s = 0;
        for (long v : overflows) s += v;
        return s;
    }

    /** Clamps to [lo, hi], counting a saturation event when it changes the value. */
    long sat(long v, long lo, long hi, int worker) {
        if (v < lo) {
            saturations[worker * 8]++;
            return lo;
        }
        if (v > hi) {
            saturations[worker * 8]++;
            return hi;
        }
        return v;
    }

    void checkInt32(long v, int worker) {
        if (v < NpuMath.INT32_MIN || v > NpuMath.INT32_MAX) overflows[worker * 8]++;
    }
}
