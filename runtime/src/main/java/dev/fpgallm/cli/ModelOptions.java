package dev.fpgallm.cli;

import dev.fpgallm.UserError;
import dev.fpgallm.model.CheckpointLoader;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.model.ModelStore;
import java.io.PrintWriter;
import java.util.List;
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

    public ModelStore.Source source(PrintWriter err) {
        if (source == null) source = ModelStore.resolve(model, line -> {
            err.println(line);
            err.flush();
        });
        return source;
    }

    /**
     * Resolves --model keeping its notices in {@code notices} instead of printing them, and reads the config: for
     * commands that check options against the model first, so that a bad option is one line on stderr.
     */
    public Gpt2Config config(List<String> notices) {
        if (source == null) source = ModelStore.resolve(model, notices::add);
        if (source.format() == ModelStore.Format.ONNX) return ModelStore.load(source).config(); // no config.json beside it
        return Gpt2Config.read(source.folder().resolve(CheckpointLoader.CONFIG)).withName(source.label());
    }

    public Gpt2Weights load(PrintWriter err) {
        Gpt2Weights w = ModelStore.load(source(err));
        if (maxSeq < 1 || maxSeq > w.config().nPositions())
            throw new UserError("--max-seq " + maxSeq + " must be in 1.." + w.config().nPositions()
                    + " (the model's n_positions)");
        return w;
    }
}
