package dev.fpgallm.hls;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Builds hls-kernels/ with make (once per test JVM) and says where its libraries are. Without a C++ toolchain the
 * tests that need it are skipped with the reason, except in CI (FPGA_LLM_REQUIRE_CSIM=1), where that is a failure.
 */
final class HlsBuild {
    private static Path build;

    private HlsBuild() {
    }

    static synchronized Path build() throws IOException, InterruptedException {
        if (build != null) return build;
        Path root = Path.of("").toAbsolutePath();
        while (root != null && !Files.isRegularFile(root.resolve("hls-kernels/Makefile"))) root = root.getParent();
        boolean required = "1".equals(System.getenv("FPGA_LLM_REQUIRE_CSIM"));
        if (root == null) {
            if (required) fail("hls-kernels/Makefile not found above " + Path.of("").toAbsolutePath());
            Assumptions.abort("hls-kernels/Makefile not found: no C++ kernel to compare with");
        }
        Process make;
        try {
            make = new ProcessBuilder("make", "-s", "-C", root.resolve("hls-kernels").toString())
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            if (required) throw e;
            Assumptions.abort("make is not installed: " + e.getMessage());
            throw e;
        }
        String log = new String(make.getInputStream().readAllBytes());
        int rc = make.waitFor();
        if (rc != 0) {
            if (required || !log.contains("not found")) fail("make -C hls-kernels failed (" + rc + "):\n" + log);
            Assumptions.abort("cannot build the C++ kernel here:\n" + log);
        }
        build = root.resolve("hls-kernels/build");
        return build;
    }
}
