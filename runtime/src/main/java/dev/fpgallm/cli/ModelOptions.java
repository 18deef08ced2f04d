package dev.fpgallm.cli;

import dev.fpgallm.Progress;
import dev.fpgallm.UserError;
import dev.fpgallm.model.CheckpointLoader;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.model.ModelStore;
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
     * {@link #load}). Notices go to {@code notices}, so that a bad option is still one line on stderr. Refuses a
     * vocabulary smaller than GPT-2's tokenizer, whose ids every command feeds.
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
        checkVocabulary(c);
        return c;
    }

    /** Whether --model names an ONNX model (a file, or a folder holding one); reads no weights. */
    public boolean isOnnx(List<String> notices) {
        if (source == null && ModelStore.preset(model).isPresent()) return false;
        if (source == null) source = ModelStore.resolve(model, notices::add);
        return source.format() == ModelStore.Format.ONNX;
    }

    private static void checkVocabulary(Gpt2Config c) {
        if (c.vocabSize() < Gpt2Tokenizer.VOCAB_SIZE)
            throw new UserError(c.name() + ": vocab_size " + c.vocabSize() + " is smaller than GPT-2's tokenizer ("
                    + Gpt2Tokenizer.VOCAB_SIZE + " ids), which fpga-llm encodes every prompt with");
    }

    /** The weights (the ONNX import {@link #config} made, or loaded now); the caller owns them. */
    public Gpt2Weights load(Progress.Sink progress) {
        Gpt2Weights w = weights != null ? weights : ModelStore.load(source(progress));
        weights = null;
        checkVocabulary(w.config());
        return w;
    }
}
