package dev.fpgallm.eval;

import dev.fpgallm.backend.Backend;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Perplexity with a sliding window and logit agreement between the FP32 reference and another backend. The
 * reference pass is run once ({@link #reference}) and kept, so a sweep compares many configurations against it.
 */
public final class Evaluation {
    private final Corpus corpus;
    private final List<Window> windows;
    private final List<float[]> referenceLogits = new ArrayList<>(); // per scored target, in window order
    private final int[] targets;
    private double referenceNll;

    private Evaluation(Corpus corpus, List<Window> windows) {
        this.corpus = corpus;
        this.windows = windows;
        int n = 0;
        for (Window w : windows) n += w.targets();
        this.targets = new int[n];
    }

    /** Tokens the reference pass feeds in {@link #REFERENCE_CHUNK}s, for progress between them. */
    static final int REFERENCE_CHUNK = 32;

    /**
     * Runs the FP32 reference over the corpus in windows of {@code window} tokens advancing by {@code stride}.
     *
     * @param onWindow called after each window (progress)
     */
    public static Evaluation reference(Backend fp32, Corpus corpus, int window, int stride, Runnable onWindow) {
        return reference(fp32, corpus, window, stride, n -> { }, onWindow);
    }

    /**
     * As above, reporting the tokens fed ({@link #tokenCount} in all): each window goes through the reference's KV
     * cache {@value #REFERENCE_CHUNK} tokens at a time. The FP32 reference computes every row on its own (the same
     * products in the same order), so this gives the same logits, bit for bit, as one prefill of the whole window.
     *
     * @param onTokens called with the tokens of each chunk once they are fed (progress)
     */
    public static Evaluation reference(Backend fp32, Corpus corpus, int window, int stride, LongConsumer onTokens) {
        return reference(fp32, corpus, window, stride, onTokens, () -> { });
    }

    /** The tokens {@link #reference} feeds: every window's. */
    public static long tokenCount(Corpus corpus, int window, int stride) {
        long n = 0;
        for (Window w : Window.over(corpus, window, stride)) n += w.end() - w.begin();
        return n;
    }

    private static Evaluation reference(Backend fp32, Corpus corpus, int window, int stride, LongConsumer onTokens,
                                        Runnable onWindow) {
        Evaluation e = new Evaluation(corpus, Window.over(corpus, window, stride));
        int t = 0;
        double nll = 0;
        for (Window w : e.windows) {
            float[][] logits = e.runInChunks(fp32, w, onTokens);
            int[] seq = corpus.sequences().get(w.sequence());
            for (int j = w.scoreFrom(); j < w.end(); j++) {
                float[] l = logits[j - 1 - w.begin()];
                e.referenceLogits.add(l);
                e.targets[t++] = seq[j];
                nll -= logProb(l, seq[j]);
            }
            onWindow.run();
        }
        e.referenceNll = nll;
        return e;
    }

    /** How many windows {@link #reference} will run (for progress bars). */
    public static int windowCount(Corpus corpus, int window, int stride) {
        return Window.over(corpus, window, stride).size();
    }

    public Corpus corpus() {
        return corpus;
    }

    public int windowCount() {
        return windows.size();
    }

    public int scoredTokens() {
        return targets.length;
    }

    /** The tokens the windows feed, longest window first (for sizing a backend's KV cache). */
    public int longestWindow() {
        int m = 0;
        for (Window w : windows) m = Math.max(m, w.end() - w.begin());
        return m;
    }

    /** Runs {@code backend} over the same windows and compares it with the reference at every scored target. */
    public Quality compare(Backend backend, Runnable onWindow) {
        int t = 0;
        double nll = 0, cosine = 0, kl = 0;
        int agree = 0;
        for (Window w : windows) {
            float[][] logits = run(backend, w);
            for (int j = w.scoreFrom(); j < w.end(); j++, t++) {
                float[] q = logits[j - 1 - w.begin()], p = referenceLogits.get(t);
                nll -= logProb(q, targets[t]);
                if (argmax(p) == argmax(q)) agree++;
                cosine += cosine(p, q);
                kl += kl(p, q);
            }
            onWindow.run();
        }
        int n = targets.length;
        return new Quality(n, Math.exp(referenceNll / n), Math.exp(nll / n), (double) agree / n, cosine / n, kl / n);
    }

    private float[][] runInChunks(Backend b, Window w, LongConsumer onTokens) {
        int[] seq = corpus.sequences().get(w.sequence());
        float[][] logits = new float[w.end() - w.begin()][];
        b.reset();
        for (int from = w.begin(); from < w.end(); from += REFERENCE_CHUNK) {
            int to = Math.min(w.end(), from + REFERENCE_CHUNK);
            float[][] part = b.prefillAll(Arrays.copyOfRange(seq, from, to));
            System.arraycopy(part, 0, logits, from - w.begin(), part.length);
            onTokens.accept(to - from);
        }
        return logits;
    }

    private float[][] run(Backend b, Window w) {
        int[] seq = corpus.sequences().get(w.sequence());
        b.reset();
        return b.prefillAll(Arrays.copyOfRange(seq, w.begin(), w.end()));
    }

    static double logSumExp(float[] l) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : l) max = Math.max(max, v);
        double s = 0;
        for (float v : l) s += Math.exp(v - max);
        return max + Math.log(s);
    }

    static double logProb(float[] logits, int token) {
        return logits[token] - logSumExp(logits);
    }

    /** KL(P || Q) in nats of the softmax distributions of two logit vectors. */
    static double kl(float[] p, float[] q) {
        double lp = logSumExp(p), lq = logSumExp(q), s = 0;
        for (int i = 0; i < p.length; i++) {
            double a = p[i] - lp;
            s += Math.exp(a) * (a - (q[i] - lq));
        }
        return s;
    }

    public static double cosine(float[] a, float[] b) {
        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += (double) a[i] * b[i];
            aa += (double) a[i] * a[i];
            bb += (double) b[i] * b[i];
        }
        return aa == 0 || bb == 0 ? (aa == bb ? 1 : 0) : ab / Math.sqrt(aa * bb);
    }

    /** The first index of the largest logit (the top-1 the agreement counts). */
    public static int argmax(float[] l) {
        int b = 0;
        for (int i = 1; i < l.length; i++) if (l[i] > l[b]) b = i;
        return b;
    }
}
