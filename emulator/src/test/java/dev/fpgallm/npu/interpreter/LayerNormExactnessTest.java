package dev.fpgallm.npu.interpreter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.fpgallm.npu.isa.Isa;
import dev.fpgallm.npu.isa.LayerNorm;
import dev.fpgallm.npu.isa.NpuMath;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The vectorized LAYERNORM against isa.md 4.2's definition transcribed in scalar longs, on random rows, parameters,
 * epsilons and shifts, including the int16 extremes and constant rows (zero variance), for every row mode.
 */
class LayerNormExactnessTest {
    private static final int X = 0, Y = 32 * 1024;

    @Test
    void randomRowsEqualTheDefinition() {
        SplittableRandom rnd = new SplittableRandom(17);
        for (int c = 0; c < 60; c++) {
            int d = 16 * (1 + rnd.nextInt(64)), rows = 1 + rnd.nextInt(Machine.MAX_TOKENS), mode = rnd.nextInt(3);
            int stride = 2 * d;
            long eps = rnd.nextInt(4) == 0 ? 0 : rnd.nextLong(1L << rnd.nextInt(1, 56));
            int shift = rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(64);
            try (Machine m = new Machine()) {
                short[][] x = new short[rows][d];
                for (int r = 0; r < rows; r++) {
                    int kind = rnd.nextInt(4);
                    for (int i = 0; i < d; i++) {
                        x[r][i] = (short) switch (kind) {
                            case 0 -> -32768;                                     // constant: zero variance
                            case 1 -> rnd.nextBoolean() ? -32768 : 32767;          // the extremes
                            default -> rnd.nextInt(-32768, 32768);
                        };
                        NpuMemory.putShort(m.act, X + (long) r * stride + 2L * i, x[r][i]);
                    }
                }
                int[] g = new int[d], b = new int[d];
                for (int i = 0; i < d; i++) {
                    g[i] = rnd.nextInt(4) == 0 ? rnd.nextInt() : rnd.nextInt(-(1 << 17), 1 << 17);
                    b[i] = rnd.nextInt(4) == 0 ? rnd.nextInt() : rnd.nextInt(-(1 << 16), 1 << 16);
                    m.param(8L * i, g[i]);
                    m.param(8L * i + 4, b[i]);
                }
                int out = rnd.nextBoolean() ? Isa.OUT_INT16 : Isa.OUT_INT8;
                m.program.add(new LayerNorm(mode, out, d, X, stride, Y, stride, 0, eps, shift));
                LaunchReport report = m.launch(rows);
                assertEquals(Isa.OK, report.code(), report.describe());
                int read = mode == Isa.ROWS_ALL ? rows : 1, firstRow = mode == Isa.ROWS_LAST ? rows - 1 : 0;
                long saturations = 0;
                for (int r = 0; r < read; r++) {
                    short[] row = x[firstRow + r];
                    long sum = 0, squares = 0;
                    for (short v : row) {
                        sum += v;
                        squares += (long) v * v;
                    }
                    long rt = NpuMath.isqrt(d * squares - sum * sum + eps), inv = 0;
                    int sh = 0;
                    if (rt != 0) {
                        inv = (1L << 62) / rt;
                        sh = Math.max(0, NpuMath.bitlen(inv) - 31);
                        inv >>= sh;
                    }
                    for (int i = 0; i < d; i++) {
                        long z = rt == 0 ? 0 : NpuMath.rshiftRound((d * (long) row[i] - sum) * inv, 46 - sh);
                        long y = NpuMath.rshiftRound(z * g[i] + ((long) b[i] << 16), shift);
                        long clamped = Math.clamp(y, NpuMath.lowest(out), NpuMath.highest(out));
                        if (clamped != y) saturations++;
                        assertEquals(clamped, m.actAt(Y + (long) r * stride, i), "case " + c + ", row " + r + ", element " + i);
                    }
                }
                assertEquals((int) saturations, m.statusWord(Isa.S_SATURATIONS), "case " + c + ": saturations");
            }
        }
    }
}
