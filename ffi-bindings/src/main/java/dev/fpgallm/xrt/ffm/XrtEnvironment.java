package dev.fpgallm.xrt.ffm;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Checks, before XRT's first call, what XRT 2.13 would otherwise find out by aborting the whole process: its
 * first device open loads a driver library from {@code $XILINX_XRT/lib} ({@code libxrt_core.so.2} for hardware,
 * {@code libxrt_noop.so.2}, {@code libxrt_swemu.so.2} or {@code libxrt_hwemu.so.2} by {@code XCL_EMULATION_MODE}),
 * and a missing variable or file there ends in an uncaught C++ exception (SIGABRT) while XRT logs to the console.
 * On Arm (Zynq, the KV260) XRT defaults XILINX_XRT to /usr; on x86 it must be set. These are the rules of XRT 2.13
 * (tested) and of XRT's current module loader (read); a release or distribution that finds its driver another way
 * can switch the check off with {@code FPGA_LLM_XRT_NO_PRECHECK=1}, which every refusal mentions.
 */
final class XrtEnvironment {
    static final String SKIP_ENV = "FPGA_LLM_XRT_NO_PRECHECK";
    private static final String SKIP_HINT = " (if XRT finds its driver another way on this system, "
            + SKIP_ENV + "=1 skips this check)";

    private final Map<String, String> env;
    private final boolean edge;
    private final Path root;

    /** {@code root} prefixes the absolute paths looked at (/ on a real system, a directory in tests). */
    XrtEnvironment(Map<String, String> env, String osArch, Path root) {
        this.env = env;
        this.edge = osArch.equals("aarch64") || osArch.startsWith("arm");
        this.root = root;
    }

    static XrtEnvironment current() {
        return new XrtEnvironment(System.getenv(), System.getProperty("os.arch"), Path.of("/"));
    }

    /** The user switched the checks off. */
    boolean skipped() {
        return "1".equals(env.get(SKIP_ENV));
    }

    /** XCL_EMULATION_MODE, or null for hardware. */
    String emulationMode() {
        String mode = env.get("XCL_EMULATION_MODE");
        return mode == null || mode.isEmpty() ? null : mode;
    }

    /** The driver library XRT will load on its first device open; throws if XRT would not find it. */
    Path driverLibrary() {
        String mode = emulationMode();
        String file = switch (mode == null ? "hw" : mode) {
            case "hw" -> "libxrt_core.so.2";
            case "noop" -> "libxrt_noop.so.2";
            case "sw_emu" -> "libxrt_swemu.so.2";
            case "hw_emu" -> "libxrt_hwemu.so.2";
            default -> throw new XrtSetupException("XCL_EMULATION_MODE=" + mode
                    + " is not a mode XRT knows (noop, sw_emu, hw_emu; unset for hardware)");
        };
        String home = env.get("XILINX_XRT");
        if (home == null || home.isEmpty()) {
            if (!edge) throw new XrtSetupException("XILINX_XRT is not set: XRT loads its driver from $XILINX_XRT/lib/"
                    + file + " and aborts the process without it; " + howToSetUp(mode, file) + SKIP_HINT);
            home = "/usr";
        }
        Path driver = Path.of(home, "lib", file);
        if (!Files.isRegularFile(onRoot(driver)))
            throw new XrtSetupException("XRT's driver library " + driver + " does not exist (XILINX_XRT=" + home
                    + (mode == null ? "" : ", XCL_EMULATION_MODE=" + mode) + "); " + howToSetUp(mode, file) + SKIP_HINT);
        return driver;
    }

    /**
     * On a Zynq board in hardware mode: the zocl driver is loaded and has made its render node. Without them XRT
     * finds no device; this says which of the two is missing.
     */
    void requireEdgeDevice() {
        if (!edge || emulationMode() != null) return;
        if (Files.exists(onRoot(Path.of("/dev/dri/renderD128")))) return;
        if (!Files.exists(onRoot(Path.of("/sys/module/zocl"))))
            throw new XrtSetupException("no XRT device: the zocl driver is not loaded, so /dev/dri/renderD128 does not"
                    + " exist; load an accelerator app whose overlay carries the zocl node: sudo xmutil loadapp <app>"
                    + SKIP_HINT);
        throw new XrtSetupException("no XRT device: zocl is loaded but /dev/dri/renderD128 is missing; the loaded"
                + " overlay has no zocl node (sudo xmutil unloadapp; sudo xmutil loadapp <app>)" + SKIP_HINT);
    }

    private static String howToSetUp(String mode, String file) {
        if ("noop".equals(mode))
            return "point XILINX_XRT at a directory whose lib/ holds " + file
                    + " (Debian's libxrt1 installs it in /usr/lib/x86_64-linux-gnu)";
        if (mode == null)
            return "install XRT and source its setup script (e.g. /opt/xilinx/xrt/setup.sh), or set"
                    + " XCL_EMULATION_MODE=noop to run without a board";
        return "install XRT's " + mode + " driver under $XILINX_XRT/lib";
    }

    private Path onRoot(Path absolute) {
        return root.resolve(root.getRoot().relativize(absolute.toAbsolutePath()));
    }
}
