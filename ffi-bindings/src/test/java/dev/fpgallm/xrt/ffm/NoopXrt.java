package dev.fpgallm.xrt.ffm;

import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import org.junit.jupiter.api.Assumptions;

/**
 * XRT with its no-op driver (Debian bookworm's libxrt1 2.13): a device that allocates, maps, syncs and completes
 * runs without computing anything. The driver is loaded before libxrt_coreutil, so XRT uses it without
 * XILINX_XRT or XCL_EMULATION_MODE (no environment to set for the test JVM); runtime_log=null keeps XRT's banner
 * out of the test output. Without XRT the tests are skipped with the reason, or fail when
 * {@code FPGA_LLM_REQUIRE_XRT=1} (CI installs XRT, so a missing one there is a broken set-up, not a skip).
 */
final class NoopXrt {
    static final String DRIVER = "libxrt_noop.so.2";

    private NoopXrt() {
    }

    static XrtOptions options() {
        requireInstalled();
        return new XrtOptions(XrtOptions.DEFAULT_LIBRARY, java.util.List.of(DRIVER), java.util.Map.of())
                .withIni("Runtime.runtime_log", "null");
    }

    @SuppressWarnings("restricted") // loading XRT is how we learn whether it is installed
    static void requireInstalled() {
        String missing = null;
        for (String library : new String[] {XrtOptions.DEFAULT_LIBRARY, DRIVER}) {
            try {
                SymbolLookup.libraryLookup(library, Arena.global());
            } catch (IllegalArgumentException e) {
                missing = library;
                break;
            }
        }
        if (missing == null) return;
        String reason = "XRT is not installed (" + missing + " not found by the dynamic loader);"
                + " on Debian/Ubuntu: apt-get install libxrt1 libxrt-dev";
        if ("1".equals(System.getenv("FPGA_LLM_REQUIRE_XRT"))) fail("FPGA_LLM_REQUIRE_XRT=1 but " + reason);
        Assumptions.abort(reason);
    }
}
