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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * XRT's own way to find the no-op driver, as a user without preloads gets it: XILINX_XRT and XCL_EMULATION_MODE.
 * In child JVMs, because XRT reads both once per process; the second case would end in SIGABRT (exit 134) if the
 * bindings called XRT instead of refusing first.
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

    @Test
    void xilinxXrtPointingAtTheNoopDriverWorks() throws Exception {
        Path home = dir.resolve("xrt-home");
        Files.createDirectories(home.resolve("lib"));
        Files.createSymbolicLink(home.resolve("lib").resolve(NoopXrt.DRIVER), noopDriver);
        Result r = runChild(Map.of("XILINX_XRT", home.toString(), "XCL_EMULATION_MODE", "noop"));
        assertEquals(0, r.exit, r.output);
        assertTrue(r.output.contains("opened xrt:0, npu_top arg 1 in group " + NpuXclbin.expectedGroup(1)), r.output);
    }

    @Test
    void withoutXilinxXrtTheBindingsRefuseInsteadOfXrtAborting() throws Exception {
        Result r = runChild(Map.of("XCL_EMULATION_MODE", "noop"));
        assertEquals(3, r.exit, r.output);
        assertTrue(r.output.startsWith("setup: XILINX_XRT is not set"), r.output);
    }

    private record Result(int exit, String output) {
    }

    private Result runChild(Map<String, String> env) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(List.of(java.toString(), "--enable-native-access=ALL-UNNAMED",
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                OpenFirstDevice.class.getName(), xclbin.toString()));
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
