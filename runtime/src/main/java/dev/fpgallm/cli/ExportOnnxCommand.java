package dev.fpgallm.cli;

import dev.fpgallm.UserError;
import dev.fpgallm.io.OutputPath;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.onnx.ExportStyle;
import dev.fpgallm.onnx.OnnxExporter;
import dev.fpgallm.onnx.OnnxFile;
import dev.fpgallm.onnx.OnnxImporter;
import dev.fpgallm.onnx.proto.Onnx.ModelProto;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "export-onnx", mixinStandardHelpOptions = true,
        description = {"Write the FP32 model as an ONNX graph with a KV cache, named as Hugging Face optimum names it: "
                + "inputs input_ids, attention_mask, position_ids, past_key_values.N.key/.value [batch, n_head, past, "
                + "head_dim]; outputs logits, present.N.key/.value.",
                "The style options write the same model with other operators and names (to exercise importers)."})
final class ExportOnnxCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--out", required = true, paramLabel = "FILE.onnx", description = "The file to write.")
    Path out;

    @Option(names = "--opset", paramLabel = "N", defaultValue = "17",
            description = "ONNX operator set, 17 to 23 (default ${DEFAULT-VALUE}).")
    int opset;

    @Option(names = "--anonymous", description = "Name initializers as PyTorch does (onnx::MatMul_1003), leave nodes unnamed.")
    boolean anonymous;

    @Option(names = "--unfused-layernorm", description = "LayerNorm as ReduceMean/Sub/Pow/Sqrt/Div/Mul/Add.")
    boolean unfusedLayerNorm;

    @Option(names = "--gelu-op", description = "GELU as one Gelu(approximate=tanh) node (needs --opset 20 or later).")
    boolean geluOp;

    @Option(names = "--gemm", description = "Dense layers as Reshape/Gemm/Reshape instead of MatMul + Add.")
    boolean gemm;

    @Option(names = "--torch-shapes", description = "Shapes and the attention scale computed at run time from Shape nodes, "
            + "as PyTorch traces them; the LM head as a pre-transposed copy.")
    boolean torchShapes;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        ExportStyle style = new ExportStyle(opset, anonymous, unfusedLayerNorm, geluOp, gemm, torchShapes);
        if (!OnnxImporter.isOnnxFile(out)) throw new UserError("--out " + out + " must end in .onnx");
        Path file = OutputPath.check(out, "--out");
        List<String> notices = new ArrayList<>();
        modelOptions.config(notices); // a bad model is refused before anything is written
        Main.checked();
        notices.forEach(err::println);

        long t0 = System.nanoTime();
        Gpt2Weights weights = modelOptions.load(Main.progress());
        try (Arena arena = Arena.ofConfined()) {
            ModelProto onnx = OnnxExporter.export(weights, style, arena);
            OnnxFile.write(onnx, file);
            spec.commandLine().getOut().printf(Locale.ROOT,
                    "wrote %s: %s, opset %d (IR %d), %d nodes, %d initializers, %,d bytes (%.1f s)%n", out,
                    weights.config(), style.opset(), style.irVersion(), onnx.getGraph().getNodeCount(),
                    onnx.getGraph().getInitializerCount(), onnx.getSerializedSize(), (System.nanoTime() - t0) / 1e9);
        }
        return Main.EXIT_OK;
    }
}
