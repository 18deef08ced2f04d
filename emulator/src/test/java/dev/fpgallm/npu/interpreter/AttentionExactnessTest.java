package dev.fpgallm.npu.interpreter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.fpgallm.npu.isa.Attention;
import dev.fpgallm.npu.isa.Isa;
import dev.fpgallm.npu.isa.NpuMath;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The vectorized ATTENTION against isa.md 4.2's pseudocode transcribed line by line in scalar longs: every output
 * element and both event counters, on random shapes and on the extremes of the int16 range (the longest head_dim
 * with q = k = v = -32768, where every score is 2^38 and overflows int32).
 */
class AttentionExactnessTest {
    private static final int KC = 0, VC = 32 * 1024; // K and V caches in kv

    /** One head layout: q | k | v columns of nHead * hd each, out rows after them. */
    private record Shape(int nHead, int hd, int position, int nTokens, int flags, int rqScore, int rqOut) {
        int width() {
            return nHead * hd;
        }

        int stride() {
            return 6 * width();
        }

        int outBase() {
            return Machine.MAX_TOKENS * stride();
        }

        Attention op() {
            return new Attention(Isa.OUT_INT16, nHead, hd, 0, stride(), 2 * width(), 4 * width(), KC, VC, outBase(),
                    2 * width(), rqScore, rqOut);
        }
    }

    @Test
    void randomShapesEqualThePseudocode() {
        SplittableRandom rnd = new SplittableRandom(16);
        for (int c = 0; c < 40; c++) {
            int hd = 16 << rnd.nextInt(3), nHead = 1 + rnd.nextInt(2);
            int position = rnd.nextInt(Machine.MAX_SEQ - Machine.MAX_TOKENS), n = 1 + rnd.nextInt(Machine.MAX_TOKENS);
            int range = rnd.nextBoolean() ? 32768 : 3000;
            Shape s = new Shape(nHead, hd, position, n, rnd.nextInt(2), NpuMath.requantizer(rnd.nextInt(1 << 24), rnd.nextInt(20, 40)),
                    NpuMath.requantizer(rnd.nextInt(1 << 24), rnd.nextInt(20, 30)));
            check(s, rnd, range);
        }
    }

    /** head_dim 256, every operand -32768: s = 2^38 at every position, e = 65536 everywhere, sums at their bound. */
    @Test
    void worstCaseOperands() {
        check(new Shape(1, Isa.MAX_HEAD_DIM, Machine.MAX_SEQ - 2, 2, 0, NpuMath.requantizer(1, 0),
                NpuMath.requantizer((1 << 24) - 1, 24)), null, 0);
    }

    /** Fills q, k, v (and the cache below position) from rnd, or with -32768 when rnd is null; compares all. */
    private static void check(Shape s, SplittableRandom rnd, int range) {
        try (Machine m = new Machine()) {
            int hd = s.hd(), w = s.width(), maxSeq = Machine.MAX_SEQ;
            short[][][] kc = new short[s.nHead()][maxSeq][hd], vc = new short[s.nHead()][maxSeq][hd];
            short[][] q = new short[s.nTokens()][w];
            for (int h = 0; h < s.nHead(); h++)
                for (int t = 0; t < s.position(); t++)
                    for (int j = 0; j < hd; j++) {
                        kc[h][t][j] = value(rnd, range);
                        vc[h][t][j] = value(rnd, range);
                        NpuMemory.putShort(m.kv, KC + 2L * ((h * maxSeq + t) * hd + j), kc[h][t][j]);
                        NpuMemory.putShort(m.kv, VC + 2L * ((h * maxSeq + t) * hd + j), vc[h][t][j]);
                    }
            for (int r = 0; r < s.nTokens(); r++)
                for (int i = 0; i < w; i++) {
                    int h = i / hd, j = i % hd, t = s.position() + r;
                    q[r][i] = value(rnd, range);
                    kc[h][t][j] = value(rnd, range);
                    vc[h][t][j] = value(rnd, range);
                    NpuMemory.putShort(m.act, (long) r * s.stride() + 2L * i, q[r][i]);
                    NpuMemory.putShort(m.act, (long) r * s.stride() + 2L * (w + i), kc[h][t][j]);
                    NpuMemory.putShort(m.act, (long) r * s.stride() + 2L * (2 * w + i), vc[h][t][j]);
                }
            m.program.add(s.op());
            LaunchReport report = m.launch(s.position(), s.nTokens(), s.flags());
            assertEquals(Isa.OK, report.code(), report.describe());

            long saturations = 0, overflows = 0;
            for (int r = 0; r < s.nTokens(); r++)
                for (int h = 0; h < s.nHead(); h++) {
                    int p = s.position() + r;
                    long[] u = new long[p + 1], e = new long[p + 1];
                    long max = Long.MIN_VALUE, total = 0;
                    for (int t = 0; t <= p; t++) {
                        long dot = 0;
                        for (int j = 0; j < hd; j++) dot += (long) q[r][h * hd + j] * kc[h][t][j];
                        if (dot < Integer.MIN_VALUE || dot > Integer.MAX_VALUE) overflows++;
                        u[t] = Math.clamp(NpuMath.requant(dot, s.rqScore()), Integer.MIN_VALUE, Integer.MAX_VALUE);
                        max = Math.max(max, u[t]);
                    }
                    for (int t = 0; t <= p; t++) total += e[t] = NpuMath.exp2neg(max - u[t], s.flags() != 0);
                    for (int j = 0; j < hd; j++) {
                        long sum = 0;
                        for (int t = 0; t <= p; t++) sum += e[t] * vc[h][t][j];
                        long y = NpuMath.requant(NpuMath.divRound(sum, total), s.rqOut());
                        if (y < -32768 || y > 32767) saturations++;
                        int expected = (int) Math.clamp(y, -32768, 32767);
                        long at = s.outBase() + (long) r * 2 * w + 2L * (h * hd + j);
                        assertEquals(expected, m.actAt(at, 0), s + ": row " + r + ", head " + h + ", element " + j);
                    }
                }
            assertEquals((int) saturations, m.statusWord(Isa.S_SATURATIONS), s + ": saturations");
            assertEquals((int) overflows, m.statusWord(Isa.S_OVERFLOWS), s + ": overflows");
        }
    }

    private static short value(SplittableRandom rnd, int range) {
        return rnd == null ? Short.MIN_VALUE : (short) rnd.nextInt(-range, Math.min(range, 32768));
    }
}
