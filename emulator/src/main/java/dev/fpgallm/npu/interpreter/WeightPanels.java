package dev.fpgallm.npu.interpreter;

import dev.fpgallm.npu.isa.Gemm;
import dev.fpgallm.npu.isa.Isa;
import java.util.ArrayList;
import java.util.List;

/**
 * The emulated device's own copy of each GEMM matrix, in the order its kernels read it: panels of {@code width}
 * output channels, each panel input-major, one input's {@code width} weights side by side,
 *
 * <pre>  panel byte(n, k) = (n / width) * width * K + k * width + (n % width)</pre>
 *
 * so a GEMM reads one array strictly forward and a vector of weights holds one input's weight for consecutive
 * channels (the tiled layout of isa.md 3.2 spreads a matrix over four buffers, 16 channels x 16 inputs per tile).
 * A device may keep any copy of what was synced to it as long as every result is the ISA's: this one is built the
 * first time a GEMM reads a (w_off, K, N) region and thrown away whenever one of the four weight buffers changes
 * (a new array or a new version in {@link NpuMemory}).
 */
final class WeightPanels {
    private final int width;
    // the cached regions (a model has a few dozen matrices): searched in order, so a lookup allocates nothing
    private final List<int[]> regions = new ArrayList<>(); // {w_off, K, N}
    private final List<byte[]> panels = new ArrayList<>();
    // the weight buffers the cached panels were built from
    private final byte[][] source = new byte[Isa.WEIGHT_PORTS][];
    private final long[] versions = new long[Isa.WEIGHT_PORTS];

    /** Panels of {@code width} channels: 16, 32 or 64 (a tile's 16 channels fit one panel; N is a multiple of 64). */
    WeightPanels(int width) {
        if (width != 16 && width != 32 && width != 64) throw new IllegalArgumentException("panel width " + width);
        this.width = width;
    }

    /** The panels of g's matrix as mem holds it now. */
    byte[] of(Gemm g, NpuMemory mem) {
        if (!cacheable(mem)) return build(g, mem);
        if (!sameSource(mem)) {
            regions.clear();
            panels.clear();
            for (int p = 0; p < Isa.WEIGHT_PORTS; p++) {
                source[p] = mem.weights(p);
                versions[p] = mem.version(Isa.ARG_WEIGHTS0 + p);
            }
        }
        for (int i = 0; i < regions.size(); i++) {
            int[] r = regions.get(i);
            if (r[0] == g.wOff() && r[1] == g.k() && r[2] == g.n()) return panels.get(i);
        }
        byte[] built = build(g, mem);
        regions.add(new int[] {g.wOff(), g.k(), g.n()});
        panels.add(built);
        return built;
    }

    private boolean sameSource(NpuMemory mem) {
        for (int p = 0; p < Isa.WEIGHT_PORTS; p++)
            if (source[p] != mem.weights(p) || versions[p] != mem.version(Isa.ARG_WEIGHTS0 + p)) return false;
        return true;
    }

    /** A weight buffer that is also bound as a buffer the kernel writes may change within a launch: never cached. */
    private static boolean cacheable(NpuMemory mem) {
        for (int p = 0; p < Isa.WEIGHT_PORTS; p++)
            for (int arg : Isa.WRITTEN_ARGS)
                if (mem.weights(p) == mem.get(arg)) return false;
        return true;
    }

    /** Copies the matrix out of the tiled layout, one 16 x 16 tile at a time. */
    private byte[] build(Gemm g, NpuMemory mem) {
        int k = g.k(), n = g.n();
        long wOff = Gemm.u(g.wOff());
        byte[] out = new byte[n * k];
        for (int t = 0; t < n / 16; t++) {
            byte[] w = mem.weights(t & 3);
            long column = wOff + (long) (t >> 2) * k * 16;
            for (int b = 0; b < k / 16; b++) {
                int tile = (int) (column + b * 256L);
                int ch = t * 16; // the tile's 16 channels lie side by side in one panel (width >= 16)
                int to = (ch / width) * width * k + b * 16 * width + ch % width;
                for (int i = 0; i < 16; i++)
                    for (int c = 0; c < 16; c++) out[to + i * width + c] = w[tile + c * 16 + i]; // writes in order
            }
        }
        return out;
    }

    int cachedRegions() {
        return regions.size();
    }
}
