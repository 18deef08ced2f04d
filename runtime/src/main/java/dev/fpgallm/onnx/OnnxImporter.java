package dev.fpgallm.onnx;

import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.model.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Loads a GPT-2 from an ONNX file (Hugging Face optimum exports, or fpga-llm's own) by the structure of its graph,
 * so it runs on every backend like a safetensors checkpoint; and reports where each node would run.
 */
public final class OnnxImporter {
    public static final String DEFAULT_FILE = "model.onnx";

    private OnnxImporter() {
    }

    public static boolean isOnnxFile(Path p) {
        return p.getFileName() != null && p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx");
    }

    /**
     * The model file in a folder: {@code model.onnx}, else the only {@code *.onnx}; empty when there is none.
     *
     * @throws ModelFormatException when several are there and none is model.onnx
     */
    public static Optional<Path> findIn(Path dir) {
        if (Files.isRegularFile(dir.resolve(DEFAULT_FILE))) return Optional.of(dir.resolve(DEFAULT_FILE));
        List<Path> found;
        try (Stream<Path> s = Files.list(dir)) {
            found = s.filter(p -> isOnnxFile(p) && Files.isRegularFile(p)).sorted().toList();
        } catch (IOException e) {
            throw new ModelFormatException(dir + ": cannot list: " + e.getMessage());
        }
        if (found.size() > 1)
            throw new ModelFormatException(dir + " holds several ONNX files (" + String.join(", ",
                    found.stream().map(p -> p.getFileName().toString()).toList()) + "): pass one of them to --model");
        return found.stream().findFirst();
    }

    /** Reads the weights; {@code name} labels the config in reports. */
    public static Gpt2Weights load(Path file, String name) {
        return OnnxFile.read(file, model -> Gpt2Matcher.match(new OnnxGraph(model, file.toString()), name, 1).weights());
    }

    /** The partition report, with attention MACs counted for {@code seqLen} positions. */
    public static PartitionReport partition(Path file, String name, int seqLen) {
        return OnnxFile.read(file, model -> {
            OnnxGraph g = new OnnxGraph(model, file.toString());
            Gpt2Matcher.Result r = Gpt2Matcher.match(g, name, seqLen);
            return PartitionReport.of(g, r.placements(), r.weights().config(), seqLen);
        });
    }
}
