package dev.fpgallm.reference;

import dev.fpgallm.backend.SequenceFullException;
import dev.fpgallm.model.Block;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.LayerNormWeights;
import dev.fpgallm.model.Linear;
import java.util.stream.IntStream;

/**
 * One pre-LN GPT-2 block in floating point with its own KV cache:
 * x += proj(attention(qkv(ln_1(x)))); x += proj(gelu(fc(ln_2(x)))). Every value the block keeps (residual rows,
 * LayerNorm outputs, Q/K/V and the cache, attention output, MLP hidden) passes through its {@link Storage}:
 * exact for the FP32 reference, rounded to binary16 for the NPU's FP16 fallback layers. Products and sums are
 * FP32 either way.
 */
public final class TransformerBlock {
    /** How a computed value is kept. */
    @FunctionalInterface
    public interface Storage {
        float store(float v);
    }

    public static final Storage FP32 = v -> v;

    private final Block b;
    private final Gpt2Config c;
    private final int layer;
    private final int maxSeq;
    private final Storage s;
    private final float[] keys, values; // [position * nEmbd + channel]

    public TransformerBlock(Block b, Gpt2Config c, int layer, int maxSeq, Storage storage) {
        this.b = b;
        this.c = c;
        this.layer = layer;
        this.maxSeq = maxSeq;
        this.s = storage;
        keys = new float[maxSeq * c.nEmbd()];
        values = new float[maxSeq * c.nEmbd()];
    }

    /** Runs the block on m residual rows x (in place) at positions pos .. pos + m - 1. */
    public void forward(float[] x, int m, int pos, ActivationObserver observer) {
        int d = c.nEmbd();
        if (pos + m > maxSeq) throw new SequenceFullException(pos, m, maxSeq);
        for (int i = 0; i < m * d; i++) x[i] = s.store(x[i]);
        float[] xb = new float[m * d];
        float[] qkv = new float[m * 3 * d];
        float[] attended = new float[m * d];
        float[] hidden = new float[m * c.nInner()];
        float[] delta = new float[m * d];
        // attention: x += proj(attention(qkv(ln_1(x))))
        seen(observer, ActivationObserver.Point.RESIDUAL, x, m, d);
        layerNorm(xb, x, m, b.ln1(), c.layerNormEpsilon(), s);
        seen(observer, ActivationObserver.Point.LN1, xb, m, d);
        matmul(qkv, xb, m, b.attnQkv(), s);
        seen(observer, ActivationObserver.Point.QKV, qkv, m, 3 * d);
        for (int r = 0; r < m; r++) {
            System.arraycopy(qkv, r * 3 * d + d, keys, (pos + r) * d, d);
            System.arraycopy(qkv, r * 3 * d + 2 * d, values, (pos + r) * d, d);
        }
        attention(attended, qkv, m, pos);
        seen(observer, ActivationObserver.Point.ATTENTION, attended, m, d);
        matmul(delta, attended, m, b.attnProj(), s);
        for (int i = 0; i < m * d; i++) x[i] = s.store(x[i] + delta[i]);
        // MLP: x += proj(gelu(fc(ln_2(x))))
        seen(observer, ActivationObserver.Point.RESIDUAL_MID, x, m, d);
        layerNorm(xb, x, m, b.ln2(), c.layerNormEpsilon(), s);
        seen(observer, ActivationObserver.Point.LN2, xb, m, d);
        matmul(hidden, xb, m, b.mlpFc(), s);
        seen(observer, ActivationObserver.Point.FC, hidden, m, c.nInner());
        for (int i = 0; i < hidden.length; i++) hidden[i] = s.store(gelu(hidden[i]));
        seen(observer, ActivationObserver.Point.GELU, hidden, m, c.nInner());
        matmul(delta, hidden, m, b.mlpProj(), s);
        for (int i = 0; i < m * d; i++) x[i] = s.store(x[i] + delta[i]);
    }

    private void seen(ActivationObserver observer, ActivationObserver.Point point, float[] v, int rows, int width) {
        if (observer != null) observer.observe(point, layer, v, rows, width);
    }

    /** Causal multi-head attention of m new rows at positions pos.., against the cache that already holds them. */
    private void attention(float[] out, float[] qkv, int m, int pos) {
        int d = c.nEmbd(), hd = c.headDim();
        float scale = (float) (1.0 / Math.sqrt(hd));
        IntStream.range(0, m * c.nHead()).parallel().forEach(job -> {
            int r = job / c.nHead(), h = job % c.nHead();
            int q = r * 3 * d + h * hd;
            int seen = pos + r + 1; // causal: row r attends to positions 0 .. pos + r
            float[] scores = new float[seen];
            float max = Float.NEGATIVE_INFINITY;
            for (int t = 0; t < seen; t++) {
                scores[t] = dot(qkv, q, keys, t * d + h * hd, hd) * scale;
                max = Math.max(max, scores[t]);
            }
            float sum = 0;
            for (int t = 0; t < seen; t++) {
                scores[t] = (float) Math.exp(scores[t] - max);
                sum += scores[t];
            }
            int o = r * d + h * hd;
            java.util.Arrays.fill(out, o, o + hd, 0f);
            for (int t = 0; t < seen; t++) {
                float p = scores[t] / sum;
                int v = t * d + h * hd;
                for (int i = 0; i < hd; i++) out[o + i] += p * values[v + i];
            }
            for (int i = 0; i < hd; i++) out[o + i] = s.store(out[o + i]);
        });
    }

    static void layerNorm(float[] out, float[] x, int m, LayerNormWeights ln, double eps, Storage s) {
        int d = ln.gamma().length;
        for (int r = 0; r < m; r++) {
            double mean = 0;
            for (int i = 0; i < d; i++) mean += x[r * d + i];
            mean /= d;
            double var = 0;
            for (int i = 0; i < d; i++) {
                double dx = x[r * d + i] - mean;
                var += dx * dx;
            }
            var /= d;
            double inv = 1.0 / Math.sqrt(var + eps);
            for (int i = 0; i < d; i++)
                out[r * d + i] = s.store((float) ((x[r * d + i] - mean) * inv) * ln.gamma()[i] + ln.beta()[i]);
        }
    }

    /** out[r][o] = sum_i x[r][i] W[o][i] + b[o], output channels split across cores. */
    static void matmul(float[] out, float[] x, int m, Linear layer, Storage s) {
        int in = layer.in(), outs = layer.out();
        int chunk = 64;
        IntStream.range(0, (outs + chunk - 1) / chunk).parallel().forEach(job -> {
            int end = Math.min(outs, (job + 1) * chunk);
            for (int o = job * chunk; o < end; o++) {
                float bias = layer.bias() == null ? 0f : layer.bias()[o];
                for (int r = 0; r < m; r++)
                    out[r * outs + o] = s.store(dot(x, r * in, layer.weight(), o * in, in) + bias);
            }
        });
    }

    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            s0 += a[ao + i] * b[bo + i];
            s1 += a[ao + i + 1] * b[bo + i + 1];
            s2 += a[ao + i + 2] * b[bo + i + 2];
            s3 += a[ao + i + 3] * b[bo + i + 3];
        }
        for (; i < n; i++) s0 += a[ao + i] * b[bo + i];
        return (s0 + s1) + (s2 + s3);
    }

    /** GPT-2's gelu_new: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
    public static float gelu(float x) {
        return (float) (0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))));
    }
}
