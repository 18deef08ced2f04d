package dev.fpgallm.reference;

import dev.fpgallm.backend.BackendKind;
import dev.fpgallm.UserError;
import dev.fpgallm.backend.Backend;
import dev.fpgallm.backend.SequenceFullException;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.model.Linear;

/**
 * The FP32 golden model: GPT-2 exactly as Hugging Face computes it, in plain Java. Every other backend is compared
 * to this one. One forward pass handles M tokens at once (prefill) or one (decode); K and V of every position stay
 * in the cache, so decode costs one row of work per token. The matrix products and attention heads are split across
 * {@code threads} threads ({@link HostThreads}).
 */
public final class ReferenceModel implements Backend {
    private final Gpt2Weights w;
    private final Gpt2Config c;
    private final int maxSeq;
    private final TransformerBlock[] blocks; // each with its KV cache
    private int position;
    private final HostThreads threads;
    private ActivationObserver observer;

    /** On every core the JVM may use. */
    public ReferenceModel(Gpt2Weights weights, int maxSeq) {
        this(weights, maxSeq, Runtime.getRuntime().availableProcessors());
    }

    public ReferenceModel(Gpt2Weights weights, int maxSeq, int threads) {
        this.w = weights;
        this.c = weights.config();
        if (maxSeq < 1 || maxSeq > c.nPositions())
            throw new IllegalArgumentException("maxSeq " + maxSeq + " outside 1.." + c.nPositions());
        this.maxSeq = maxSeq;
        blocks = new TransformerBlock[c.nLayer()];
        for (int l = 0; l < c.nLayer(); l++)
            blocks[l] = new TransformerBlock(weights.blocks().get(l), c, l, maxSeq, TransformerBlock.FP32);
        this.threads = new HostThreads(threads);
    }

    public int threads() {
        return threads.threads();
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
        return BackendKind.REF.id();
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
        return threads.call(() -> forwardHere(tokens, allLogits));
    }

    private float[][] forwardHere(int[] tokens, boolean allLogits) {
        int m = tokens.length, d = c.nEmbd(), pos = position;
        if (m == 0) throw new IllegalArgumentException("no tokens to feed");
        if (pos + m > maxSeq) throw new SequenceFullException(pos, m, maxSeq);
        for (int t : tokens)
            if (t < 0 || t >= c.vocabSize()) throw new UserError("token id " + t + " is outside the model's vocabulary of " + c.vocabSize() + " ids");

        // token + position embeddings
        float[] x = new float[m * d];
        for (int r = 0; r < m; r++)
            for (int i = 0; i < d; i++)
                x[r * d + i] = w.wte()[tokens[r] * d + i] + w.wpe()[(pos + r) * d + i];

        for (TransformerBlock block : blocks) block.forward(x, m, pos, observer);
        position = pos + m;
        seen(ActivationObserver.Point.RESIDUAL, c.nLayer(), x, m, d);

        int first = allLogits ? 0 : m - 1;
        int rows = m - first;
        float[] last = new float[rows * d];
        System.arraycopy(x, first * d, last, 0, rows * d);
        TransformerBlock.layerNorm(last, last, rows, w.lnF(), c.layerNormEpsilon(), TransformerBlock.FP32);
        seen(ActivationObserver.Point.LN_F, c.nLayer(), last, rows, d);
        Linear head = new Linear(d, c.vocabSize(), w.lmHead(), null);
        float[] logits = new float[rows * c.vocabSize()];
        TransformerBlock.matmul(logits, last, rows, head, TransformerBlock.FP32);
        seen(ActivationObserver.Point.LOGITS, c.nLayer(), logits, rows, c.vocabSize());
        checkFinite(logits, pos + first);
        float[][] out = new float[rows][];
        for (int r = 0; r < rows; r++) {
            out[r] = new float[c.vocabSize()];
            System.arraycopy(logits, r * c.vocabSize(), out[r], 0, c.vocabSize());
        }
        return out;
    }

    /**
     * Refuses logits that are not finite: FP32 overflowed somewhere (weights near FLT_MAX, say), so what follows
     * would be a silently meaningless choice of token. Cheap next to the LM head that made them.
     */
    private void checkFinite(float[] logits, int firstPosition) {
        for (int i = 0; i < logits.length; i++)
            if (!Float.isFinite(logits[i]))
                throw new UserError(c.name() + ": the FP32 forward pass overflowed (logit " + logits[i] + " at position "
                        + (firstPosition + i / c.vocabSize()) + "): the weights are too large to compute in FP32");
    }

    /** GPT-2's gelu_new: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
    public static float gelu(float x) {
        return TransformerBlock.gelu(x);
    }

    @Override
    public void close() {
        threads.close();
    }
}
