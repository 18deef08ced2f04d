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

    /** A copy of the launcher and .mvn/jdk.sh in {@code root}, beside a stand-in JDK whose java runs {@code java}. */
    private static Path launcherIn(Path root, String java) throws Exception {
        Path script = Path.of("..", "fpga-llm").toAbsolutePath().normalize();
        assumeTrue(Files.isRegularFile(script) && Files.isExecutable(Path.of("/bin/bash")), "needs the launcher and bash");
        Path launcher = Files.copy(script, root.resolve("fpga-llm"));
        Files.copy(script.resolveSibling(".mvn/jdk.sh"), Files.createDirectories(root.resolve(".mvn")).resolve("jdk.sh"));
        Path jdk = Files.createDirectories(root.resolve("jdk/bin"));
        Files.writeString(root.resolve("jdk/release"), "JAVA_VERSION=\"25\"\n");
        executable(jdk.resolve("java"), "#!/usr/bin/env bash\n" + java);
        executable(jdk.resolve("javac"), "#!/bin/sh\nexit 0\n");
        return launcher;
    }

    private static void executable(Path file, String text) throws Exception {
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static ProcessBuilder launch(Path root, String... command) {
        ProcessBuilder pb = new ProcessBuilder(command).directory(root.toFile());
        pb.environment().put("JAVA_HOME", root.resolve("jdk").toString());
        pb.environment().put("FPGA_LLM_JDK_DIRS", root.resolve("no-other-jdks").toString());
        pb.environment().remove("CI");
        pb.environment().remove("FPGA_LLM_NO_BUILD");
        return pb;
    }

    private static String[] run(ProcessBuilder pb) throws Exception {
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] err = p.getErrorStream().readAllBytes();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new String[] {new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8), "" + p.exitValue()};
    }

    /** The first build says how long builds take (the last one's time once there was one) and when it is done. */
    @Test
    void theBuildSaysHowLongItTakesAndWhenItIsDone(@TempDir Path root) throws Exception {
        Path launcher = launcherIn(root, "echo ran\n");
        Files.writeString(root.resolve("pom.xml"), "<project/>\n");
        Files.createDirectories(root.resolve("runtime/src/main"));
        executable(root.resolve("mvnw"), "#!/bin/sh\nsleep 1\nmkdir -p runtime/target\n: > runtime/target/fpga-llm.jar\n");
        String[] first = run(launch(root, "/bin/bash", launcher.toString(), "tokenize", "-p", "hi"));
        assertEquals("0", first[2], first[1]);
        assertEquals("ran\n", first[0]);
        assertTrue(first[1].contains("fpga-llm: building the runtime jar (first run or sources changed; about a minute on 2 cores) ...\n"), first[1]);
        assertTrue(first[1].matches("(?s).*fpga-llm: built in [0-9]+ s\n.*"), first[1]);
        assertFalse(first[1].contains("\r"), "no heartbeat off a terminal: " + first[1]);
        String took = Files.readString(root.resolve("runtime/target/fpga-llm.build-seconds")).strip();
        Thread.sleep(1100);
        Files.writeString(root.resolve("runtime/src/main/New.java"), "class New {}\n"); // newer than the jar
        String[] second = run(launch(root, "/bin/bash", launcher.toString(), "tokenize", "-p", "hi"));
        assertTrue(second[1].contains("(first run or sources changed; the last build here took " + took + " s) ..."), second[1]);
    }

    /** On a terminal the JVM gets the terminal as fd 3 (progress redraws pass no line filter); elsewhere not. */
    @Test
    void aTerminalIsHandedToTheJvmAsFd3(@TempDir Path root) throws Exception {
        Path launcher = launcherIn(root, "printf '%s\\n' \"$@\"\n");
        Files.createDirectories(root.resolve("runtime/target"));
        Files.write(root.resolve("runtime/target/fpga-llm.jar"), new byte[0]);
        String[] piped = run(launch(root, "/bin/bash", launcher.toString(), "tokenize"));
        assertFalse(piped[0].contains("-Dfpga.llm.stderr.tty"), piped[0]);
        Path script = Path.of("/usr/bin/script");
        assumeTrue(Files.isExecutable(script), "needs script(1) for a pseudo-terminal");
        String[] tty = run(launch(root, script.toString(), "-qec", "/bin/bash " + launcher + " tokenize", "/dev/null"));
        assertTrue(tty[0].contains("-Dfpga.llm.stderr.tty=/dev/fd/3"), tty[0] + tty[1]);
    }
}
