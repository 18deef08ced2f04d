package dev.fpgallm.cli;

import dev.fpgallm.Progress;
import dev.fpgallm.UserError;
import dev.fpgallm.model.CheckpointLoader;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.store.ModelStore;
import dev.fpgallm.tokenizer.Gpt2Tokenizer;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/** -m/--model, shared by every command that runs, inspects or exports a model. */
public final class ModelOptions {
    @Option(names = {"-m", "--model"}, paramLabel = "DIR|FILE.onnx|PRESET",
            description = "A Hugging Face GPT-2 folder (config.json + model.safetensors), an ONNX export (a .onnx file "
                    + "or a folder holding model.onnx), or a preset with synthetic weights: tiny, distilgpt2, gpt2. "
                    + "Default: synthetic distilgpt2.")
    String model;

    private ModelStore.Source source;
    private Gpt2Weights weights;

    /** Where the model is; a preset's synthetic weights are made here the first time (with their progress). */
    public ModelStore.Source source(Progress.Sink progress) {
        if (source == null) source = ModelStore.resolve(model, progress);
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

    /** Whether --model names an ONNX model (a file, or a folder holding one); reads no weights. */
    public boolean isOnnx(List<String> notices) {
        if (source == null && ModelStore.preset(model).isPresent()) return false;
        if (source == null) source = ModelStore.resolve(model, notices::add);
        return source.format() == ModelStore.Format.ONNX;
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

    /** The weights (the ONNX import {@link #config} made, or loaded now); the caller owns them. */
    public Gpt2Weights load(Progress.Sink progress) {
        Gpt2Weights w = weights != null ? weights : ModelStore.load(source(progress));
        weights = null;
        return w;
    }
}
