package dev.fpgallm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ./fpga-llm launcher's stderr filter, on a copy of the script (and of .mvn/jdk.sh) beside a stand-in JDK whose java prints what the
 * real one may: the incubator warning (dropped), and error lines, one with a NUL byte (passed through unchanged).
 */
class LauncherTest {
    @Test
    void stderrFilterDropsOnlyTheIncubatorWarning(@TempDir Path root) throws Exception {
        Path script = Path.of("..", "fpga-llm").toAbsolutePath().normalize();
        assumeTrue(Files.isRegularFile(script) && Files.isExecutable(Path.of("/bin/bash")), "needs the launcher and bash");
        Path launcher = Files.copy(script, root.resolve("fpga-llm"));
        Path jdkSearch = script.resolveSibling(".mvn/jdk.sh"); // the JDK search the launcher shares with ./mvnw
        if (Files.exists(jdkSearch)) Files.copy(jdkSearch, Files.createDirectories(root.resolve(".mvn")).resolve("jdk.sh"));
        Files.createDirectories(root.resolve("runtime/target"));
        Files.write(root.resolve("runtime/target/fpga-llm.jar"), new byte[0]); // newer than any (absent) source
        Path jdk = Files.createDirectories(root.resolve("jdk/bin"));
        Files.writeString(root.resolve("jdk/release"), "JAVA_VERSION=\"25\"\n");
        Path java = Files.writeString(jdk.resolve("java"), """
                #!/usr/bin/env bash
                printf 'WARNING: Using incubator modules: jdk.incubator.vector\\n' >&2
                printf 'error: a\\0b\\n' >&2
                printf 'WARNING: something else\\n' >&2
                exit 2
                """);
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path javac = Files.writeString(jdk.resolve("javac"), "#!/bin/sh\nexit 0\n"); // a JDK, not a JRE
        Files.setPosixFilePermissions(javac, PosixFilePermissions.fromString("rwxr-xr-x"));
        ProcessBuilder pb = new ProcessBuilder("/bin/bash", launcher.toString(), "generate", "hi");
        pb.environment().put("JAVA_HOME", root.resolve("jdk").toString());
        pb.environment().put("FPGA_LLM_JDK_DIRS", root.resolve("no-other-jdks").toString());
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        String text = new String(err, StandardCharsets.ISO_8859_1);
        assertEquals(2, p.exitValue(), text);
        assertTrue(text.contains("error: a\0b\n"), "the NUL line passes as it is: " + text);
        assertTrue(text.contains("WARNING: something else"), text);
        assertFalse(text.contains("incubator"), text);
        assertFalse(text.contains("binary file"), text);
    }
}
