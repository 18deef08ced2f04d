package dev.fpgallm.xrt.ffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding the library: what the user sees when --xrt-lib or the installation is wrong. */
class XrtLibraryLoadTest {
    @TempDir
    Path dir;

    private static XrtOptions library(String library) {
        return new XrtOptions(library, List.of(), Map.of());
    }

    @Test
    void aPathThatDoesNotExistIsNamed() {
        String path = dir.resolve("libxrt_csim.so").toString();
        XrtSetupException e = assertThrows(XrtSetupException.class, () -> XrtDevices.open(0, library(path)));
        assertEquals("XRT library " + path + " does not exist (give another with --xrt-lib PATH or FPGA_LLM_XRT_LIB)",
                e.getMessage());
    }

    @Test
    void aNameTheLoaderCannotFindSaysHowToInstall() {
        XrtSetupException e = assertThrows(XrtSetupException.class,
                () -> XrtDevices.list(library("libxrt_nonexistent_for_test.so.9")));
        assertTrue(e.getMessage().startsWith("XRT library libxrt_nonexistent_for_test.so.9 not found by the dynamic loader")
                && e.getMessage().contains("apt-get install libxrt1"), e.getMessage());
    }

    @Test
    void aLibraryWithoutXrtsSymbolsIsRefused() {
        XrtSetupException e = assertThrows(XrtSetupException.class, () -> XrtDevices.open(0, library("libm.so.6")));
        assertTrue(e.getMessage().startsWith("libm.so.6 does not export xrtDeviceOpen"), e.getMessage());
    }

    @Test
    void optionsComeFromTheCommandLineElseTheEnvironmentElseTheDefault() {
        XrtOptions defaults = XrtOptions.defaults();
        String fromEnv = System.getenv(XrtOptions.LIBRARY_ENV);
        assertEquals(fromEnv == null || fromEnv.isBlank() ? "libxrt_coreutil.so.2" : fromEnv, defaults.library());
        assertEquals("/x/libxrt_csim.so", defaults.withLibrary("/x/libxrt_csim.so").library());
        assertEquals(defaults, defaults.withLibrary(null));
        assertTrue(library("/opt/xilinx/xrt/lib/libxrt_coreutil.so.2").isXrtCoreutil());
        assertTrue(!library("hls-kernels/build/libxrt_csim.so").isXrtCoreutil());
    }
}
