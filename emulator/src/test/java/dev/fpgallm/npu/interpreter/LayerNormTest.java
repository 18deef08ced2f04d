package dev.fpgallm.npu.interpreter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fpgallm.npu.isa.Isa;
import dev.fpgallm.npu.isa.LayerNorm;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LayerNormTest {
    /** x = +-a alternating: mean 0, std a, so z = +-1 (Q16 65536); g = 100, b = 7, shift 16 -> y = +-100 + 7. */
    @Test
    void alternatingRowNormalisesToPlusMinusOne() {
        try (Machine m = new Machine()) {
            int d = 16;
            int[] x = new int[d];
            for (int i = 0; i < d; i++) x[i] = (i % 2 == 0 ? 1 : -1) * 1234;
            m.row(0, x);
            for (int i = 0; i < d; i++) {
                m.param(8L * i, 100);
                m.param(8L * i + 4, 7);
            }
            m.program.add(new LayerNorm(Isa.ROWS_ALL, Isa.OUT_INT16, d, 0, 32, 1024, 32, 0, 0, 16));
            assertEquals(Isa.OK, m.launch(1).code());
            assertEquals(107, m.actAt(1024, 0));
            assertEquals(-93, m.actAt(1024, 1));
        }
    }

    /** A constant row has zero variance: with E = 0, z = 0 and y = b exactly. */
    @Test
    void constantRowGivesBeta() {
        try (Machine m = new Machine()) {
            int d = 32;
            int[] x = new int[d];
            java.util.Arrays.fill(x, 555);
            m.row(0, x);
            for (int i = 0; i < d; i++) {
                m.param(8L * i, 1 << 20);
                m.param(8L * i + 4, -3);
            }
            m.program.add(new LayerNorm(Isa.ROWS_ALL, Isa.OUT_INT16, d, 0, 64, 1024, 64, 0, 0, 16));
            assertEquals(Isa.OK, m.launch(1).code());
            for (int i = 0; i < d; i++) assertEquals(-3, m.actAt(1024, i));
        }
    }

    /** Against float LayerNorm on random rows, including eps: within one output LSB. */
    @Test
    void closeToFloatLayerNorm() {
        SplittableRandom rnd = new SplittableRandom(5);
        try (Machine m = new Machine()) {
            int d = 768, rows = 4;
            double sx = 1.0 / 1024, sy = 1.0 / 4096, eps = 1e-5;
            double[] gamma = new double[d], beta = new double[d];
            int shift = 32; // keeps g = gamma / sy * 2^(shift - 16) below 2^30
            for (int i = 0; i < d; i++) {
                gamma[i] = 0.5 + rnd.nextDouble();
                beta[i] = rnd.nextDouble() - 0.5;
                m.param(8L * i, (int) Math.round(Math.scalb(gamma[i] / sy, shift - 16)));
                m.param(8L * i + 4, (int) Math.round(Math.scalb(beta[i] / sy, shift - 16)));
            }
            int[][] x = new int[rows][d];
            for (int r = 0; r < rows; r++) {
                for (int i = 0; i < d; i++) x[r][i] = (int) Math.round(rnd.nextGaussian() * 3000 + (r - 2) * 500);
                m.row((long) r * 2 * d, x[r]);
            }
            long e = Math.round((double) d * d * eps / (sx * sx));
            m.program.add(new LayerNorm(Isa.ROWS_ALL, Isa.OUT_INT16, d, 0, 2 * d, 8192, 2 * d, 0, e, shift));
            assertEquals(Isa.OK, m.launch(rows).code());
            double worst = 0;
            for (int r = 0; r < rows; r++) {
                double mean = 0, var = 0;
                for (int v : x[r]) mean += v * sx;
                mean /= d;
                for (int v : x[r]) var += (v * sx - mean) * (v * sx - mean);
                var /= d;
                for (int i = 0; i < d; i++) {
                    double y = ((x[r][i] * sx - mean) / Math.sqrt(var + eps) * gamma[i] + beta[i]) / sy;
                    worst = Math.max(worst, Math.abs(y - m.actAt(8192 + 2L * d * r, i)));
                }
            }
            assertTrue(worst <= 1.0, "worst error " + worst + " LSB");
        }
    }
}
