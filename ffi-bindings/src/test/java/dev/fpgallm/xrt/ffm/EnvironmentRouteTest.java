package dev.fpgallm.xrt.ffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fpgallm.xrt.Uuid;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * XRT's own way to choose the no-op driver, as a user without preloads gets it: XCL_EMULATION_MODE, with or
 * without XILINX_XRT. In child JVMs, because XRT reads both once per process. XRT 2.13 alone would abort the
 * process in the first two cases on Debian (it looks for $XILINX_XRT/lib/libxrt_noop.so.2 and the package installs
 * into the multiarch folder); the bindings find the driver where XRT is installed and load it first.
 */
class EnvironmentRouteTest {
    @TempDir
    Path dir;
    private Path noopDriver;
    private Path xclbin;

    @BeforeEach
    void findTheNoopDriver() throws IOException {
        NoopXrt.requireInstalled();  // skips (or fails in CI) without XRT; loads the driver into this process
        try (Stream<String> maps = Files.lines(Path.of("/proc/self/maps"))) {
            noopDriver = maps.map(l -> l.substring(l.lastIndexOf(' ') + 1))
                    .filter(p -> p.endsWith("/" + NoopXrt.DRIVER) || p.contains("/" + NoopXrt.DRIVER + "."))
                    .map(Path::of).findFirst().orElseThrow();
        }
        xclbin = NpuXclbin.write(dir.resolve("npu.xclbin"),
                new Uuid(new byte[] {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 1}));
    }

    /** The prefix XILINX_XRT names for the installed driver: /usr for /usr/lib/x86_64-linux-gnu or /usr/lib. */
    private Path installPrefix() {
        Path folder = noopDriver.getParent();
        return folder.getFileName().toString().equals("lib") ? folder.getParent() : folder.getParent().getParent();
    }

    @Test
    void theInstalledXrtIsFoundWithoutXilinxXrt() throws Exception {
        XrtEnvironment here = new XrtEnvironment(Map.of(), System.getProperty("os.arch"), Path.of("/"));
        Assumptions.assumeTrue(here.libraryFolders().contains(noopDriver.getParent()),
                "XRT is installed in " + noopDriver.getParent() + ", not a folder searched without XILINX_XRT");
        Result r = runChild(Map.of("XCL_EMULATION_MODE", "noop"));
        assertEquals(0, r.exit, r.output);
        assertTrue(r.output.contains("opened xrt:0, npu_top arg 1 in group " + NpuXclbin.expectedGroup(1)), r.output);
    }

    @Test
    void xilinxXrtNamingTheInstallPrefixWorks() throws Exception {
        Result r = runChild(Map.of("XILINX_XRT", installPrefix().toString(), "XCL_EMULATION_MODE", "noop"));
        assertEquals(0, r.exit, r.output);
        assertTrue(r.output.contains("opened xrt:0"), r.output);
    }

    @Test
    void aWrongXilinxXrtIsRefusedInsteadOfXrtAborting() throws Exception {
        Result r = runChild(Map.of("XILINX_XRT", dir.resolve("no-xrt-here").toString(), "XCL_EMULATION_MODE", "noop"));
        assertEquals(3, r.exit, r.output);
        assertTrue(r.output.startsWith("setup: XRT's noop driver libxrt_noop.so.2 is not in XILINX_XRT="), r.output);
    }

    @Test
    void hardwareModeWithoutABoardLoadsXrtAndFindsNoDevice() throws Exception {
        Path hwDriver = noopDriver.resolveSibling("libxrt_core.so.2");
        Assumptions.assumeTrue(Files.isRegularFile(hwDriver), "no hardware driver beside " + noopDriver);
        Result r = runChild(ListDevices.class, Map.of("XILINX_XRT", installPrefix().toString()));
        assertEquals(0, r.exit, r.output);
        // A machine with an Alveo card and its xocl driver would list it; CI machines have none.
        assertTrue(r.output.matches("\\d+ devices \\(XRT [^,]+, " + java.util.regex.Pattern.quote(hwDriver.toString()) + "\\)"),
                r.output);
    }

    private record Result(int exit, String output) {
    }

    private Result runChild(Map<String, String> env) throws IOException, InterruptedException {
        return runChild(OpenFirstDevice.class, env);
    }

    private Result runChild(Class<?> main, Map<String, String> env) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(List.of(java.toString(), "--enable-native-access=ALL-UNNAMED",
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                main.getName(), xclbin.toString()));
        pb.environment().keySet().removeAll(List.of("XILINX_XRT", "XCL_EMULATION_MODE", "XRT_INI_PATH",
                XrtOptions.LIBRARY_ENV, XrtEnvironment.SKIP_ENV));
        pb.environment().putAll(env);
        pb.directory(dir.toFile());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("child JVM did not finish: " + out);
        }
        return new Result(p.exitValue(), out.strip());
    }
}
