package dev.fpgallm.cli;

import dev.fpgallm.UserError;
import dev.fpgallm.backend.Backend;
import dev.fpgallm.backend.Backends;
import dev.fpgallm.backend.XrtBoard;
import java.nio.file.Path;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.quant.Precision;
import java.io.PrintWriter;
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

    /** Checks names before anything slow happens. */
    public void check() {
        Backends.check(backend);
        exactSoftmax();
        Precision.parse(precision);
    }

    boolean exactSoftmax() {
        return switch (softmax) {
            case "exact" -> true;
            case "approx" -> false;
            default -> throw new UserError("unknown --softmax '" + softmax + "'; use exact or approx");
        };
    }

    public Backend open(Gpt2Weights weights, ModelOptions model, PrintWriter err) {
        return open(weights, model, err, false);
    }

    public Backend open(Gpt2Weights weights, ModelOptions model, PrintWriter err, boolean allLogits) {
        return Backends.open(backend, weights, options(model, err, allLogits));
    }

    public Backends.Options options(ModelOptions model, PrintWriter err, boolean allLogits) {
        return new Backends.Options(model.maxSeq, Precision.parse(precision), exactSoftmax(), allLogits, line -> {
            err.println(line);
            err.flush();
        }, new XrtBoard.Options(xrtLib, xclbin, device));
    }
}
