package dev.fpgallm.npu.timing;

import java.util.Locale;

/**
 * A predicted board time as a band: the optimistic corner of the {@link BoardModel} at the low end, the
 * pessimistic one at the high end. Every prediction is "predicted from the kernel's modelled schedule (not
 * synthesized)" ({@link #LABEL}); {@link BoardModel#describeCorners()} says under which assumptions.
 *
 * @param lowMs  milliseconds in the optimistic corner
 * @param highMs milliseconds in the pessimistic corner
 */
public record Band(double lowMs, double highMs) {
    public static final String LABEL = "predicted from the kernel's modelled schedule (not synthesized)";
    public static final Band ZERO = new Band(0, 0);

    public Band plus(Band o) {
        return new Band(lowMs + o.lowMs, highMs + o.highMs);
    }

    /** Both ends plus a time that is the same in both (the host's FP16 layers, measured). */
    public Band plus(double ms) {
        return new Band(lowMs + ms, highMs + ms);
    }

    public Band times(double f) {
        return new Band(lowMs * f, highMs * f);
    }

    /** Tokens per second at the slow end (one token per band). */
    public double lowTokensPerSecond() {
        return 1000 / highMs;
    }

    /** Tokens per second at the fast end. */
    public double highTokensPerSecond() {
        return 1000 / lowMs;
    }

    /** "8.05-10.67 ms" */
    public String millis(int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f-%." + decimals + "f ms", lowMs, highMs);
    }

    /** "94-124 tokens/s" */
    public String tokensPerSecond() {
        return tokensPerSecond(1);
    }

    /** The rate of a band that processes {@code tokens} tokens (a prefill): "949-991 tokens/s". */
    public String tokensPerSecond(int tokens) {
        return String.format(Locale.ROOT, "%.0f-%.0f tokens/s", tokens * lowTokensPerSecond(), tokens * highTokensPerSecond());
    }
}
