package dev.fpgallm.xrt.ffm;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checks that stand between a wrong set-up and XRT aborting the process; on a fake file system. */
class XrtEnvironmentTest {
    @TempDir
    Path root;

    private XrtEnvironment env(String arch, String... keyValues) {
        Map<String, String> vars = new java.util.HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) vars.put(keyValues[i], keyValues[i + 1]);
        return new XrtEnvironment(vars, arch, root);
    }

    private void touch(String absolute) throws IOException {
        Path file = root.resolve(absolute.substring(1));
        Files.createDirectories(file.getParent());
        Files.createFile(file);
    }

    private static String failure(Runnable check) {
        return assertThrows(XrtSetupException.class, check::run).getMessage();
    }

    @Test
    void onX86XilinxXrtMustBeSet() {
        String noop = failure(() -> env("amd64", "XCL_EMULATION_MODE", "noop").driverLibrary());
        assertTrue(noop.startsWith("XILINX_XRT is not set") && noop.contains("libxrt_noop.so.2")
                && noop.contains("/usr/lib/x86_64-linux-gnu"), noop);
        String hw = failure(() -> env("amd64").driverLibrary());
        assertTrue(hw.contains("libxrt_core.so.2") && hw.contains("setup.sh"), hw);
    }

    @Test
    void theDriverLibraryMustBeWhereXrtLooks() throws IOException {
        String missing = failure(() -> env("amd64", "XILINX_XRT", "/opt/xrt", "XCL_EMULATION_MODE", "noop").driverLibrary());
        assertTrue(missing.contains("/opt/xrt/lib/libxrt_noop.so.2 does not exist"), missing);
        touch("/opt/xrt/lib/libxrt_noop.so.2");
        assertEquals(Path.of("/opt/xrt/lib/libxrt_noop.so.2"),
                env("amd64", "XILINX_XRT", "/opt/xrt", "XCL_EMULATION_MODE", "noop").driverLibrary());
        touch("/opt/xrt/lib/libxrt_swemu.so.2");
        assertEquals(Path.of("/opt/xrt/lib/libxrt_swemu.so.2"),
                env("amd64", "XILINX_XRT", "/opt/xrt", "XCL_EMULATION_MODE", "sw_emu").driverLibrary());
    }

    @Test
    void onArmXrtDefaultsToUsr() throws IOException {
        String missing = failure(() -> env("aarch64").driverLibrary());
        assertTrue(missing.contains("/usr/lib/libxrt_core.so.2 does not exist"), missing);
        touch("/usr/lib/libxrt_core.so.2");
        assertEquals(Path.of("/usr/lib/libxrt_core.so.2"), env("aarch64").driverLibrary());
    }

    @Test
    void anUnknownEmulationModeIsNamed() {
        String bad = failure(() -> env("amd64", "XILINX_XRT", "/opt/xrt", "XCL_EMULATION_MODE", "nop").driverLibrary());
        assertTrue(bad.startsWith("XCL_EMULATION_MODE=nop is not a mode XRT knows"), bad);
    }

    @Test
    void onAZynqBoardSaysWhetherZoclOrItsDeviceNodeIsMissing() throws IOException {
        String noZocl = failure(() -> env("aarch64").requireEdgeDevice());
        assertTrue(noZocl.contains("zocl driver is not loaded") && noZocl.contains("xmutil loadapp"), noZocl);
        Files.createDirectories(root.resolve("sys/module/zocl"));
        String noNode = failure(() -> env("aarch64").requireEdgeDevice());
        assertTrue(noNode.contains("zocl is loaded but /dev/dri/renderD128 is missing"), noNode);
        touch("/dev/dri/renderD128");
        assertDoesNotThrow(() -> env("aarch64").requireEdgeDevice());
    }

    @Test
    void everyRefusalSaysHowToSkipTheCheck() {
        String hw = failure(() -> env("amd64").driverLibrary());
        assertTrue(hw.endsWith("FPGA_LLM_XRT_NO_PRECHECK=1 skips this check)"), hw);
        String board = failure(() -> env("aarch64").requireEdgeDevice());
        assertTrue(board.endsWith("FPGA_LLM_XRT_NO_PRECHECK=1 skips this check)"), board);
        assertTrue(env("amd64", "FPGA_LLM_XRT_NO_PRECHECK", "1").skipped());
        assertTrue(!env("amd64", "FPGA_LLM_XRT_NO_PRECHECK", "0").skipped());
    }

    @Test
    void deviceNodesAreNotCheckedOffTheBoard() {
        assertDoesNotThrow(() -> env("amd64").requireEdgeDevice());
        assertDoesNotThrow(() -> env("aarch64", "XCL_EMULATION_MODE", "noop").requireEdgeDevice());
    }
}
