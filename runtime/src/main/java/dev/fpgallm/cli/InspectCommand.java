package dev.fpgallm.cli;

import dev.fpgallm.UserError;
import dev.fpgallm.backend.BackendKind;
import dev.fpgallm.backends.Backends;
import dev.fpgallm.compiler.CompiledModel;
import dev.fpgallm.engine.StepPrediction;
import dev.fpgallm.model.CheckpointLoader;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.json.Json;
import dev.fpgallm.model.DType;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.store.ModelStore;
import dev.fpgallm.model.SafetensorsFile;
import dev.fpgallm.npu.timing.Band;
import dev.fpgallm.npu.timing.BoardModel;
import dev.fpgallm.npu.timing.CycleModel;
import dev.fpgallm.npu.isa.Instruction;
import dev.fpgallm.npu.isa.Isa;
import dev.fpgallm.npu.isa.Launch;
import dev.fpgallm.npu.timing.LaunchPrediction;
import dev.fpgallm.onnx.OnnxImporter;
import dev.fpgallm.onnx.PartitionReport;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Print a model's config, parameter count, weight bytes per dtype, and its NPU memory plan, program "
                + "and the predicted step time on the board (--board kv260|u250; a band, predicted from the kernel's modelled "
                + "schedule, not synthesized; --board-calibration FILE for measured memory figures).",
                "For an ONNX model: the partition report, every node with the NPU instruction that covers it or host, "
                        + "and the MACs per decode token (at --max-seq positions) and weight bytes offloaded vs on the host."})
