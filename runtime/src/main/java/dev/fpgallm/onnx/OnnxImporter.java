package dev.fpgallm.onnx;

import dev.fpgallm.UserError;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.model.ModelFormatException;
import java.io.IOException;
import java.lang.ref.WeakReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.WeakHashMap;
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

    /** optimum's decoder files, the one fpga-llm prefers first: the merged model has both the prefill and the cache path. */
    public static final List<String> OPTIMUM_FILES = List.of("decoder_model_merged.onnx", "decoder_with_past_model.onnx",
            "decoder_model.onnx");

    /**
     * The model file in a folder: {@code model.onnx}; else optimum's decoder set (merged, then with past, then
     * without); else the only {@code *.onnx}; empty when there is none.
     *
     * @throws ModelFormatException when several are there and none of those names
     */
    public static Optional<Path> findIn(Path dir) {
        if (Files.isRegularFile(dir.resolve(DEFAULT_FILE))) return Optional.of(dir.resolve(DEFAULT_FILE));
        for (String name : OPTIMUM_FILES) if (Files.isRegularFile(dir.resolve(name))) return Optional.of(dir.resolve(name));
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

    /**
     * Reads the weights and checks them against ONNX Runtime running the file ({@link ImportCheck}; a pass is
     * remembered, see {@link ImportVerdicts}); {@code name} labels the config in reports.
     */
    public static Gpt2Weights load(Path file, String name) {
        Gpt2Weights w = OnnxFile.read(file, model -> recognize(DecoderModel.of(model, file.toString()), name, 1, file).match().weights());
        remember(w, file);
        return w;
    }

    /**
     * Parses, checks, canonicalizes and recognizes a model held in memory, without running it (no ONNX Runtime, no
     * cache): for fuzz targets and tools that only need to know whether and how a graph reads as GPT-2.
     *
     * @throws UserError (a ModelFormatException) for anything that is not a GPT-2 decoder fpga-llm reads
     */
    public static Gpt2Config recognize(byte[] onnx, String name) {
        dev.fpgallm.onnx.proto.Onnx.ModelProto model;
        try {
            model = dev.fpgallm.onnx.proto.Onnx.ModelProto.parseFrom(onnx);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new ModelFormatException(name + ": not a valid ONNX file (truncated or corrupt protobuf: "
                    + OrtDecoder.firstLine(e.getMessage()) + ")");
        }
        try {
            DecoderModel m = DecoderModel.of(model, name);
            Gpt2Config c = branch(m.graph, m, name, 1).match().weights().config();
            if (m.merged()) branch(m.noPastBranch, m, name, 1);
            return c;
        } catch (ModelFormatException e) {
            throw OnnxFile.oneLine(e);
        }
    }

    /** The partition report, with attention MACs counted for {@code seqLen} positions (the import is checked first). */
    public static PartitionReport partition(Path file, String name, int seqLen) {
        return OnnxFile.read(file, model -> {
            DecoderModel m = DecoderModel.of(model, file.toString());
            ImportCheck.Branch b = recognize(m, name, seqLen, file);
            String note = m.merged() ? "the merged model's branch with past inputs" : "";
            return PartitionReport.of(m.file, b.canonical(), b.match().placements(), b.match().weights().config(), seqLen, note);
        });
    }

    /** Canonicalizes and matches the graph (both branches of a merged model), then checks it numerically. */
    private static ImportCheck.Branch recognize(DecoderModel m, String name, int seqLen, Path file) {
        ImportCheck.Branch main = branch(m.graph, m, name, seqLen);
        ImportCheck.Branch other = m.merged() ? branch(m.noPastBranch, m, name, seqLen) : null;
        String key = ImportVerdicts.key(file);
        if (!ImportVerdicts.passed(key)) ImportVerdicts.record(key, file, ImportCheck.verify(m, main, other));
        return main;
    }

    private static ImportCheck.Branch branch(dev.fpgallm.onnx.proto.Onnx.GraphProto graph, DecoderModel m, String name, int seqLen) {
        OnnxGraph g = Canonicalizer.run(graph, m.opset, m.file + (m.merged() ? " (branch '" + graph.getName() + "')" : ""));
        return new ImportCheck.Branch(graph, g, Gpt2Matcher.match(g, name, seqLen));
    }

    // ---- where imported weights came from, so that --backend ort runs the file itself ----

    private static final Map<float[], Origin> ORIGINS = java.util.Collections.synchronizedMap(new WeakHashMap<>());

    private record Origin(WeakReference<Gpt2Weights> weights, Path file) {
    }

    private static void remember(Gpt2Weights w, Path file) {
        ORIGINS.put(w.wte(), new Origin(new WeakReference<>(w), file.toAbsolutePath()));
    }

    /** The ONNX file {@code w} was imported from (this very object, not a model built from its arrays). */
    public static Optional<Path> sourceOf(Gpt2Weights w) {
        Origin o = ORIGINS.get(w.wte());
        return o != null && o.weights().get() == w ? Optional.of(o.file()) : Optional.empty();
    }
}
