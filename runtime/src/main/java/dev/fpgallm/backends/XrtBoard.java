package dev.fpgallm.backends;

import dev.fpgallm.backend.BackendKind;
import dev.fpgallm.UserError;
import dev.fpgallm.compiler.CompiledModel;
import dev.fpgallm.engine.NpuEngine;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.npu.timing.BoardModel;
import dev.fpgallm.xrt.ffm.FfmDevice;
import dev.fpgallm.xrt.ffm.XrtDevices;
import dev.fpgallm.xrt.ffm.XrtOptions;
import dev.fpgallm.xrt.ffm.XrtSetupException;
import dev.fpgallm.xrt.XrtException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The {@code xrt} backend: the NPU through XRT's C API (java.lang.foreign). On a Kria board that is XRT with the
 * zocl driver and the xclbin the app ships; on any machine it can be the C-simulation board
 * ({@code --xrt-lib hls-kernels/build/libxrt_csim.so}), which runs the C++ kernel behind the same API.
 */
public final class XrtBoard {
    /** The firmware app board-scripts/build-xclbin.sh installs under /lib/firmware/xilinx/. */
    public static final String APP = "fpga-llm";
    public static final Path BOARD_XCLBIN = Path.of("/lib/firmware/xilinx", APP, APP + ".xclbin");
    /** The xclbin a C-simulation board keeps beside its library. */
    public static final String CSIM_XCLBIN = "npu_csim.xclbin";

    /**
     * @param library --xrt-lib (null: $FPGA_LLM_XRT_LIB, else libxrt_coreutil.so.2)
     * @param xclbin  --xclbin (null: $FPGA_LLM_XCLBIN, an xclbin beside a library given by path, or the board's)
     * @param device  XRT device index
     */
    public record Options(String library, Path xclbin, int device) {
        public static final Options DEFAULT = new Options(null, null, 0);
    }

    private XrtBoard() {
    }

    public static XrtOptions xrtOptions(Options o) {
        XrtOptions x = XrtOptions.defaults().withLibrary(o.library());
        // XRT's own library prints a banner and logs to the console unless told otherwise.
        String file = x.library().substring(x.library().lastIndexOf('/') + 1);
        return file.startsWith("libxrt_coreutil") ? x.withIni("Runtime.runtime_log", "null") : x;
    }

    /** Where the xclbin comes from, in order; the first that exists wins. */
    static Path xclbin(Options o, XrtOptions x) {
        if (o.xclbin() != null) {
            if (!Files.isRegularFile(o.xclbin())) throw new UserError("no xclbin at " + o.xclbin());
            return o.xclbin();
        }
        List<Path> tried = new ArrayList<>();
        String env = System.getenv("FPGA_LLM_XCLBIN");
        if (env != null && !env.isBlank()) tried.add(Path.of(env));
        if (x.library().contains("/")) {
            Path beside = Path.of(x.library()).toAbsolutePath().getParent().resolve(CSIM_XCLBIN);
            tried.add(beside);
        }
        tried.add(BOARD_XCLBIN);
        for (Path p : tried) if (Files.isRegularFile(p)) return p;
        throw new UserError("no xclbin found (tried " + tried + "): pass --xclbin PATH, or load the app on the board "
                + "(sudo xmutil loadapp " + APP + ")");
    }

    static NpuEngine engine(CompiledModel model, Gpt2Weights weights, boolean exactSoftmax, Options o,
                            Consumer<String> notice, BoardModel predictedBoard) {
        XrtOptions x = xrtOptions(o);
        Path xclbin = xclbin(o, x);
        FfmDevice device;
        try {
            device = XrtDevices.open(o.device(), x);
        } catch (XrtSetupException e) {
            throw new UserError("XRT is not usable: " + e.getMessage());
        }
        try {
            device.loadXclbin(xclbin);
            notice.accept("xrt: device " + o.device() + " (" + x.library() + "), xclbin " + xclbin);
            return new NpuEngine(BackendKind.XRT.id(), device, true, model, weights, exactSoftmax, predictedBoard);
        } catch (XrtException e) {
            device.close();
            throw new UserError("XRT: " + e.getMessage());
        } catch (RuntimeException e) {
            device.close();
            throw e;
        }
    }
}
