package dev.fpgallm.cli;

import dev.fpgallm.UserError;
import dev.fpgallm.backends.XrtBoard;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the xrt backend finds its board: --xrt-lib, --xclbin, --device. */
public final class XrtOptions {
    @Option(names = "--xrt-lib", paramLabel = "PATH",
            description = "xrt: the XRT C library (default $FPGA_LLM_XRT_LIB, else libxrt_coreutil.so.2); "
                    + "hls-kernels/build/libxrt_csim.so is the C-simulation board.")
    String xrtLib;

    @Option(names = "--xclbin", paramLabel = "PATH",
            description = "xrt: the xclbin (default $FPGA_LLM_XCLBIN, one beside --xrt-lib, or /lib/firmware/xilinx/fpga-llm/fpga-llm.xclbin).")
    Path xclbin;

    @Option(names = "--device", paramLabel = "N", description = "xrt: the XRT device index (default ${DEFAULT-VALUE}).")
    int device = 0;

    void check() {
        if (device < 0) throw new UserError("--device must be >= 0, got " + device);
    }

    XrtBoard.Options board() {
        return new XrtBoard.Options(xrtLib, xclbin, device);
    }
}
