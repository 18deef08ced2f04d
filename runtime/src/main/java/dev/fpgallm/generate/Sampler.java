package dev.fpgallm.generate;

import dev.fpgallm.UserError;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from logits, with llama.cpp's default sampler chain: the repeat penalty on the last
 * {@code repeatLastN} tokens, then top-k, top-p (nucleus) and min-p on the penalized logits, then the temperature,
 * then a draw. Temperature 0 takes the most likely token after the penalty (greedy). A fixed seed gives the same
 * choices on every run.
 */
public final class Sampler {
    /**
     * @param temperature   divides the logits before the draw (finite, >= 0; 0 = greedy)
     * @param topK          keep the k most likely tokens (0 = all)
     * @param topP          keep the smallest set of most likely tokens whose probability reaches p (1 = all)
     * @param minP          keep the tokens at least {@code minP} times as likely as the most likely one (0 = all)
     * @param repeatPenalty the logit of every token seen in the window is divided by it when positive, multiplied by
     *                      it when not (1 = none; above 1 discourages repeating)
     * @param repeatLastN   the window: the last N tokens, prompt included (0 = none, -1 = the whole context)
     */
    public record Settings(double temperature, int topK, double topP, double minP, double repeatPenalty, int repeatLastN) {
        /** llama.cpp's window for the repeat penalty. */
        public static final int DEFAULT_REPEAT_LAST_N = 64;
        public static final Settings GREEDY = new Settings(0, 0, 1, 0, 1, DEFAULT_REPEAT_LAST_N);

        /** Every range checked, with the option that sets it named: temperature finite and >= 0, top-k >= 0, ... */
        public Settings {
            if (!(temperature >= 0 && Double.isFinite(temperature)))
                throw new UserError("--temp must be a finite number >= 0 (0 = greedy), got " + temperature);
            if (topK < 0) throw new UserError("--top-k must be >= 0 (0 = all tokens), got " + topK);
            if (!(topP > 0 && topP <= 1)) throw new UserError("--top-p must be in (0, 1] (1 = all tokens), got " + topP);
            if (!(minP >= 0 && minP <= 1)) throw new UserError("--min-p must be in [0, 1] (0 = all tokens), got " + minP);
            if (!(repeatPenalty > 0 && Double.isFinite(repeatPenalty)))
                throw new UserError("--repeat-penalty must be a finite number > 0 (1 = none), got " + repeatPenalty);
            if (repeatLastN < -1)
                throw new UserError("--repeat-last-n must be >= -1 (0 = none, -1 = the whole context), got " + repeatLastN);
        }

        /** Plain sampling at {@code temperature}: no filter, no penalty. */
        public static Settings at(double temperature) {
            return new Settings(temperature, 0, 1, 0, 1, DEFAULT_REPEAT_LAST_N);
        }

        public boolean greedy() {
            return temperature == 0;
        }

        boolean penalizes() {
            return repeatPenalty != 1 && repeatLastN != 0;
        }
    }

    private final Settings s;
    private final SplittableRandom random;
    private int[] history = new int[64]; // every accepted token, prompt first
    private int accepted;
    private float[] penalized = new float[0];
    private int[] seenAt = new int[0]; // a token's last mark; marks grow per call, so nothing is cleared
    private int mark;
    private long[] order = new long[0];
    private double[] probs = new double[0];

    public Sampler(Settings settings, long seed) {
        this.s = settings;
        this.random = new SplittableRandom(seed);
    }

    public static Sampler greedy() {
        return new Sampler(Settings.GREEDY, 0);
    }

    public Settings settings() {
        return s;
    }

    public boolean isGreedy() {
        return s.greedy();
    }

    /** Records a token of the context (the prompt's, then each one generated) for the repeat penalty. */
    public void accept(int token) {
        if (!s.penalizes()) return;
        if (accepted == history.length) history = Arrays.copyOf(history, 2 * accepted);
        history[accepted++] = token;
    }

    public int sample(float[] logits) {
        float[] l = s.penalizes() ? penalize(logits) : logits;
        if (s.greedy()) return argmax(l);
        int n = l.length;
        if (order.length != n) {
            order = new long[n];
            probs = new double[n];
        }
        // Sort ids by logit, descending: pack (order-preserving logit bits, id) into longs.
        for (int i = 0; i < n; i++) order[i] = ((long) ~sortableBits(l[i]) << 32) | i;
        Arrays.sort(order);
        int keep = s.topK() > 0 ? Math.min(s.topK(), n) : n;
        double max = l[(int) order[0]];
        if (s.topP() < 1) keep = topP(l, keep, max);
        if (s.minP() > 0) {
            double floor = max + Math.log(s.minP()); // p / p_max >= min_p, in logits
            int j = 1;
            while (j < keep && l[(int) order[j]] >= floor) j++;
            keep = j;
        }
        double total = 0;
        for (int j = 0; j < keep; j++) {
            probs[j] = Math.exp((l[(int) order[j]] - max) / s.temperature());
            total += probs[j];
        }
        double u = random.nextDouble() * total;
        for (int j = 0; j < keep; j++) {
            u -= probs[j];
            if (u < 0) return (int) order[j];
        }
        return (int) order[keep - 1];
    }

    /** The smallest prefix of the first {@code keep} sorted tokens whose probability (before temperature) reaches top-p. */
    private int topP(float[] l, int keep, double max) {
        double total = 0;
        for (int j = 0; j < keep; j++) {
            probs[j] = Math.exp(l[(int) order[j]] - max);
            total += probs[j];
        }
        double cumulative = 0;
        for (int j = 0; j < keep; j++) {
            cumulative += probs[j] / total;
            if (cumulative >= s.topP()) return j + 1;
        }
        return keep;
    }

    /** A copy of the logits with the repeat penalty applied once to each distinct token of the window. */
    private float[] penalize(float[] logits) {
        int n = logits.length;
        if (penalized.length != n) {
            penalized = new float[n];
            seenAt = new int[n];
            mark = 0;
        }
        System.arraycopy(logits, 0, penalized, 0, n);
        if (++mark == Integer.MAX_VALUE) {
            Arrays.fill(seenAt, 0);
            mark = 1;
        }
        int from = s.repeatLastN() < 0 ? 0 : Math.max(0, accepted - s.repeatLastN());
        float p = (float) s.repeatPenalty();
        for (int i = from; i < accepted; i++) {
            int t = history[i];
            if (t < 0 || t >= n || seenAt[t] == mark) continue;
            seenAt[t] = mark;
            penalized[t] = penalized[t] <= 0 ? penalized[t] * p : penalized[t] / p;
        }
        return penalized;
    }

    public static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }

    /** Float bits mapped so that unsigned order equals numeric order, as a signed int. */
    private static int sortableBits(float f) {
        int b = Float.floatToIntBits(f);
        return b ^ ((b >> 31) & 0x7FFFFFFF);
    }
}
