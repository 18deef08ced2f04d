package dev.fpgallm.npu.interpreter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.fpgallm.npu.isa.Gemm;
import dev.fpgallm.npu.isa.Isa;
import dev.fpgallm.npu.isa.NpuMath;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The GEMM engine's int32 lanes, register tiles and panel copy against plain long arithmetic: worst-case operands
 * over the longest K, random shapes with every epilogue, the panel layout, and the panel copy following the weights
 * it came from.
 */
class GemmExactnessTest {
    private static final int[] ROW_COUNTS = {1, 5};

    /**
     * x = -32768 and W = -128 over K = Isa.MAX_K: every product is +2^22 and each channel sums to 2^34, the most a
     * GEMM can reach; odd rows use x = +32767 (products -4194176, sum -17179344896). A 1/16 requantizer keeps the
     * sums in int32 outputs exactly (both are multiples of 16); an int lane that wrapped would be 2^32 off.
     */
    @Test
    void worstCaseOperandsOverTheLongestK() {
        int k = Isa.MAX_K, n = 64;
        int[] w = new int[n * k];
        Arrays.fill(w, -128);
        for (int rows : ROW_COUNTS)
            for (int threads : new int[] {1, 2}) {
                int[][] x = new int[rows][k];
                for (int r = 0; r < rows; r++) Arrays.fill(x[r], r % 2 == 0 ? -32768 : 32767);
                int rq = NpuMath.requantizer(1, 4);
                try (Machine m = new Machine(threads)) {
                    m.matrix(0, w, n, k);
                    for (int o = 0; o < n; o++) m.param(8L * o + 4, rq);
                    for (int r = 0; r < rows; r++) m.row((long) r * 2 * k, x[r]);
                    m.program.add(new Gemm(Isa.ROWS_ALL, Isa.OUT_INT32, false, false, k, n, 0, 2 * k, 0, 4 * n, 0, 0,
                            0, 0, 0, 0));
                    assertEquals(Isa.OK, m.launch(rows).code());
                    for (int r = 0; r < rows; r++) {
                        long sum = 0;
                        for (int i = 0; i < k; i++) sum += (long) x[r][i] * -128;
                        assertEquals(r % 2 == 0 ? 1L << 34 : -17179344896L, sum);
                        for (int o = 0; o < n; o++)
                            assertEquals(sum / 16, m.logitAt((long) r * 4 * n, o), "row " + r + " channel " + o);
                    }
                    assertEquals(rows * n, m.statusWord(Isa.S_OVERFLOWS), "every accumulator is beyond int32");
                }
            }
    }

    /**
     * Large lane sums that cancel to an int32 total, read back unscaled: the first half of K gives products +2^22,
     * the second -4194176 (x = +32767), so each channel's sum is 2048 * 128 = 262144 plus a per-channel offset
     * from one changed weight; every bit must match.
     */
    @Test
    void cancellingWorstCaseSumsExactToTheBit() {
        int k = Isa.MAX_K, n = 64;
        int[] w = new int[n * k];
        Arrays.fill(w, -128);
        for (int o = 0; o < n; o++) w[o * k + o] = 127 - o; // channel o: one different product in the first half
        for (int rows : ROW_COUNTS) {
            int[][] x = new int[rows][k];
            for (int r = 0; r < rows; r++)
                for (int i = 0; i < k; i++) x[r][i] = i < k / 2 ? -32768 : 32767 - r;
            try (Machine m = new Machine(2)) {
                m.matrix(0, w, n, k);
                for (int o = 0; o < n; o++) m.param(8L * o + 4, NpuMath.requantizer(1, 0));
                for (int r = 0; r < rows; r++) m.row((long) r * 2 * k, x[r]);
                m.program.add(new Gemm(Isa.ROWS_ALL, Isa.OUT_INT32, false, false, k, n, 0, 2 * k, 0, 4 * n, 0, 0,
                        0, 0, 0, 0));
                assertEquals(Isa.OK, m.launch(rows).code());
                for (int r = 0; r < rows; r++)
                    for (int o = 0; o < n; o++)
                        assertEquals(dot(x[r], w, o, k), m.logitAt((long) r * 4 * n, o), "row " + r + " channel " + o);
                assertEquals(0, m.statusWord(Isa.S_OVERFLOWS));
            }
        }
    }

