package dev.fpgallm.npu.interpreter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fpgallm.npu.isa.Attention;
import dev.fpgallm.npu.isa.Isa;
import dev.fpgallm.npu.isa.NpuMath;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AttentionTest {
    private static final int ONE = NpuMath.requantizer(1, 0);
    // q | k | v rows of one head of 16, row stride 96 bytes; caches at 0 (K) and 4096 (V) in kv; out at 8192.
    private static final int HD = 16, STRIDE = 96, K_OFF = 32, V_OFF = 64, OUT = 8192;

    private static Attention attention(int rqScore, int rqOut) {
        return new Attention(Isa.OUT_INT16, 1, HD, 0, STRIDE, K_OFF, V_OFF, 0, 4096, OUT, 32, rqScore, rqOut);
    }

    private static void qkv(Machine m, int row, int q, int k, int[] v) {
        int[] qs = new int[HD], ks = new int[HD];
        java.util.Arrays.fill(qs, q);
        java.util.Arrays.fill(ks, k);
        m.row((long) row * STRIDE, qs);
        m.row((long) row * STRIDE + K_OFF, ks);
        m.row((long) row * STRIDE + V_OFF, v);
    }

    private static int[] ramp(int start, int step) {
        int[] v = new int[HD];
        for (int j = 0; j < HD; j++) v[j] = start + step * j;
        return v;
    }

    /** One position: the only weight is exp2neg(0) = 65536, so the output is V itself, requantized. */
    @Test
    void singlePositionCopiesValueAndFillsTheCache() {
        try (Machine m = new Machine()) {
            qkv(m, 0, 3, 5, ramp(-700, 100));
            m.program.add(attention(ONE, NpuMath.requantizer(1 << 22, 23)));
            LaunchReport r = m.launch(0, 1, 0);
            assertEquals(Isa.OK, r.code(), r.describe());
            assertEquals(5, m.kvAt(0));
            assertEquals(-700, m.kvAt(4096));
            assertEquals(800, m.kvAt(4096 + 2 * 15));
            assertEquals(-350, m.actAt(OUT, 0));   // -700 / 2
            assertEquals(400, m.actAt(OUT, 15));   // 800 / 2
        }
    }

    /**
     * Two positions, the second row sees both: scores s0 = 16 * 1 * 2 = 32 and s1 = 16 * 1 * 6 = 96, requantized by
     * x 2^16 into log2 units: u = 32, 96 (so 2^-(64/65536) for position 0). Equal V rows would average exactly;
     * here V0 = 0 and V1 = 65536... kept in int16: V0 = 0, V1 = 1000.
     */
    @Test
    void twoPositionsWeightedByExp2() {
        try (Machine m = new Machine()) {
            qkv(m, 0, 1, 2, ramp(0, 0));
            qkv(m, 1, 1, 6, ramp(1000, 0));
            m.program.add(attention(ONE, ONE));
            assertEquals(Isa.OK, m.launch(0, 2, Isa.FLAG_SOFTMAX_EXACT).code());
            // row 1: u = {32, 96}, max 96: e0 = exp2neg(64) = round(2^(-64/65536) * 65536) = 65492, e1 = 65536
            long e0 = NpuMath.exp2neg(64, true);
            assertEquals(65492, e0);
            long expected = NpuMath.divRound(1000L * 65536, e0 + 65536); // = 500.17 -> 500
            assertEquals(500, expected);
            assertEquals(500, m.actAt(OUT + 32, 3));
            assertEquals(0, m.actAt(OUT, 3), "row 0 sees only position 0");
        }
    }

    /** A later launch attends over what earlier launches cached (decode after prefill). */
    @Test
    void decodeStepReadsEarlierPositions() {
        try (Machine m = new Machine()) {
            m.program.add(attention(ONE, ONE));
            qkv(m, 0, 0, 0, ramp(100, 0));
            assertEquals(Isa.OK, m.launch(0, 1, 0).code());
            qkv(m, 0, 0, 0, ramp(300, 0));
            assertEquals(Isa.OK, m.launch(1, 1, 0).code());
            // q = 0: all scores 0, equal weights: (100 + 300) / 2
            assertEquals(200, m.actAt(OUT, 0));
            assertEquals(300, m.kvAt(4096 + 2 * HD));
        }
    }

    /** Against float softmax attention on random data: within the quantization of the output (approx and exact). */
    @Test
    void closeToFloatAttention() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (int flags : new int[] {0, Isa.FLAG_SOFTMAX_EXACT}) {
            try (Machine m = new Machine()) {
                int rows = 6;
                double sq = 1.0 / 4096, sk = 1.0 / 4096; // q, k in [-8, 8)
                int[][] q = new int[rows][HD], k = new int[rows][HD], v = new int[rows][HD];
                for (int r = 0; r < rows; r++) {
                    for (int j = 0; j < HD; j++) {
                        q[r][j] = rnd.nextInt(-8000, 8000);
                        k[r][j] = rnd.nextInt(-8000, 8000);
                        v[r][j] = rnd.nextInt(-20000, 20000);
                    }
                    m.row((long) r * STRIDE, q[r]);
                    m.row((long) r * STRIDE + K_OFF, k[r]);
                    m.row((long) r * STRIDE + V_OFF, v[r]);
                }
                double scoreScale = sq * sk / Math.sqrt(HD) / Math.log(2) * 65536;
                int rqScore = NpuMath.requantizer((int) Math.round(scoreScale * (1 << 23) * 16) >> 4, 23);
                double realScore = (double) NpuMath.mult(rqScore) / (1 << 23) / 65536 * Math.log(2); // per unit of s
                m.program.add(attention(rqScore, ONE));
                assertEquals(Isa.OK, m.launch(0, rows, flags).code());
                double worst = 0;
                for (int r = 0; r < rows; r++) {
                    double[] s = new double[r + 1];
                    double max = -1e300, sum = 0;
                    for (int t = 0; t <= r; t++) {
                        long dot = 0;
                        for (int j = 0; j < HD; j++) dot += (long) q[r][j] * k[t][j];
                        s[t] = dot * realScore;
                        max = Math.max(max, s[t]);
                    }
                    for (int t = 0; t <= r; t++) sum += s[t] = Math.exp(s[t] - max);
                    for (int j = 0; j < HD; j++) {
                        double o = 0;
                        for (int t = 0; t <= r; t++) o += s[t] / sum * v[t][j];
                        worst = Math.max(worst, Math.abs(o - m.actAt(OUT + 32L * r, j)));
                    }
                }
                // Scores in Q16 log2 units and Q16 weights: errors of a few LSB of the 20000-wide V range (exact),
                // tens with the degree-2 polynomial.
                assertTrue(worst < (flags == 0 ? 80 : 4), "worst |error| " + worst + " LSB, flags " + flags);
            }
        }
    }
}
