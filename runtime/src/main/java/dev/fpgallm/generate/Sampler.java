package dev.fpgallm.generate;

import dev.fpgallm.UserError;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from logits: greedy (argmax), or sampling at a temperature after top-k and top-p (nucleus)
 * filtering. A fixed seed gives the same choices on every run.
 */
public final class Sampler {
    private final boolean greedy;
    private final double temperature;
    private final int topK;
    private final double topP;
    private final SplittableRandom random;
    private long[] order = new long[0];
    private double[] probs = new double[0];

    /**
     * @param greedy      argmax, ignoring the other settings
     * @param temperature divides the logits (finite; > 0 when sampling)
     * @param topK        keep the k most likely tokens (0 = all)
     * @param topP        keep the smallest set whose probability reaches p (1 = all)
     */
    public Sampler(boolean greedy, double temperature, int topK, double topP, long seed) {
        check(temperature, topK, topP);
        if (!greedy && !(temperature > 0)) throw new UserError("--temperature must be > 0 to sample (0 or --greedy: argmax)");
        this.greedy = greedy;
        this.temperature = temperature;
        this.topK = topK;
        this.topP = topP;
        this.random = new SplittableRandom(seed);
    }

    /** The sampling options' ranges: temperature finite and >= 0, top-k >= 0, 0 < top-p <= 1 (NaN is none of them). */
    public static void check(double temperature, int topK, double topP) {
        if (!(temperature >= 0 && Double.isFinite(temperature)))
            throw new UserError("--temperature must be a finite number >= 0 (0 = greedy), got " + temperature);
        if (topK < 0) throw new UserError("--top-k must be >= 0 (0 = all tokens), got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new UserError("--top-p must be in (0, 1] (1 = all tokens), got " + topP);
    }

    public static Sampler greedy() {
        return new Sampler(true, 1, 0, 1, 0);
    }

    public boolean isGreedy() {
        return greedy;
    }

    public int sample(float[] logits) {
        if (greedy) return argmax(logits);
        int n = logits.length;
        if (order.length != n) {
            order = new long[n];
            probs = new double[n];
        }
        // Sort ids by logit, descending: pack (order-preserving logit bits, id) into longs.
        for (int i = 0; i < n; i++) order[i] = ((long) ~sortableBits(logits[i]) << 32) | i;
        Arrays.sort(order);
        int keep = topK > 0 ? Math.min(topK, n) : n;
        double max = logits[(int) order[0]];
        double total = 0;
        for (int j = 0; j < keep; j++) {
            probs[j] = Math.exp((logits[(int) order[j]] - max) / temperature);
            total += probs[j];
        }
        if (topP < 1) {
            double cumulative = 0;
            for (int j = 0; j < keep; j++) {
                cumulative += probs[j] / total;
                if (cumulative >= topP) {
                    keep = j + 1;
                    break;
                }
            }
            total = 0;
            for (int j = 0; j < keep; j++) total += probs[j];
        }
        double u = random.nextDouble() * total;
        for (int j = 0; j < keep; j++) {
            u -= probs[j];
            if (u < 0) return (int) order[j];
        }
        return (int) order[keep - 1];
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