    /** Random shapes, operands and epilogues (GELU, residual, INT8 / INT16 / INT32 out) against the scalar reference. */
    @Test
    void randomGemmsMatchTheScalarReference() {
        SplittableRandom rnd = new SplittableRandom(16);
        int[] outs = {Isa.OUT_INT16, Isa.OUT_INT8, Isa.OUT_INT32};
        for (int trial = 0; trial < 24; trial++) {
            int k = 16 * (1 + rnd.nextInt(trial % 4 == 0 ? 256 : 48)), n = 64 * (1 + rnd.nextInt(2));
            int rows = 1 + rnd.nextInt(Math.min(Machine.MAX_TOKENS, 32768 / (2 * k))), out = outs[trial % 3];
            boolean gelu = out != Isa.OUT_INT32 && rnd.nextBoolean(), residual = out != Isa.OUT_INT32 && rnd.nextBoolean();
            int[] w = new int[n * k];
            for (int i = 0; i < w.length; i++) w[i] = rnd.nextInt(256) - 128;
            int[][] x = new int[rows][k];
            for (int[] row : x) for (int i = 0; i < k; i++) row[i] = rnd.nextInt(65536) - 32768;
            int[][] res = new int[rows][n];
            for (int[] row : res) for (int i = 0; i < n; i++) row[i] = rnd.nextInt(65536) - 32768;
            int[] bias = new int[n], rq = new int[n], table = new int[Isa.GELU_TABLE_WORDS];
            for (int o = 0; o < n; o++) {
                bias[o] = rnd.nextInt();
                rq[o] = NpuMath.requantizer(rnd.nextInt(1 << 24), 16 + rnd.nextInt(24));
            }
            for (int i = 0; i < table.length; i++) table[i] = rnd.nextInt(65536) - 32768;
            int rqRes = NpuMath.requantizer(rnd.nextInt(1 << 24), 24);
            int xStride = 2 * k, yStride = out == Isa.OUT_INT32 ? 4 * n : 2 * n;
            int resBase = 32768, yBase = out == Isa.OUT_INT32 ? 0 : 49152, geluOff = 8 * n;
            int threads = 1 + trial % 2;
            try (Machine m = new Machine(threads)) {
                m.matrix(0, w, n, k);
                for (int o = 0; o < n; o++) {
                    m.param(8L * o, bias[o]);
                    m.param(8L * o + 4, rq[o]);
                }
                for (int i = 0; i < table.length; i++) m.param(geluOff + 4L * i, table[i]);
                for (int r = 0; r < rows; r++) {
                    m.row((long) r * xStride, x[r]);
                    m.row(resBase + (long) r * 2 * n, res[r]);
                }
                m.program.add(new Gemm(Isa.ROWS_ALL, out, gelu, residual, k, n, 0, xStride, yBase, yStride, 0, 0,
                        residual ? resBase : 0, residual ? 2 * n : 0, residual ? rqRes : 0, gelu ? geluOff : 0));
                assertEquals(Isa.OK, m.launch(rows).code());
                long saturations = 0, overflows = 0;
                String what = "trial " + trial + ": K " + k + " N " + n + " rows " + rows + " out " + out + " gelu "
                        + gelu + " residual " + residual + " threads " + threads;
                for (int r = 0; r < rows; r++)
                    for (int o = 0; o < n; o++) {
                        long acc = bias[o] + dot(x[r], w, o, k);
                        if (acc < Integer.MIN_VALUE || acc > Integer.MAX_VALUE) overflows++;
                        long y = NpuMath.requant(acc, rq[o]);
                        if (gelu) {
                            long a = Math.max(-32768, Math.min(32767, y));
                            if (a != y) saturations++;
                            y = NpuMath.geluLut((int) a, table, 0);
                        }
                        if (residual) y += NpuMath.requant(res[r][o], rqRes);
                        long s = Math.max(NpuMath.lowest(out), Math.min(NpuMath.highest(out), y));
                        if (s != y) saturations++;
                        int got = out == Isa.OUT_INT32 ? m.logitAt((long) r * yStride, o) : m.actAt(yBase + (long) r * yStride, o);
                        assertEquals(s, got, what + ", row " + r + " channel " + o);
                    }
                assertEquals(saturations, m.statusWord(Isa.S_SATURATIONS), what);
                assertEquals(overflows, m.statusWord(Isa.S_OVERFLOWS), what);
            }
        }
    }

