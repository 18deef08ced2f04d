package dev.fpgallm.npu.isa;

/**
 * The integer primitives of docs/isa.md sections 1 and 5. All kernel arithmetic goes through these; nothing else
 * in the project re-implements them.
 */
public final class NpuMath {
    private NpuMath() {
    }

    public static final long INT32_MIN = Integer.MIN_VALUE;
    public static final long INT32_MAX = Integer.MAX_VALUE;

    /** Round half up: (v + 2^(s-1)) >> s, arithmetic shift. */
    public static long rshiftRound(long v, int s) {
        return s == 0 ? v : (v + (1L << (s - 1))) >> s;
    }

    public static int mult(int requantizer) {
        return requantizer & 0xFFFFFF;
    }

    public static int shift(int requantizer) {
        return (requantizer >>> 24) & 0x3F;
    }

    /** A requantizer word is valid when bits 30-31 are clear. */
    public static boolean validRequantizer(int requantizer) {
        return (requantizer & 0xC0000000) == 0;
    }

    /** requant(v, word) = rshift_round(v * mult, shift). */
    public static long requant(long v, int requantizer) {
        return rshiftRound(v * mult(requantizer), shift(requantizer));
    }

    /** Packs a multiplier (0 .. 2^24-1) and a shift (0 .. 63). */
    public static int requantizer(int mult, int shift) {
        if (mult < 0 || mult >= 1 << 24) throw new IllegalArgumentException("multiplier " + mult + " outside 0..2^24-1");
        if (shift < 0 || shift > 63) throw new IllegalArgumentException("shift " + shift + " outside 0..63");
        return mult | shift << 24;
    }

    /** Round half away from zero; d > 0. */
    public static long divRound(long n, long d) {
        return n >= 0 ? (n + d / 2) / d : -((-n + d / 2) / d);
    }

    /** Largest r with r * r <= v, for 0 <= v < 2^62. */
    public static long isqrt(long v) {
        long r = (long) Math.sqrt((double) v);
        while (r * r > v) r--;
        while ((r + 1) * (r + 1) <= v) r++;
        return r;
    }

    public static int bitlen(long v) {
        return 64 - Long.numberOfLeadingZeros(v);
    }

    /** 2^(-d / 65536) in Q16 for d >= 0 (isa.md 5.2); exp2neg(0) = 65536. */
    public static long exp2neg(long d, boolean exact) {
        long n = d >> 16;
        if (n > 16) return 0;
        long f = d & 0xFFFF;
        long[] c = exact ? Isa.EXP2_EXACT : Isa.EXP2_APPROX;
        long y = c[c.length - 1];
        for (int i = c.length - 2; i >= 0; i--) y = ((y * f) >> 16) + c[i];
        return (y + (1L << (n + 13))) >> (n + 14);
    }

    /** GELU by a 257-entry table over the int16 range with linear interpolation (isa.md 5.1). */
    public static long geluLut(int a, int[] table, int tableOffset) {
        int u = a + 32768;
        int i = u >> 8, f = u & 255;
        long t0 = table[tableOffset + i], t1 = table[tableOffset + i + 1];
        return t0 + rshiftRound((t1 - t0) * f, 8);
    }

    /** The output range's bounds for an output type. */
    public static long lowest(int outType) {
        return switch (outType) {
            case Isa.OUT_INT8 -> -128;
            case Isa.OUT_INT16 -> -32768;
            default -> INT32_MIN;
        };
    }

    public static long highest(int outType) {
        return switch (outType) {
            case Isa.OUT_INT8 -> 127;
            case Isa.OUT_INT16 -> 32767;
            default -> INT32_MAX;
        };
    }
}
