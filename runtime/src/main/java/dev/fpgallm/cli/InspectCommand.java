package dev.fpgallm.cli;

import dev.fpgallm.UserError;
import dev.fpgallm.model.CheckpointLoader;
import dev.fpgallm.model.DType;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.ModelStore;
import dev.fpgallm.model.SafetensorsFile;
import dev.fpgallm.onnx.OnnxImporter;
import java.io.PrintWriter;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Print a model's config, parameter count and weight bytes per dtype.",
                "For an ONNX model: the partition report, every node with the NPU instruction that covers it or host, "
                        + "and the MACs per decode token (at --max-seq positions) and weight bytes offloaded vs on the host."})
final class InspectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    ModelOptions modelOptions;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ModelStore.Source source = modelOptions.source(spec.commandLine().getErr());
        if (source.format() == ModelStore.Format.ONNX) {
            if (modelOptions.maxSeq < 1) throw new UserError("--max-seq must be at least 1");
            OnnxImporter.partition(source.file(), source.label(), modelOptions.maxSeq).print(out);
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
        out.println("weights file: " + CheckpointLoader.WEIGHTS);
        for (Map.Entry<DType, long[]> e : perType.entrySet())
            out.printf("  %-5s %4d tensors, %,15d values, %,15d bytes%n", e.getKey(), e.getValue()[0], e.getValue()[1], e.getValue()[2]);
        return Main.EXIT_OK;
    }
}