    /** Every byte of the panel copy is W[n][k] at (n / width) * width * K + k * width + n % width. */
    @Test
    void panelsHoldTheMatrixInputMajor() {
        SplittableRandom rnd = new SplittableRandom(3);
        int k = 48, n = 128;
        int[] w = new int[n * k];
        for (int i = 0; i < w.length; i++) w[i] = rnd.nextInt(256) - 128;
        try (Machine m = new Machine(1)) {
            m.matrix(1024, w, n, k);
            NpuMemory mem = new NpuMemory();
            for (int p = 0; p < Isa.WEIGHT_PORTS; p++) mem.set(Isa.ARG_WEIGHTS0 + p, m.weightsBytes[p]);
            Gemm g = Machine.gemm(k, n, 0, 2 * k, 0, 2 * n, 1024, 0);
            for (int width : new int[] {16, 32, 64}) {
                byte[] panel = new WeightPanels(width).of(g, mem);
                assertEquals(n * k, panel.length);
                for (int o = 0; o < n; o++)
                    for (int i = 0; i < k; i++)
                        assertEquals(w[o * k + i], panel[(o / width) * width * k + i * width + o % width],
                                "width " + width + " channel " + o + " input " + i);
            }
        }
    }

    /** The panel copy is reused while the weights keep their array and version, and rebuilt when either changes. */
    @Test
    void panelsFollowTheWeightBuffersVersions() {
        int k = 32, n = 64, at = 5 * 64 + 32; // channel 32 (tile column 2: port 2, byte 5), input 5, width 64
        byte[][] weights = new byte[Isa.WEIGHT_PORTS][n / 64 * 16 * k];
        weights[2][5] = 7;
        NpuMemory mem = new NpuMemory();
        for (int p = 0; p < Isa.WEIGHT_PORTS; p++) mem.set(Isa.ARG_WEIGHTS0 + p, weights[p], 1);
        Gemm g = Machine.gemm(k, n, 0, 2 * k, 0, 2 * n, 0, 0);
        WeightPanels panels = new WeightPanels(64);
        byte[] first = panels.of(g, mem);
        assertEquals(7, first[at]);
        assertSame(first, panels.of(g, mem), "same arrays, same versions: the copy is reused");
        weights[2][5] = -3;
        mem.set(Isa.ARG_WEIGHTS0 + 2, weights[2], 2);
        byte[] second = panels.of(g, mem);
        assertNotSame(first, second);
        assertEquals(-3, second[at]);
        mem.set(Isa.ARG_WEIGHTS0 + 2, weights[2].clone(), 2);
        assertNotSame(second, panels.of(g, mem), "a new array is new contents whatever its version");
        assertEquals(1, panels.cachedRegions());
        mem.set(Isa.ARG_ACT, weights[0]);
        assertNotSame(panels.of(g, mem), panels.of(g, mem), "weights bound as a written buffer are never cached");
    }

    /** Changing the weights between launches of one machine changes the result (fresh NpuMemory each launch). */
    @Test
    void changedWeightsChangeTheNextLaunch() {
        int k = 16, n = 64;
        int[] w = new int[n * k];
        try (Machine m = new Machine()) {
            for (int o = 0; o < n; o++) m.param(8L * o + 4, NpuMath.requantizer(1, 0));
            int[] x = new int[k];
            Arrays.fill(x, 3);
            m.row(0, x);
            m.program.add(Machine.gemm(k, n, 0, 32, 1024, 128, 0, 0));
            for (int v = 1; v <= 3; v++) {
                Arrays.fill(w, v);
                m.matrix(0, w, n, k);
                assertEquals(Isa.OK, m.launch(1).code());
                assertEquals(3 * 16 * v, m.actAt(1024, 17));
            }
        }
    }

    private static long dot(int[] x, int[] w, int o, int k) {
        long sum = 0;
        for (int i = 0; i < k; i++) sum += (long) x[i] * w[o * k + i];
        return sum;
    }
}
