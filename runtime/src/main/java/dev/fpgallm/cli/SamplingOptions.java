package dev.fpgallm.cli;

import dev.fpgallm.generate.Sampler;
import picocli.CommandLine.Option;

/**
 * How generate picks tokens, with llama.cpp's names and meanings (its default sampler chain: repeat penalty, top-k,
 * top-p, min-p, temperature). Greedy unless a temperature above 0 or a top-k, top-p or min-p filter is given.
 */
public final class SamplingOptions {
    @Option(names = {"--temp", "--temperature"}, paramLabel = "T",
            description = "Sampling temperature, a finite number >= 0 (0: greedy). Default: greedy; 1 when only --top-k, "
                    + "--top-p or --min-p is given.")
    Double temperature;

    @Option(names = "--top-k", paramLabel = "K", description = "Sample among the K most likely tokens (0 = all; default ${DEFAULT-VALUE}).")
    int topK = 0;

    @Option(names = "--top-p", paramLabel = "P",
            description = "Nucleus sampling: the smallest set of most likely tokens reaching probability P, in (0, 1] "
                    + "(1 = all; default ${DEFAULT-VALUE}).")
    double topP = 1.0;

    @Option(names = "--min-p", paramLabel = "P",
            description = "Keep the tokens at least P times as likely as the most likely one, in [0, 1] (0 = all; default ${DEFAULT-VALUE}).")
    double minP = 0.0;

    @Option(names = "--repeat-penalty", paramLabel = "X",
            description = "Divide the (positive) logits of tokens seen in the last --repeat-last-n tokens by X, multiply "
                    + "negative ones by it; applies to greedy decoding too (1 = off; default ${DEFAULT-VALUE}).")
    double repeatPenalty = 1.0;

    @Option(names = "--repeat-last-n", paramLabel = "N",
            description = "The repeat penalty's window: the last N tokens, prompt included (0 = off, -1 = the whole "
                    + "context; default ${DEFAULT-VALUE}).")
    int repeatLastN = Sampler.Settings.DEFAULT_REPEAT_LAST_N;

    @Option(names = {"-s", "--seed"}, paramLabel = "S", description = "The sampling seed (default: from the clock; printed).")
    Long seed;

    @Option(names = "--greedy", description = "Always take the most likely token (after the repeat penalty), whatever "
            + "the sampling options say.")
    boolean greedy;

    /** Whether tokens are drawn (not greedy): a temperature above 0, or a filter without a temperature. */
    boolean samples() {
        if (greedy) return false;
        return temperature != null ? temperature > 0 : topK > 0 || topP < 1 || minP > 0;
    }

    /** The sampler's settings, every range checked (also those greedy decoding ignores, so no typo passes). */
    Sampler.Settings settings() {
        double t = temperature == null ? 1.0 : temperature;
        Sampler.Settings checked = new Sampler.Settings(t, topK, topP, minP, repeatPenalty, repeatLastN);
        return samples() ? checked : new Sampler.Settings(0, 0, 1, 0, repeatPenalty, repeatLastN);
    }

    /** The seed used: --seed, else one from the clock (printed with the results, so a run can be repeated). */
    long seed() {
        if (seed == null) seed = System.nanoTime() & 0xFFFFFFFFL;
        return seed;
    }
}