final class InspectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    ModelOptions modelOptions;
    @Mixin
    MaxSeqOption maxSeqOption;
    @Mixin
    NpuOptions npuOptions;
    @Mixin
    BoardOptions boardOptions;
    @Option(names = "--summary", description = "For an ONNX model: one line per part of the model (each dense layer, "
            + "attention, LayerNorm, the host's plumbing, what import resolved) instead of one per node.")
    boolean summary;
    @Option(names = "--json", description = "Print the NPU prediction as one JSON object: the model, the band (ms per token "
            + "and tokens/s at both ends), the board's figures with their sources, and every instruction's predicted cycles.")
    boolean json;
    @Option(names = "--position", paramLabel = "P", description = "Predict the step at position P (default: the last, --max-seq - 1).")
    Integer position;
    @Option(names = "--tokens", paramLabel = "N", defaultValue = "1",
            description = "Rows of the predicted launch: 1 is a decode step, more a prefill of N tokens from --position (default 0 then).")
    int tokens;

    /** The positions the KV cache holds (--max-seq, or the model's default), known once the model's shape is. */
    private int maxSeq;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        boardOptions.model();
        if (tokens < 1) throw new UserError("--tokens must be at least 1");
        if (position != null && position < 0) throw new UserError("--position must be >= 0, got " + position);
        List<String> notices = new ArrayList<>();
        if (modelOptions.isOnnx(notices)) {
            if (json || position != null || tokens != 1 || boardOptions.calibration != null || !boardOptions.board.equals("kv260"))
                throw new UserError("--json, --position, --tokens, --board and --board-calibration predict the NPU program of a "
                        + "safetensors model; an ONNX model gets its partition report");
            if (maxSeqOption.maxSeq != null && maxSeqOption.maxSeq < 1) throw new UserError("--max-seq must be at least 1");
            int positions = maxSeqOption.maxSeq != null ? maxSeqOption.maxSeq : MaxSeqOption.DEFAULT;
            Main.checked();
            notices.forEach(err::println);
            ModelStore.Source source = modelOptions.source(Main.progress());
            PartitionReport report = OnnxImporter.partition(source.file(), source.label(), positions);
            if (summary) report.printSummary(out);
            else report.print(out);
            return Main.EXIT_OK;
        }
        Gpt2Config checked = modelOptions.config(notices); // a preset's shape, before its weights exist
        if (summary)
            throw new UserError("--summary shortens an ONNX model's partition report; " + checked.name() + " is not an ONNX model");
        maxSeq = maxSeqOption.resolve(checked);
        checkedPosition();
        npuOptions.check(checked);
        Main.checked();
        notices.forEach(err::println);
        ModelStore.Source source = modelOptions.source(Main.progress());
        Gpt2Config config = Gpt2Config.read(source.folder().resolve(CheckpointLoader.CONFIG)).withName(source.label());
        if (json) {
            Gpt2Weights weights = modelOptions.load(Main.progress());
            CompiledModel m = compile(weights);
            out.println(Json.writePretty(predictionJson(config, source, m, predicted(m))));
            return Main.EXIT_OK;
        }
        out.println("model:        " + source.folder() + (source.synthetic() ? " (synthetic weights)" : ""));
        out.println("config:       " + config);
        out.printf("parameters:   %,d (GPT-2 counting, tied LM head once)%n", config.parameterCount());
        Map<DType, long[]> perType = new EnumMap<>(DType.class);
        try (SafetensorsFile st = SafetensorsFile.open(source.folder().resolve(CheckpointLoader.WEIGHTS))) {
            for (SafetensorsFile.TensorInfo t : st.tensors().values()) {
                long[] acc = perType.computeIfAbsent(t.dtype(), k -> new long[3]);
                acc[0]++;
                acc[1] += t.elementCount();
                acc[2] += t.end() - t.begin();
            }
        }
        boolean untied;
        try (SafetensorsFile st = SafetensorsFile.open(source.folder().resolve(CheckpointLoader.WEIGHTS))) {
            untied = st.has("lm_head.weight");
        }
        out.println("weights file: " + CheckpointLoader.WEIGHTS + (untied
                ? String.format(" (with an untied lm_head: +%,d parameters)", (long) config.vocabSize() * config.nEmbd())
                : " (LM head tied to wte)"));
        for (Map.Entry<DType, long[]> e : perType.entrySet())
            out.printf("  %-5s %4d tensors, %,15d values, %,15d bytes%n", e.getKey(), e.getValue()[0], e.getValue()[1], e.getValue()[2]);
        npu(out);
        return Main.EXIT_OK;
    }

    private CompiledModel compile(Gpt2Weights weights) {
        BackendSettings settings = BackendSettings.of(npuOptions, boardOptions);
        return Backends.compile(weights, settings.options(BackendKind.EMU, weights, maxSeq, Main.progress(), false));
    }

    /** --tokens rows from --position (default: the last decode position, or 0 for a prefill), checked against --max-seq. */
    private int checkedPosition() {
        if (tokens < 1 || tokens > maxSeq) throw new UserError("--tokens must be in 1.." + maxSeq + " (--max-seq)");
        int pos = position != null ? position : tokens == 1 ? maxSeq - 1 : 0;
        if (pos < 0 || (long) pos + tokens > maxSeq)
            throw new UserError("--position " + pos + " with --tokens " + tokens + " does not fit --max-seq " + maxSeq
                    + " (the last position is " + (maxSeq - 1) + ")");
        return pos;
    }

    /** The predicted launch (the same limits in every segment's header). */
    private Launch predicted(CompiledModel m) {
        return new Launch(m.segments().getFirst().program().header(), checkedPosition(), tokens,
                npuOptions.exactSoftmax() ? Isa.FLAG_SOFTMAX_EXACT : 0);
    }

    /** One prediction per segment's launch, from the predictor the engine uses after each step. */
    private static List<LaunchPrediction> predict(CompiledModel m, Launch at, BoardModel board) {
        return new StepPrediction(m, board, at.flags()).launches(at.position(), at.nTokens());
    }

    private static Band total(List<LaunchPrediction> launches) {
        Band b = Band.ZERO;
        for (LaunchPrediction p : launches) b = b.plus(p.band());
        return b;
    }

    private static String step(Launch at) {
        return at.nTokens() == 1 ? "decode step at position " + at.position()
                : "prefill of " + at.nTokens() + " tokens from position " + at.position();
    }

    /** The NPU view: memory plan, program, and the predicted step (a band) with its breakdown. */
    private void npu(PrintWriter out) {
        Gpt2Weights weights = modelOptions.load(Main.progress());
        CompiledModel m = compile(weights);
        out.println("NPU memory plan (" + m.scales().precision().label() + ", max " + m.plan().maxSeq() + " positions):");
        out.print(m.plan().describe());
        out.println("NPU program:");
        out.print(m.describeProgram());
        BoardModel board = boardOptions.model();
        Launch at = predicted(m);
        List<LaunchPrediction> launches = predict(m, at, board);
        Band total = total(launches);
        out.printf(Locale.ROOT, "predicted %s, %s: %s = %s%n", board.name(), step(at), total.millis(3),
                total.tokensPerSecond(at.nTokens()));
        out.println("  " + Band.LABEL + ";");
        if (board.isCalibrated()) printMeasured(out, board);
        out.println("  " + board.describeCorners());
        if (!m.fp16Layers().isEmpty())
            out.println("  (NPU segments only: the host's FP16 layers " + m.fp16Layers() + " are not in this prediction)");
        for (CycleModel.Kind k : CycleModel.Kind.values()) {
            Band b = Band.ZERO;
            for (LaunchPrediction p : launches) b = b.plus(p.band(k));
            out.printf(Locale.ROOT, "  %-10s %17s  %5.1f %%%n", k, b.millis(3), 100 * b.lowMs() / total.lowMs());
        }
        Band launch = Band.ZERO;
        for (LaunchPrediction p : launches) launch = launch.plus(p.launchBand());
        out.printf(Locale.ROOT, "  %-10s %17s  %5.1f %%  (header, program fetch, status; %.0f us XRT overhead per launch)%n",
                "launch", launch.millis(3), 100 * launch.lowMs() / total.lowMs(), 1e6 * board.launchOverheadSeconds());
        out.println("  (shares of the optimistic end)");
    }

    /** After "calibrated from FILE (...):", each measured figure once, both ends where they differ, and its rows. */
    private static void printMeasured(PrintWriter out, BoardModel board) {
        out.println("  " + board.calibration() + ":");
        BoardModel.Corner o = board.optimistic(), p = board.pessimistic();
        List<BoardModel.Figure[]> pairs = List.of(new BoardModel.Figure[] {board.launchOverhead(), board.launchOverhead()},
                new BoardModel.Figure[] {o.axiLatencyCycles(), p.axiLatencyCycles()},
                new BoardModel.Figure[] {o.weightPortEfficiency(), p.weightPortEfficiency()},
                new BoardModel.Figure[] {o.portEfficiency(), p.portEfficiency()},
                new BoardModel.Figure[] {o.ddrEfficiency(), p.ddrEfficiency()});
        for (BoardModel.Figure[] f : pairs)
            if (f[0].source().startsWith("measured"))
                out.printf(Locale.ROOT, "    %s %s: %s%n", f[0].what(),
                        f[0].value() == f[1].value() ? value(f[0]) : value(f[0]) + " to " + value(f[1]), f[0].source());
    }

    /** A figure's value as its kind is read: a share in %, seconds in us, the rest as they are. */
    private static String value(BoardModel.Figure f) {
        if (f.what().contains("efficiency")) return String.format(Locale.ROOT, "%.1f %%", 100 * f.value());
        if (f.what().contains("overhead")) return String.format(Locale.ROOT, "%.1f us", 1e6 * f.value());
        return String.format(Locale.ROOT, "%.1f cycles", f.value());
    }

    /** inspect --json: the model, the band, the board's figures, and every instruction's predicted cycles. */
    private Map<String, Object> predictionJson(Gpt2Config config, ModelStore.Source source, CompiledModel m, Launch at) {
        BoardModel board = boardOptions.model();
        List<LaunchPrediction> launches = predict(m, at, board);
        Band total = total(launches);
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("model", config.name());
        j.put("source", source.folder().toString());
        j.put("synthetic", source.synthetic());
        j.put("precision", m.precisionLabel());
        j.put("softmax", npuOptions.softmax.label());
        j.put("max_seq", (long) m.plan().maxSeq());
        j.put("step", step(at));
        j.put("position", (long) at.position());
        j.put("n_tokens", (long) at.nTokens());
        j.put("predicted", Band.LABEL);
        Map<String, Object> band = new LinkedHashMap<>();
        band.put("low_ms", total.lowMs());
        band.put("high_ms", total.highMs());
        band.put("low_tokens_per_sec", at.nTokens() * total.lowTokensPerSecond());  // n_tokens per launch time
        band.put("high_tokens_per_sec", at.nTokens() * total.highTokensPerSecond());
        band.put("low_is", board.optimistic().name() + ": " + board.optimistic().describe());
        band.put("high_is", board.pessimistic().name() + ": " + board.pessimistic().describe());
        j.put("band", band);
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("id", board.id());
        b.put("name", board.name());
        b.put("calibration", board.isCalibrated() ? board.calibration() : null);
        List<Object> figures = new ArrayList<>();
        for (BoardModel.Figure f : board.figures()) {
            Map<String, Object> fig = new LinkedHashMap<>();
            fig.put("what", f.what());
            fig.put("value", f.value());
            fig.put("source", f.source());
            figures.add(fig);
        }
        b.put("figures", figures);
        j.put("board", b);
        if (!m.fp16Layers().isEmpty()) j.put("host_fp16_layers_not_predicted", m.fp16Layers());
        Map<String, Object> breakdown = new LinkedHashMap<>();
        for (CycleModel.Kind k : CycleModel.Kind.values()) {
            Band kb = Band.ZERO;
            for (LaunchPrediction p : launches) kb = kb.plus(p.band(k));
            breakdown.put(k.name(), List.of(kb.lowMs(), kb.highMs()));
        }
        j.put("breakdown_ms", breakdown);
        List<Object> segments = new ArrayList<>();
        for (LaunchPrediction p : launches) {
            Map<String, Object> seg = new LinkedHashMap<>();
            seg.put("launch_cycles", List.of(Math.round(p.optimisticLaunchCycles()), Math.round(p.pessimisticLaunchCycles())));
            List<Object> instructions = new ArrayList<>();
            for (int i = 0; i < p.program().size(); i++) {
                Instruction ins = p.program().get(i);
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("index", (long) i);
                e.put("kind", CycleModel.kind(ins).name());
                e.put("instruction", ins.toString());
                e.put("optimistic_cycles", Math.round(p.optimisticCycles(i)));
                e.put("pessimistic_cycles", Math.round(p.pessimisticCycles(i)));
                instructions.add(e);
            }
            seg.put("instructions", instructions);
            segments.add(seg);
        }
        j.put("segments", segments);
        return j;
    }
}
