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
        return OnnxFile.read(file, model -> match(DecoderModel.of(model, file.toString()), name, 1).weights());
    }

    static Gpt2Matcher.Result match(DecoderModel m, String name, int seqLen) {
        return Gpt2Matcher.match(Canonicalizer.run(m.graph, m.opset, m.file), name, seqLen);
    }

    /** The partition report, with attention MACs counted for {@code seqLen} positions. */
    public static PartitionReport partition(Path file, String name, int seqLen) {
        return OnnxFile.read(file, model -> {
            DecoderModel m = DecoderModel.of(model, file.toString());
            OnnxGraph g = Canonicalizer.run(m.graph, m.opset, m.file);
            Gpt2Matcher.Result r = Gpt2Matcher.match(g, name, seqLen);
            String note = m.merged() ? "the merged model's branch with past inputs" : "";
            return PartitionReport.of(g, r.placements(), r.weights().config(), seqLen, note);
        });
    }
}
