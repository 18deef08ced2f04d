package dev.fpgallm.cli;

import dev.fpgallm.UserError;
import dev.fpgallm.backend.Backend;
import dev.fpgallm.backend.Backends;
import dev.fpgallm.backend.XrtBoard;
import dev.fpgallm.compiler.NpuLimits;
import dev.fpgallm.eval.LayerSensitivity;
import dev.fpgallm.model.Gpt2Config;
import java.nio.file.Path;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.quant.Precision;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.function.Consumer;
import picocli.CommandLine.Option;

/** --backend and the options backends read. */
public final class BackendOptions {
    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "emu",
            description = "emu (NPU emulator), ref (FP32 Java), xrt (NPU through XRT), ort (ONNX Runtime). Default: ${DEFAULT-VALUE}.")
    String backend;

    @Option(names = "--softmax", paramLabel = "MODE", defaultValue = "approx",
            description = "NPU softmax: approx (degree-2 exp2, the hardware fast path) or exact. Default: ${DEFAULT-VALUE}.")
    String softmax;

    @Option(names = "--precision", paramLabel = "P", defaultValue = "w8a16",
            description = "NPU activations: w8a16 (INT16) or w8a8 (INT8 into every matrix product). Default: ${DEFAULT-VALUE}.")
    String precision;

    @Option(names = "--xrt-lib", paramLabel = "PATH",
            description = "xrt: the XRT C library (default $FPGA_LLM_XRT_LIB, else libxrt_coreutil.so.2); "
                    + "hls-kernels/build/libxrt_csim.so is the C-simulation board.")
    String xrtLib;

    @Option(names = "--xclbin", paramLabel = "PATH",
            description = "xrt: the xclbin (default $FPGA_LLM_XCLBIN, one beside --xrt-lib, or /lib/firmware/xilinx/fpga-llm/fpga-llm.xclbin).")
    Path xclbin;

    @Option(names = "--device", paramLabel = "N", defaultValue = "0", description = "xrt: the XRT device index (default ${DEFAULT-VALUE}).")
    int device;

    @Option(names = "--fp16-layers", paramLabel = "LIST", defaultValue = "none",
            description = "NPU layers that fall back to FP16 on the host (emu, xrt): none, a list such as 0,5, all, or "
                    + "auto[:N] (the N layers most sensitive to quantization, measured first; N = "
                    + LayerSensitivity.DEFAULT_LAYERS + " by default). Each run of FP16 layers costs one more kernel "
                    + "launch per step. Default: ${DEFAULT-VALUE}.")
    String fp16Layers;

    /** The board the NPU backends predict for: the command's --board options (inspect, generate, bench, eval). */
    BoardOptions board = new BoardOptions();

    /** Checks names before anything slow happens. */
    public void check() {
        Backends.check(backend);
        board.model();
        exactSoftmax();
        Precision.parse(precision);
        fp16Spec();
        if (device < 0) throw new UserError("--device must be >= 0, got " + device);
    }

    /** The checks that need the model's shape: FP16 layer numbers and auto:N against its layers. */
    public void check(Gpt2Config c) {
        check();
        Fp16Spec spec = fp16Spec();
        for (int l : spec.layers())
            if (l >= c.nLayer())
                throw new UserError("--fp16-layers: layer " + l + " does not exist (the model has layers 0.." + (c.nLayer() - 1) + ")");
        if (spec.auto() > c.nLayer())
            throw new UserError("--fp16-layers auto:" + spec.auto() + ": the model has " + c.nLayer() + " layers");
    }

    /** All checks against the model, including whether the NPU backends can run it with {@code maxSeq} positions. */
    public void check(Gpt2Config c, int maxSeq, boolean allLogits) {
        check(c);
        if (backend.equals("emu") || backend.equals("xrt")) NpuLimits.check(c, maxSeq, allLogits);
    }

    boolean exactSoftmax() {
        return switch (softmax) {
            case "exact" -> true;
            case "approx" -> false;
            default -> throw new UserError("unknown --softmax '" + softmax + "'; use exact or approx");
        };
    }

    /** --fp16-layers parsed: a layer list, ALL, or AUTO with a count. */
    record Fp16Spec(List<Integer> layers, boolean all, int auto) {
        boolean none() {
            return layers.isEmpty() && !all && auto == 0;
        }
    }

    Fp16Spec fp16Spec() {
        return parseFp16(fp16Layers);
    }

    static Fp16Spec parseFp16(String spec) {
        String s = spec.strip().toLowerCase(Locale.ROOT);
        if (s.isEmpty() || s.equals("none")) return new Fp16Spec(List.of(), false, 0);
        if (s.equals("all")) return new Fp16Spec(List.of(), true, 0);
        if (s.equals("auto")) return new Fp16Spec(List.of(), false, LayerSensitivity.DEFAULT_LAYERS);
        try {
            if (s.startsWith("auto:")) {
                int n = Integer.parseInt(s.substring(5));
                if (n < 1) throw new UserError("--fp16-layers auto:N needs N >= 1, got " + n);
                return new Fp16Spec(List.of(), false, n);
            }
            TreeSet<Integer> layers = new TreeSet<>();
            for (String part : s.split(",")) {
                int l = Integer.parseInt(part.strip());
                if (l < 0) throw new UserError("--fp16-layers: layer " + l + " is negative");
                layers.add(l);
            }
            return new Fp16Spec(new ArrayList<>(layers), false, 0);
        } catch (NumberFormatException e) {
            throw new UserError("--fp16-layers '" + spec + "': use none, a list of layer numbers such as 0,5, all, or auto[:N]");
        }
    }

    public Backend open(Gpt2Weights weights, ModelOptions model, PrintWriter err) {
        return open(weights, model, err, false);
    }

    public Backend open(Gpt2Weights weights, ModelOptions model, PrintWriter err, boolean allLogits) {
        return Backends.open(backend, weights, options(weights, model.maxSeq, err, allLogits));
    }

    /** The backend's options, with --fp16-layers resolved against the model (auto measures first). */
    public Backends.Options options(Gpt2Weights weights, int maxSeq, PrintWriter err, boolean allLogits) {
        Consumer<String> notice = line -> {
            err.println(line);
            err.flush();
        };
        Backends.Options o = new Backends.Options(maxSeq, Precision.parse(precision), exactSoftmax(), allLogits, notice,
                new XrtBoard.Options(xrtLib, xclbin, device));
        return o.withFp16Layers(resolveFp16(backend, weights, o, notice)).withBoardModel(board.model());
    }

    /** The FP16 layers for an NPU backend; nothing (with a note) for the FP32 backends, which have no INT8 layers. */
    List<Integer> resolveFp16(String name, Gpt2Weights w, Backends.Options o, Consumer<String> notice) {
        Fp16Spec spec = fp16Spec();
        if (spec.none()) return List.of();
        if (!name.equals("emu") && !name.equals("xrt")) {
            notice.accept("note: --fp16-layers applies to the NPU backends (emu, xrt); " + name + " computes in FP32");
            return List.of();
        }
        int n = w.config().nLayer();
        if (spec.all()) {
            List<Integer> all = new ArrayList<>();
            for (int l = 0; l < n; l++) all.add(l);
            return all;
        }
        if (spec.auto() > 0) {
            if (spec.auto() > n) throw new UserError("--fp16-layers auto:" + spec.auto() + ": the model has " + n + " layers");
            notice.accept("measuring each layer's sensitivity for --fp16-layers auto (" + n + " runs on the calibration text) ...");
            List<Integer> picked = LayerSensitivity.pick(LayerSensitivity.rank(w, o, name, notice), spec.auto());
            notice.accept("--fp16-layers auto: layers " + picked + " in FP16 on the host");
            return picked;
        }
        for (int l : spec.layers())
            if (l >= n) throw new UserError("--fp16-layers: layer " + l + " does not exist (the model has layers 0.." + (n - 1) + ")");
        return spec.layers();
    }
}
