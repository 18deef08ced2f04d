package dev.fpgallm.xrt.ffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the bindings look for XRT's driver, on a fake file system laid out as each distribution installs XRT. */
class XrtEnvironmentTest {
    @TempDir
    Path root;

    private XrtEnvironment env(String arch, String... keyValues) {
        Map<String, String> vars = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) vars.put(keyValues[i], keyValues[i + 1]);
        return new XrtEnvironment(vars, arch, root);
    }

    /** A file at an absolute path of the fake root; a versioned real file behind a soname link when asked. */
    private void install(String absolute, String realName) throws IOException {
        Path file = root.resolve(absolute.substring(1));
        Files.createDirectories(file.getParent());
        if (realName == null) {
            Files.createFile(file);
        } else {
            Files.createFile(file.resolveSibling(realName));
            Files.createSymbolicLink(file, Path.of(realName));
        }
    }

    private static String failure(Runnable check) {
        return assertThrows(XrtSetupException.class, check::run).getMessage();
    }

    @Test
    void debiansMultiarchXrtIsFoundWithoutXilinxXrt() throws IOException {
        install("/usr/lib/x86_64-linux-gnu/libxrt_noop.so.2", "libxrt_noop.so.2.13.0");
        install("/usr/lib/x86_64-linux-gnu/libxrt_coreutil.so.2", "libxrt_coreutil.so.2.13.0");
        XrtEnvironment.Install found = env("amd64", "XCL_EMULATION_MODE", "noop").locate("libxrt_coreutil.so.2");
        assertEquals(Path.of("/usr/lib/x86_64-linux-gnu/libxrt_noop.so.2"), found.driver());
        assertEquals(Optional.of(Path.of("/usr/lib/x86_64-linux-gnu/libxrt_coreutil.so.2")), found.coreutil());
        assertEquals(Optional.of("2.13.0"), found.version());
        assertEquals("XRT 2.13.0, /usr/lib/x86_64-linux-gnu/libxrt_noop.so.2", found.describe());
    }

    @Test
    void xilinxXrtUsrFindsTheMultiarchFolderToo() throws IOException {
        install("/usr/lib/x86_64-linux-gnu/libxrt_core.so.2", null);
        assertEquals(Path.of("/usr/lib/x86_64-linux-gnu/libxrt_core.so.2"),
                env("amd64", "XILINX_XRT", "/usr").locate("libxrt_coreutil.so.2").driver());
    }

    @Test
    void kriaAndAlveoLayoutsAreFound() throws IOException {
        install("/usr/lib/libxrt_core.so.2", null); // XRT's edge packages: XILINX_XRT defaults to /usr on Arm
        assertEquals(Path.of("/usr/lib/libxrt_core.so.2"), env("aarch64").locate("libxrt_coreutil.so.2").driver());
        install("/opt/xilinx/xrt/lib/libxrt_swemu.so.2", null); // AMD's Alveo packages
        assertEquals(Path.of("/opt/xilinx/xrt/lib/libxrt_swemu.so.2"),
                env("amd64", "XCL_EMULATION_MODE", "sw_emu").locate("libxrt_coreutil.so.2").driver());
        assertEquals(Path.of("/opt/xilinx/xrt/lib/libxrt_swemu.so.2"),
                env("amd64", "XILINX_XRT", "/opt/xilinx/xrt", "XCL_EMULATION_MODE", "sw_emu")
                        .locate("libxrt_coreutil.so.2").driver());
    }

    @Test
    void aLibraryGivenByPathIsLookedBesideFirst() throws IOException {
        install("/usr/lib/x86_64-linux-gnu/libxrt_noop.so.2", null);
        install("/work/xrt/lib/libxrt_noop.so.2", null);
        assertEquals(Path.of("/work/xrt/lib/libxrt_noop.so.2"), env("amd64", "XCL_EMULATION_MODE", "noop")
                .locate("/work/xrt/lib/libxrt_coreutil.so.2").driver());
    }

    @Test
    void aMissingDriverIsOneShortLine() {
        String none = failure(() -> env("amd64", "XCL_EMULATION_MODE", "noop").locate("libxrt_coreutil.so.2"));
        assertEquals("XRT's noop driver libxrt_noop.so.2 is not in /usr/lib/x86_64-linux-gnu, /usr/lib, /opt/xilinx/xrt/lib:"
                + " install XRT (Debian/Ubuntu: apt-get install libxrt1; Kria: the xrt package) or set XILINX_XRT", none);
        String wrongHome = failure(() -> env("amd64", "XILINX_XRT", "/nowhere").locate("libxrt_coreutil.so.2"));
        assertTrue(wrongHome.startsWith("XRT's hardware driver libxrt_core.so.2 is not in XILINX_XRT=/nowhere"
                + " (lib/, lib/x86_64-linux-gnu/)") && wrongHome.endsWith("or fix XILINX_XRT"), wrongHome);
        assertTrue(wrongHome.length() < 200, wrongHome);
    }

    @Test
    void anUnknownEmulationModeIsNamed() {
        String bad = failure(() -> env("amd64", "XCL_EMULATION_MODE", "nop").locate("libxrt_coreutil.so.2"));
        assertTrue(bad.startsWith("XCL_EMULATION_MODE=nop is not a mode XRT knows"), bad);
    }

    @Test
    void onAZynqBoardSaysWhetherZoclOrItsDeviceNodeIsMissing() throws IOException {
        assertTrue(env("aarch64").edgeDeviceMissing().orElseThrow().startsWith("zocl is not loaded"));
        String noZocl = failure(() -> env("aarch64").requireEdgeDevice());
        assertTrue(noZocl.startsWith("no XRT device: zocl is not loaded") && noZocl.contains("xmutil loadapp"), noZocl);
        Files.createDirectories(root.resolve("sys/module/zocl"));
        assertTrue(env("aarch64").edgeDeviceMissing().orElseThrow().contains("/dev/dri/renderD128 is missing"));
        install("/dev/dri/renderD128", null);
        assertEquals(Optional.empty(), env("aarch64").edgeDeviceMissing());
    }

    @Test
    void deviceNodesAreNotCheckedOffTheBoard() {
        assertEquals(Optional.empty(), env("amd64").edgeDeviceMissing());
        assertEquals(Optional.empty(), env("aarch64", "XCL_EMULATION_MODE", "noop").edgeDeviceMissing());
    }

    @Test
    void theCheckCanBeSwitchedOff() {
        assertTrue(env("amd64", "FPGA_LLM_XRT_NO_PRECHECK", "1").skipped());
        assertTrue(!env("amd64", "FPGA_LLM_XRT_NO_PRECHECK", "0").skipped());
    }
}
