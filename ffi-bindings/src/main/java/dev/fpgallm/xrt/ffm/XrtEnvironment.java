package dev.fpgallm.xrt.ffm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds XRT's driver library before XRT's first call, so that XRT never has to. XRT 2.13 loads its driver from
 * {@code $XILINX_XRT/lib} on the first device open ({@code libxrt_core.so.2} for hardware, {@code libxrt_noop.so.2},
 * {@code libxrt_swemu.so.2} or {@code libxrt_hwemu.so.2} by {@code XCL_EMULATION_MODE}) and aborts the whole
 * process (an uncaught C++ exception) when it is not there: with XILINX_XRT unset on x86, and with Debian's and
 * Ubuntu's packages, which install into the multiarch folder ({@code /usr/lib/x86_64-linux-gnu}), whatever
 * XILINX_XRT says. A driver that is already loaded when XRT opens its first device is the one XRT uses (tested with
 * XRT 2.13), so the bindings look for the driver where XRT is installed and load it first:
 * <ul>
 *   <li>with XILINX_XRT set: {@code $XILINX_XRT/lib}, then {@code $XILINX_XRT/lib/<multiarch>};</li>
 *   <li>else {@code /usr/lib/<multiarch>} (Debian, Ubuntu), {@code /usr/lib} (Kria and PetaLinux images, XRT's
 *       own edge packages), {@code /opt/xilinx/xrt/lib} (AMD's packages for Alveo).</li>
 * </ul>
 * {@code FPGA_LLM_XRT_NO_PRECHECK=1} switches all of this off and leaves the search to XRT.
 */
final class XrtEnvironment {
    static final String SKIP_ENV = "FPGA_LLM_XRT_NO_PRECHECK";
    static final String COREUTIL = "libxrt_coreutil.so.2";
    private static final Pattern VERSION = Pattern.compile("\\.so\\.(\\d+\\.\\d+\\.\\d+)$");

    /**
     * Where XRT is.
     *
     * @param driver   the driver library for the mode, to load before XRT's own library
     * @param coreutil XRT's C API beside the driver, when it is there
     * @param version  XRT's version from the library's file name (libxrt_coreutil.so.2.13.0), if it carries one
     */
    record Install(Path driver, Optional<Path> coreutil, Optional<String> version) {
        /** "XRT 2.13.0, /usr/lib/x86_64-linux-gnu/libxrt_noop.so.2", for messages. */
        String describe() {
            return "XRT " + version.orElse("(version unknown)") + ", " + driver;
        }
    }

    private final Map<String, String> env;
    private final String osArch;
    private final boolean edge;
    private final Path root;

    /** {@code root} prefixes the absolute paths looked at (/ on a real system, a directory in tests). */
    XrtEnvironment(Map<String, String> env, String osArch, Path root) {
        this.env = env;
        this.osArch = osArch;
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

    /** The file name of the driver XRT would load for XCL_EMULATION_MODE. */
    String driverFile() {
        String mode = emulationMode();
        return switch (mode == null ? "hw" : mode) {
            case "hw" -> "libxrt_core.so.2";
            case "noop" -> "libxrt_noop.so.2";
            case "sw_emu" -> "libxrt_swemu.so.2";
            case "hw_emu" -> "libxrt_hwemu.so.2";
            default -> throw new XrtSetupException("XCL_EMULATION_MODE=" + mode
                    + " is not a mode XRT knows (noop, sw_emu, hw_emu; unset for hardware)");
        };
    }

    /** Debian's multiarch folder name for this JVM's architecture. */
    String multiarch() {
        return switch (osArch) {
            case "amd64", "x86_64" -> "x86_64-linux-gnu";
            case "aarch64" -> "aarch64-linux-gnu";
            case "arm" -> "arm-linux-gnueabihf";
            default -> osArch + "-linux-gnu";
        };
    }

    /** The folders searched for the driver, in order (see the class comment). */
    List<Path> libraryFolders() {
        String home = env.get("XILINX_XRT");
        if (home != null && !home.isEmpty()) return List.of(Path.of(home, "lib"), Path.of(home, "lib", multiarch()));
        return List.of(Path.of("/usr/lib", multiarch()), Path.of("/usr/lib"), Path.of("/opt/xilinx/xrt/lib"));
    }

    /**
     * The driver for the mode, searched first beside {@code library} when that is a path (an XRT given with
     * --xrt-lib), then in {@link #libraryFolders()}; with XRT's C API if it lies beside the driver.
     */
    Install locate(String library) {
        String file = driverFile();
        List<Path> folders = new ArrayList<>();
        if (library.contains("/")) folders.add(Path.of(library).toAbsolutePath().getParent());
        folders.addAll(libraryFolders());
        for (Path folder : folders) {
            Path driver = folder.resolve(file);
            if (!Files.isRegularFile(onRoot(driver))) continue;
            Path coreutil = folder.resolve(COREUTIL);
            Optional<Path> api = Files.isRegularFile(onRoot(coreutil)) ? Optional.of(coreutil) : Optional.empty();
            return new Install(driver, api, version(api.orElse(driver)));
        }
        String where = env.get("XILINX_XRT") != null && !env.get("XILINX_XRT").isEmpty()
                ? "XILINX_XRT=" + env.get("XILINX_XRT") + " (lib/, lib/" + multiarch() + "/)"
                : String.join(", ", folders.stream().map(Path::toString).distinct().toList());
        String mode = emulationMode();
        throw new XrtSetupException("XRT's " + (mode == null ? "hardware" : mode) + " driver " + file + " is not in "
                + where + ": install XRT (Debian/Ubuntu: apt-get install libxrt1; Kria: the xrt package)"
                + (env.containsKey("XILINX_XRT") ? " or fix XILINX_XRT" : " or set XILINX_XRT"));
    }

    /** "2.13.0" from the file a library name resolves to, e.g. libxrt_coreutil.so.2 -> libxrt_coreutil.so.2.13.0. */
    private Optional<String> version(Path library) {
        try {
            Matcher m = VERSION.matcher(onRoot(library).toRealPath().getFileName().toString());
            return m.find() ? Optional.of(m.group(1)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * On a Zynq board in hardware mode: why XRT can see no device (zocl not loaded, or no render node), if so.
     * Without zocl's render node XRT finds nothing to open.
     */
    Optional<String> edgeDeviceMissing() {
        if (!edge || emulationMode() != null) return Optional.empty();
        if (Files.exists(onRoot(Path.of("/dev/dri/renderD128")))) return Optional.empty();
        if (!Files.exists(onRoot(Path.of("/sys/module/zocl"))))
            return Optional.of("zocl is not loaded: load the app, sudo xmutil loadapp <app>");
        return Optional.of("zocl is loaded but /dev/dri/renderD128 is missing: the app's overlay has no zocl node");
    }

    /** Throws with {@link #edgeDeviceMissing()}'s reason. */
    void requireEdgeDevice() {
        edgeDeviceMissing().ifPresent(why -> {
            throw new XrtSetupException("no XRT device: " + why);
        });
    }

    private Path onRoot(Path absolute) {
        return root.resolve(root.getRoot().relativize(absolute.toAbsolutePath()));
    }
}
