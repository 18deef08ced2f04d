package dev.fpgallm.eval;

import dev.fpgallm.UserError;
import dev.fpgallm.generate.Sampler;
import dev.fpgallm.io.TextFile;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.reference.ReferenceModel;
import dev.fpgallm.tokenizer.Gpt2Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The token sequences an evaluation scores: a text file, or sequences sampled from the FP32 model itself.
 *
 * @param description what the corpus is, for the report
 * @param fromModel   sampled from the FP32 model (perplexities then measure drift from its own distribution)
 */
public record Corpus(String description, List<int[]> sequences, boolean fromModel) {
    public Corpus {
        sequences = List.copyOf(sequences);
    }

    public int tokens() {
        int n = 0;
        for (int[] s : sequences) n += s.length;
        return n;
    }

    /** A UTF-8 text file, tokenized; at most {@code maxTokens} tokens are kept. {@code option} names it in errors. */
    public static Corpus file(Path file, String option, int maxTokens) {
        return text(String.valueOf(file.getFileName()), TextFile.read(file, option), maxTokens);
    }

    /** A text, tokenized; at most {@code maxTokens} tokens are kept. {@code name} says what it is in the report. */
    public static Corpus text(String name, String text, int maxTokens) {
        int[] ids = Gpt2Tokenizer.gpt2().encode(text);
        if (ids.length < 2) throw new UserError(name + " holds " + ids.length + " token(s); at least 2 are needed");
        String kept = "";
        if (ids.length > maxTokens) {
            kept = String.format(Locale.ROOT, ", first %d of %d tokens (--max-tokens)", maxTokens, ids.length);
            ids = Arrays.copyOf(ids, maxTokens);
        }
        return new Corpus(name + kept, List.of(ids), false);
    }

    /**
     * {@code count} sequences of {@code length} tokens sampled from the FP32 reference at temperature 1 (no top-k or
     * top-p), each starting at <|endoftext|>; the same seed gives the same corpus.
     *
     * @param onToken called after every sampled token (progress)
     */
    public static Corpus sampled(Gpt2Weights w, int count, int length, long seed, Runnable onToken) {
        if (count < 1) throw new UserError("--sequences must be at least 1");
        if (length < 2) throw new UserError("sampled sequences need at least 2 tokens");
        List<int[]> seqs = new ArrayList<>();
        try (ReferenceModel ref = new ReferenceModel(w, length)) {
            for (int s = 0; s < count; s++) {
                Sampler sampler = new Sampler(Sampler.Settings.at(1.0), seed + s);
                int[] seq = new int[length];
                seq[0] = Gpt2Config.END_OF_TEXT;
                ref.reset();
                for (int i = 1; i < length; i++) {
                    seq[i] = sampler.sample(ref.decode(seq[i - 1]));
                    onToken.run();
                }
                seqs.add(seq);
            }
        }
        return new Corpus(String.format(Locale.ROOT, "%d sequence(s) x %d tokens sampled from the FP32 model "
                + "(temperature 1, seed %d)", count, length, seed), seqs, true);
    }
}
