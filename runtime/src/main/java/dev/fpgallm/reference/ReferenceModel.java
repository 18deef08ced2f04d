package dev.fpgallm.reference;

import dev.fpgallm.backend.Backend;
import dev.fpgallm.backend.SequenceFullException;
import dev.fpgallm.model.Block;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.model.LayerNormWeights;
import dev.fpgallm.model.Linear;
import java.util.stream.IntStream;

/**
 * The FP32 golden model: GPT-2 exactly as Hugging Face computes it, in plain Java. Every other backend is compared
 * to this one. One forward pass handles M tokens at once (prefill) or one (decode); K and V of every position stay
 * in the cache, so decode costs one row of work per token.
 */
public final class ReferenceModel implements Backend {
    private final Gpt2Weights w;
    private final Gpt2Config c;
    private final int maxSeq;
    private final float[][] keyCache;   // [layer][position * nEmbd + channel]
    private final float[][] valueCache;
    private int position;
    private ActivationObserver observer;

    public ReferenceModel(Gpt2Weights weights, int maxSeq) {
        this.w = weights;
        this.c = weights.config();
        if (maxSeq < 1 || maxSeq > c.nPositions())
            throw new IllegalArgumentException("maxSeq " + maxSeq + " outside 1.." + c.nPositions());
        this.maxSeq = maxSeq;
        keyCache = new float[c.nLayer()][maxSeq * c.nEmbd()];
        valueCache = new float[c.nLayer()][maxSeq * c.nEmbd()];
    }

    /** Calibration hook: sees every activation the NPU quantizes (null to stop). */
    public void observe(ActivationObserver observer) {
        this.observer = observer;
    }

    private void seen(ActivationObserver.Point point, int layer, float[] values, int rows, int width) {
        if (observer != null) observer.observe(point, layer, values, rows, width);
    }

    @Override
    public String name() {
        return "ref";
    }

    @Override
    public Gpt2Config config() {
        return c;
    }

    @Override
    public int maxSeq() {
        return maxSeq;
    }

    @Override
    public int position() {
        return position;
    }

    @Override
    public void reset() {
        position = 0;
    }

    @Override
    public float[] prefill(int[] tokens) {
        return forward(tokens, false)[0];
    }

    @Override
    public float[][] prefillAll(int[] tokens) {
        return forward(tokens, true);
    }

    @Override
    public float[] decode(int token) {
        return forward(new int[] {token}, false)[0];
    }

    /** Runs tokens through the model; logits of every row, or of the last only. */
    private float[][] forward(int[] tokens, boolean allLogits) {
        int m = tokens.length, d = c.nEmbd(), pos = position;
        if (m == 0) throw new IllegalArgumentException("no tokens to feed");
        if (pos + m > maxSeq) throw new SequenceFullException(pos, m, maxSeq);
        for (int t : tokens)
            if (t < 0 || t >= c.vocabSize()) throw new IllegalArgumentException("token id " + t + " outside the vocabulary");

        // token + position embeddings
        float[] x = new float[m * d];
        for (int r = 0; r < m; r++)
            for (int i = 0; i < d; i++)
                x[r * d + i] = w.wte()[tokens[r] * d + i] + w.wpe()[(pos + r) * d + i];

        float[] xb = new float[m * d];
        float[] qkv = new float[m * 3 * d];
        float[] attended = new float[m * d];
        float[] hidden = new float[m * c.nInner()];
        float[] delta = new float[m * d];
        for (int l = 0; l < c.nLayer(); l++) {
            Block b = w.blocks().get(l);
            // attention: x += proj(attention(qkv(ln_1(x))))
            seen(ActivationObserver.Point.RESIDUAL, l, x, m, d);
            layerNorm(xb, x, m, b.ln1());
            seen(ActivationObserver.Point.LN1, l, xb, m, d);
            matmul(qkv, xb, m, b.attnQkv());
            seen(ActivationObserver.Point.QKV, l, qkv, m, 3 * d);
            for (int r = 0; r < m; r++) {
                System.arraycopy(qkv, r * 3 * d + d, keyCache[l], (pos + r) * d, d);
                System.arraycopy(qkv, r * 3 * d + 2 * d, valueCache[l], (pos + r) * d, d);
            }
            attention(attended, qkv, m, pos, keyCache[l], valueCache[l]);
            seen(ActivationObserver.Point.ATTENTION, l, attended, m, d);
            matmul(delta, attended, m, b.attnProj());
            for (int i = 0; i < m * d; i++) x[i] += delta[i];
            // MLP: x += proj(gelu(fc(ln_2(x))))
            seen(ActivationObserver.Point.RESIDUAL_MID, l, x, m, d);
            layerNorm(xb, x, m, b.ln2());
            seen(ActivationObserver.Point.LN2, l, xb, m, d);
            matmul(hidden, xb, m, b.mlpFc());
            seen(ActivationObserver.Point.FC, l, hidden, m, c.nInner());
            for (int i = 0; i < hidden.length; i++) hidden[i] = gelu(hidden[i]);
            seen(ActivationObserver.Point.GELU, l, hidden, m, c.nInner());
            matmul(delta, hidden, m, b.mlpProj());
            for (int i = 0; i < m * d; i++) x[i] += delta[i];
        }
        position = pos + m;
        seen(ActivationObserver.Point.RESIDUAL, c.nLayer(), x, m, d);

        int first = allLogits ? 0 : m - 1;
        int rows = m - first;
        float[] last = new float[rows * d];
        System.arraycopy(x, first * d, last, 0, rows * d);
        layerNorm(last, last, rows, w.lnF());
        seen(ActivationObserver.Point.LN_F, c.nLayer(), last, rows, d);
        Linear head = new Linear(d, c.vocabSize(), w.lmHead(), null);
        float[] logits = new float[rows * c.vocabSize()];
        matmul(logits, last, rows, head);
        seen(ActivationObserver.Point.LOGITS, c.nLayer(), logits, rows, c.vocabSize());
        float[][] out = new float[rows][];
        for (int r = 0; r < rows; r++) {
            out[r] = new float[c.vocabSize()];
            System.arraycopy(logits, r * c.vocabSize(), out[r], 0, c.vocabSize());
        }
        return out;
    }

    /** Causal multi-head attention of m new rows at positions pos.., against the cache that already holds them. */
    private void attention(float[] out, float[] qkv, int m, int pos, float[] keys, float[] values) {
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
        });
    }

    private void layerNorm(float[] out, float[] x, int m, LayerNormWeights ln) {
        int d = c.nEmbd();
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
            double inv = 1.0 / Math.sqrt(var + c.layerNormEpsilon());
            for (int i = 0; i < d; i++)
                out[r * d + i] = (float) ((x[r * d + i] - mean) * inv) * ln.gamma()[i] + ln.beta()[i];
        }
    }

    /** out[r][o] = sum_i x[r][i] W[o][i] + b[o], output channels split across cores. */
    static void matmul(float[] out, float[] x, int m, Linear layer) {
        int in = layer.in(), outs = layer.out();
        int chunk = 64;
        IntStream.range(0, (outs + chunk - 1) / chunk).parallel().forEach(job -> {
            int end = Math.min(outs, (job + 1) * chunk);
            for (int o = job * chunk; o < end; o++) {
                float bias = layer.bias() == null ? 0f : layer.bias()[o];
                for (int r = 0; r < m; r++)
                    out[r * outs + o] = dot(x, r * in, layer.weight(), o * in, in) + bias;
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

    @Override
    public void close() {
    }
}
