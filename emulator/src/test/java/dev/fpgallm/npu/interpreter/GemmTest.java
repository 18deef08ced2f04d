package dev.fpgallm.npu.interpreter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.fpgallm.npu.isa.Gemm;
import dev.fpgallm.npu.isa.Isa;
import dev.fpgallm.npu.isa.NpuMath;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GemmTest {
    private static final int HALF = NpuMath.requantizer(1 << 22, 23); // x 0.5

    /** K = 16, N = 64: x = 100 everywhere, W[n][k] = n % 5 - 2, bias[n] = n, y = round_half_up((acc + bias) / 2). */
    @Test
    void handComputedChannels() {
        try (Machine m = new Machine()) {
            int k = 16, n = 64;
            int[] w = new int[n * k];
            for (int o = 0; o < n; o++) for (int i = 0; i < k; i++) w[o * k + i] = o % 5 - 2;
            m.matrix(0, w, n, k);
            for (int o = 0; o < n; o++) {
                m.param(8L * o, o);
                m.param(8L * o + 4, HALF);
            }
            int[] x = new int[k];
            java.util.Arrays.fill(x, 100);
            m.row(0, x);
            m.program.add(Machine.gemm(k, n, 0, 32, 1024, 128, 0, 0));
            LaunchReport r = m.launch(1);
            assertEquals(Isa.OK, r.code(), r.describe());
            // channel 0: acc = 16 * 100 * -2 + 0 = -3200 -> -1600
            assertEquals(-1600, m.actAt(1024, 0));
            // channel 1: 16 * 100 * -1 + 1 = -1599 -> -799.5 -> -799 (half up)
            assertEquals(-799, m.actAt(1024, 1));
            // channel 3: 16 * 100 * 1 + 3 = 1603 -> 801.5 -> 802
            assertEquals(802, m.actAt(1024, 3));
            // channel 63: 63 % 5 = 3 -> 1600 + 63 = 1663 -> 831.5 -> 832
            assertEquals(832, m.actAt(1024, 63));
            assertEquals(16L * 64, r.instructions().get(0).macs());
        }
    }

    @Test
    void saturationOverflowAndOutputTypes() {
        try (Machine m = new Machine()) {
            int k = 4096, n = 64;
            int[] w = new int[n * k];
            java.util.Arrays.fill(w, -128); // 64 KiB per weight buffer
            m.matrix(0, w, n, k);
            int[] x = new int[k];
            java.util.Arrays.fill(x, -32768);
            m.row(0, x);
            // acc = 4096 * 2^22 = 2^34: beyond int32 (counted) and exact in the 48-bit accumulator.
            for (int o = 0; o < n; o++) m.param(8L * o + 4, NpuMath.requantizer(1, 20)); // 2^34 / 2^20 = 16384
            m.program.add(Machine.gemm(k, n, 0, 8192, 16384, 128, 0, 0));
            m.program.add(new Gemm(Isa.ROWS_ALL, Isa.OUT_INT8, false, false, k, n, 0, 8192, 20480, 128, 0, 0, 0, 0, 0, 0));
            m.program.add(new Gemm(Isa.ROWS_ALL, Isa.OUT_INT32, false, false, k, n, 0, 8192, 0, 256, 0, 0, 0, 0, 0, 0));
            LaunchReport r = m.launch(1);
            assertEquals(Isa.OK, r.code());
            assertEquals(16384, m.actAt(16384, 5));
            assertEquals(127, m.actAt(20480, 5));        // INT8 range
            assertEquals(16384, m.logitAt(0, 63));
            assertEquals(3 * 64, m.statusWord(Isa.S_OVERFLOWS));
            assertEquals(64, m.statusWord(Isa.S_SATURATIONS));
            assertEquals(3, m.statusWord(Isa.S_EXECUTED));
        }
    }

    /** GELU table then residual: y = T(sat16(requant(acc))) + requant(res). */
    @Test
    void geluAndResidualEpilogue() {
        try (Machine m = new Machine()) {
            int k = 16, n = 64;
            int[] w = new int[n * k];
            for (int o = 0; o < n; o++) w[o * k] = 1; // y = x[0] (+ bias)
            m.matrix(0, w, n, k);
            for (int o = 0; o < n; o++) {
                m.param(8L * o, o * 1000);             // pre-activation = x0 + 1000 n
                m.param(8L * o + 4, NpuMath.requantizer(1, 0));
            }
            int table = 8 * 64;
            for (int i = 0; i < 257; i++) m.param(table + 4L * i, i); // T[i] = i: gelu_lut(a) = (a + 32768) / 256
            int[] x = new int[k];
            x[0] = 500;
            m.row(0, x);
            int[] res = new int[n];
            for (int o = 0; o < n; o++) res[o] = -2 * o;
            m.row(4096, res);
            m.program.add(new Gemm(Isa.ROWS_ALL, Isa.OUT_INT16, true, true, k, n, 0, 32, 8192, 128, 0, 0, 4096, 128,
                    NpuMath.requantizer(1 << 22, 23), table));
            LaunchReport r = m.launch(1);
            assertEquals(Isa.OK, r.code(), r.describe());
            // n = 0: a = 500 -> 33268 / 256 = 129.95 -> T[129] + round(244 / 256) = 130; residual 0
            assertEquals(130, m.actAt(8192, 0));
            // n = 2: a = 2500 -> 35268: i = 137, f = 196 -> 137 + 1 = 138; residual -4 * 0.5 = -2 -> 136
            assertEquals(136, m.actAt(8192, 2));
            // n = 40: pre-activation 40500 saturates to 32767 first (counted) -> T[255] + round(255/256) = 256; -40
            assertEquals(216, m.actAt(8192, 40));
            assertEquals(32 - 1, m.statusWord(Isa.S_SATURATIONS), "channels 33..63 saturate at the GELU input");
        }
    }

    /** LAST reads row n_tokens - 1, FIRST reads row 0; both write row 0. */
    @Test
    void rowModes() {
        try (Machine m = new Machine()) {
            int k = 16, n = 64;
            int[] w = new int[n * k];
            for (int o = 0; o < n; o++) w[o * k] = 1;
            m.matrix(0, w, n, k);
            for (int o = 0; o < n; o++) m.param(8L * o + 4, NpuMath.requantizer(1, 0));
            for (int r = 0; r < 3; r++) {
                int[] x = new int[k];
                x[0] = 10 * (r + 1);
                m.row(32L * r, x);
            }
            m.program.add(new Gemm(Isa.ROWS_LAST, Isa.OUT_INT16, false, false, k, n, 0, 32, 4096, 128, 0, 0, 0, 0, 0, 0));
            m.program.add(new Gemm(Isa.ROWS_FIRST, Isa.OUT_INT16, false, false, k, n, 0, 32, 8192, 128, 0, 0, 0, 0, 0, 0));
            m.program.add(Machine.gemm(k, n, 0, 32, 12288, 128, 0, 0));
            assertEquals(Isa.OK, m.launch(3).code());
            assertEquals(30, m.actAt(4096, 7));
            assertEquals(0, m.actAt(4096 + 128, 7), "LAST writes row 0 only");
            assertEquals(10, m.actAt(8192, 7));
            assertEquals(20, m.actAt(12288 + 128, 7));
            assertEquals(30, m.actAt(12288 + 256, 7));
        }
    }

    /** The vectorised engine against a plain transcription of the GEMM pseudo-code, on random data, 1 and 2 threads. */
    @Test
    void matchesPlainLoopsOnRandomData() {
        SplittableRandom rnd = new SplittableRandom(42);
        for (int trial = 0; trial < 6; trial++) {
            int k = 16 * (1 + rnd.nextInt(trial < 3 ? 8 : 256)), n = 64 * (1 + rnd.nextInt(3)), rows = 1 + rnd.nextInt(4);
            int[] w = new int[n * k];
            for (int i = 0; i < w.length; i++) w[i] = rnd.nextInt(256) - 128;
            int[][] x = new int[rows][k];
            for (int[] row : x) for (int i = 0; i < k; i++) row[i] = rnd.nextInt(65536) - 32768;
            int[] bias = new int[n], rq = new int[n];
            for (int o = 0; o < n; o++) {
                bias[o] = rnd.nextInt();
                rq[o] = NpuMath.requantizer(rnd.nextInt(1 << 24), 20 + rnd.nextInt(24));
            }
            for (int threads : new int[] {1, 2}) {
                try (Machine m = new Machine(threads)) {
                    m.matrix(0, w, n, k);
                    for (int o = 0; o < n; o++) {
                        m.param(8L * o, bias[o]);
                        m.param(8L * o + 4, rq[o]);
                    }
                    int stride = 2 * k;
                    for (int r = 0; r < rows; r++) m.row((long) r * stride, x[r]);
                    int yBase = 32768;
                    m.program.add(Machine.gemm(k, n, 0, stride, yBase, 2 * n, 0, 0));
                    assertEquals(Isa.OK, m.launch(rows).code());
                    for (int r = 0; r < rows; r++)
                        for (int o = 0; o < n; o++) {
                            long acc = bias[o];
                            for (int i = 0; i < k; i++) acc += (long) x[r][i] * w[o * k + i];
                            long y = Math.max(-32768, Math.min(32767, NpuMath.requant(acc, rq[o])));
                            assertEquals(y, m.actAt(yBase + (long) r * 2 * n, o), "row " + r + " channel " + o + " K " + k);
                        }
                }
            }
        }
    }
}
