package dev.fpgallm.cli;

import dev.fpgallm.UserError;
import dev.fpgallm.backend.Backends;
import dev.fpgallm.compiler.CompiledModel;
import dev.fpgallm.model.CheckpointLoader;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.npu.BoardModel;
import dev.fpgallm.npu.CycleModel;
import dev.fpgallm.npu.Isa;
import dev.fpgallm.npu.Launch;
import java.util.Locale;
import dev.fpgallm.model.DType;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.ModelStore;
import dev.fpgallm.model.SafetensorsFile;
import dev.fpgallm.onnx.OnnxImporter;
import dev.fpgallm.onnx.PartitionReport;
import java.io.PrintWriter;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Print a model's config, parameter count, weight bytes per dtype, and its NPU memory plan, program "
                + "and predicted step time.",
                "For an ONNX model: the partition report, every node with the NPU instruction that covers it or host, "
                        + "and the MACs per decode token (at --max-seq positions) and weight bytes offloaded vs on the host."})
final class InspectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    ModelOptions modelOptions;
    @Mixin
    BackendOptions backendOptions;
    @Option(names = "--summary", description = "For an ONNX model: one line per part of the model (each dense layer, "
            + "attention, LayerNorm, the host's plumbing, what import resolved) instead of one per node.")
    boolean summary;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ModelStore.Source source = modelOptions.source(spec.commandLine().getErr());
        if (source.format() == ModelStore.Format.ONNX) {
            if (modelOptions.maxSeq < 1) throw new UserError("--max-seq must be at least 1");
            PartitionReport report = OnnxImporter.partition(source.file(), source.label(), modelOptions.maxSeq);
            if (summary) report.printSummary(out);
            else report.print(out);
            return Main.EXIT_OK;
        }
        Gpt2Config config = Gpt2Config.read(source.folder().resolve(CheckpointLoader.CONFIG)).withName(source.label());
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

    /** The NPU view: memory plan, program, and the cycle model's decode-step prediction at the longest position. */
    private void npu(PrintWriter out) {
        backendOptions.check();
        Gpt2Weights weights = modelOptions.load(spec.commandLine().getErr());
        CompiledModel m = Backends.compile(weights, backendOptions.options(weights, modelOptions.maxSeq, spec.commandLine().getErr(), false));
        out.println("NPU memory plan (" + m.scales().precision().label() + ", max " + m.plan().maxSeq() + " positions):");
        out.print(m.plan().describe());
        out.println("NPU program:");
        out.print(m.describeProgram());
        CycleModel model = new CycleModel(BoardModel.kv260());
        int pos = m.plan().maxSeq() - 1;
        // every segment's header carries the same limits; the cycle model reads only those
        Launch decode = new Launch(m.segments().getFirst().program().header(), pos, 1,
                backendOptions.exactSoftmax() ? Isa.FLAG_SOFTMAX_EXACT : 0);
        EnumMap<CycleModel.Kind, Long> cycles = model.breakdown(m.instructions(), decode);
        double launchMs = 1000 * model.board().launchOverheadSeconds() * m.segments().size();
        if (!m.fp16Layers().isEmpty())
            out.println("  (NPU segments only: the host's FP16 layers " + m.fp16Layers() + " are not in this prediction)");
        double total = launchMs;
        for (long c : cycles.values()) total += 1000 * model.seconds(c);
        out.printf(Locale.ROOT, "predicted KV260 decode step at position %d (cycle model, %.0f MHz): %.3f ms = %.1f tokens/s%n",
                pos, model.board().clockHz() / 1e6, total, 1000 / total);
        for (Map.Entry<CycleModel.Kind, Long> e : cycles.entrySet()) {
            double ms = 1000 * model.seconds(e.getValue());
            out.printf(Locale.ROOT, "  %-10s %8.3f ms  %5.1f %%%n", e.getKey(), ms, 100 * ms / total);
        }
        out.printf(Locale.ROOT, "  %-10s %8.3f ms  %5.1f %%%n", "launch", launchMs, 100 * launchMs / total);
    }
}
