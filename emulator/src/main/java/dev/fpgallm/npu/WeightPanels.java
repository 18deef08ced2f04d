package dev.fpgallm.npu;

import java.util.HashMap;
import java.util.Map;

/**
 * The emulated device's own copy of each GEMM matrix, in the order its kernels read it: panels of 8 output channels,
 * each panel K-major with the 8 channels' 16-input slices side by side,
 *
 * <pre>  panel byte(n, k) = (n / 8) * 8 * K + (k / 16) * 128 + (n % 8) * 16 + (k % 16)</pre>
 *
 * so a decode GEMM reads one array strictly forward (the tiled layout of isa.md 3.2 spreads a matrix over four
 * buffers and interleaves 16 channels per 256 bytes). A device may keep any copy of what was synced to it as long as
 * every result is the ISA's; this one is built the first time a GEMM reads a (w_off, K, N) region and thrown away
 * whenever one of the four weight buffers changes (a new array or a new version in {@link NpuMemory}).
 */
final class WeightPanels {
    /** Output channels per panel. */
    static final int CHANNELS = 8;

    private static final int[] WRITTEN = {Isa.ARG_ACT, Isa.ARG_KV, Isa.ARG_LOGITS, Isa.ARG_STATUS};

    private record Region(int wOff, int k, int n) {
    }

    private final Map<Region, byte[]> panels = new HashMap<>();
    // the weight buffers the cached panels were built from
    private final byte[][] source = new byte[Isa.WEIGHT_PORTS][];
    private final long[] versions = new long[Isa.WEIGHT_PORTS];

    /** The panels of g's matrix as mem holds it now. */
    byte[] of(Gemm g, NpuMemory mem) {
        if (!cacheable(mem)) return build(g, mem);
        if (!sameSource(mem)) {
            panels.clear();
            for (int p = 0; p < Isa.WEIGHT_PORTS; p++) {
                source[p] = mem.weights(p);
                versions[p] = mem.version(Isa.ARG_WEIGHTS0 + p);
            }
        }
        return panels.computeIfAbsent(new Region(g.wOff(), g.k(), g.n()), r -> build(g, mem));
    }

    private boolean sameSource(NpuMemory mem) {
        for (int p = 0; p < Isa.WEIGHT_PORTS; p++)
            if (source[p] != mem.weights(p) || versions[p] != mem.version(Isa.ARG_WEIGHTS0 + p)) return false;
        return true;
    }

    /** A weight buffer that is also bound as a buffer the kernel writes may change within a launch: never cached. */
    private static boolean cacheable(NpuMemory mem) {
        for (int p = 0; p < Isa.WEIGHT_PORTS; p++)
            for (int arg : WRITTEN)
                if (mem.weights(p) == mem.get(arg)) return false;
        return true;
    }

    /** Copies the matrix out of the tiled layout: half a tile row (8 channels x 16 inputs) at a time. */
    static byte[] build(Gemm g, NpuMemory mem) {
        int k = g.k(), n = g.n();
        long wOff = Gemm.u(g.wOff());
        byte[] out = new byte[n * k];
        for (int t = 0; t < n / 16; t++) {
            byte[] w = mem.weights(t & 3);
            long column = wOff + (long) (t >> 2) * k * 16;
            for (int half = 0; half < 2; half++) {
                int panel = (2 * t + half) * CHANNELS * k;
                for (int b = 0; b < k / 16; b++)
                    System.arraycopy(w, (int) (column + b * 256L + half * 128), out, panel + b * 128, 128);
            }
        }
        return out;
    }

    int cachedRegions() {
        return panels.size();
    }
}
