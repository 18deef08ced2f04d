package dev.fpgallm.cli;

import dev.fpgallm.UserError;
import dev.fpgallm.model.CheckpointLoader;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.model.ModelStore;
import dev.fpgallm.tokenizer.Gpt2Tokenizer;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/** --model and --max-seq, shared by the commands that run a model. */
public final class ModelOptions {
    @Option(names = "--model", paramLabel = "DIR|FILE.onnx|PRESET",
            description = "A Hugging Face GPT-2 folder (config.json + model.safetensors), an ONNX export (a .onnx file "
                    + "or a folder holding model.onnx), or a preset with synthetic weights: tiny, distilgpt2, gpt2. "
                    + "Default: synthetic distilgpt2.")
    String model;

    @Option(names = "--max-seq", paramLabel = "N", defaultValue = "256",
            description = "Positions the KV cache holds (default ${DEFAULT-VALUE}, at most the model's n_positions).")
    int maxSeq;

    private ModelStore.Source source;
    private Gpt2Weights weights;

    public ModelStore.Source source(PrintWriter err) {
        if (source == null) source = ModelStore.resolve(model, line -> {
            err.println(line);
            err.flush();
        });
        return source;
    }

    /**
     * The model's shape, for checking options against it before anything slow: a preset's without creating its
     * weights, a folder's from its config.json; an ONNX graph is its own config, so it is imported here (and kept for
     * {@link #load}). Notices go to {@code notices}, so that a bad option is still one line on stderr. A vocabulary
     * smaller than GPT-2's tokenizer is fine as long as the ids fed stay inside it ({@link #checkIds}).
     */
    public Gpt2Config config(List<String> notices) {
        Optional<Gpt2Config> preset = source == null ? ModelStore.preset(model) : Optional.empty();
        Gpt2Config c;
        if (preset.isPresent()) c = preset.get();
        else {
            if (source == null) source = ModelStore.resolve(model, notices::add);
            if (source.format() == ModelStore.Format.ONNX) {
                if (weights == null) weights = ModelStore.load(source);
                c = weights.config();
            } else c = Gpt2Config.read(source.folder().resolve(CheckpointLoader.CONFIG)).withName(source.label());
        }
        return c;
    }

    /**
     * Every id the command will feed (a tokenized prompt or --ids) inside the model's vocabulary: a model with fewer
     * ids than GPT-2's tokenizer (a reduced-vocabulary export) runs what fits and refuses the rest up front.
     */
    public static void checkIds(Gpt2Config c, int[] ids, String what) {
        for (int id : ids)
            if (id < 0 || id >= c.vocabSize())
                throw new UserError(what + " holds token id " + id + ", outside " + c.name() + "'s vocabulary of "
                        + c.vocabSize() + " ids" + (c.vocabSize() < Gpt2Tokenizer.VOCAB_SIZE
                        ? " (smaller than GPT-2's tokenizer, " + Gpt2Tokenizer.VOCAB_SIZE + " ids)" : ""));
    }

    /** --max-seq against the model: 1..n_positions. */
    public void checkMaxSeq(Gpt2Config c) {
        if (maxSeq < 1 || maxSeq > c.nPositions())
            throw new UserError("--max-seq " + maxSeq + " must be in 1.." + c.nPositions() + " (the model's n_positions)");
    }

    public Gpt2Weights load(PrintWriter err) {
        Gpt2Weights w = weights != null ? weights : ModelStore.load(source(err));
        weights = null; // the caller owns them now
        checkMaxSeq(w.config());
        return w;
    }
}
