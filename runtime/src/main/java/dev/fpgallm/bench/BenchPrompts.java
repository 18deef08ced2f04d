package dev.fpgallm.bench;

import dev.fpgallm.tokenizer.Gpt2Tokenizer;

/**
 * The benchmark's prompts: a fixed English text, tokenized once, repeated as needed and cut to exactly the
 * requested number of tokens. Every backend and every run gets the same ids for the same length.
 */
public final class BenchPrompts {
    static final String TEXT = """
            The lighthouse keeper wrote in his log every evening, whether or not anything had happened. On calm \
            nights he noted the wind, the height of the tide and the ships that passed; on stormy nights the entries \
            grew short and the handwriting leaned. Years later a historian read the logs from end to end and found \
            that they told the story of the harbour better than any newspaper: when the fishing fleet grew, when the \
            steamers arrived, when the new breakwater changed the currents, and when the town stopped sending boats \
            out at all. Nobody had asked the keeper to keep such careful notes. He did it because a record that is \
            written down the same way every day becomes a measurement, and a measurement can be trusted long after \
            the person who made it is gone.""";

    private static int[] tokens;

    private BenchPrompts() {
    }

    /** The first {@code length} tokens of the repeated text. */
    public static synchronized int[] of(int length) {
        if (length < 1) throw new IllegalArgumentException("prompt length " + length);
        if (tokens == null) tokens = Gpt2Tokenizer.gpt2().encode(TEXT + " ");
        int[] out = new int[length]; // a new array: callers may keep it
        for (int i = 0; i < length; i++) out[i] = tokens[i % tokens.length];
        return out;
    }
}
