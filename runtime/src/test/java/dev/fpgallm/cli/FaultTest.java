package dev.fpgallm.cli;

import dev.fpgallm.CacheHome;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fpgallm.model.CheckpointLoader;
import dev.fpgallm.store.ModelStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 in the middle of synth-model, calibration and bench (a CLI in a JVM of its own, on the tiny preset, killed
 * as soon as its temporary or its work has started): nothing is left under a final name, and the next run, here
 * in-process on the same folders, recovers and cleans up what the killed one left.
 */
class FaultTest {
    @TempDir
    static Path home;

    @BeforeAll
    static void useTemporaryHome() {
        TemporaryHome.use(home);
    }

    @AfterAll
    static void restoreHome() {
        TemporaryHome.restore();
    }

    /** The CLI in a new JVM (this one's java and class path), its stdout and stderr merged. */
    private static Process cli(String... args) throws IOException {
        return new ProcessBuilder(java(args)).redirectErrorStream(true).start();
    }

    private static List<String> java(String... args) {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1",
                "-D" + CacheHome.PROPERTY + "=" + home, "-cp", System.getProperty("java.class.path"),
                Main.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** The CLI in a new JVM under {@code ulimit -f} (file size in KiB): writes past it fail with EFBIG. */
    private static Process cliWithFileLimit(int kib, String... args) throws IOException {
        StringBuilder line = new StringBuilder("ulimit -f " + kib + " && exec");
        for (String c : java(args)) line.append(" '").append(c.replace("'", "'\\''")).append('\'');
        return new ProcessBuilder("/bin/bash", "-c", line.toString()).redirectErrorStream(true).start();
    }

    @Test
    void aWriteErrorIsOneLineAndLeavesNothing(@TempDir Path dir) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/bash")));
        Process p = cliWithFileLimit(4096, "synth-model", "--preset", "tiny", "--out", dir.resolve("m").toString());
        String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), printed);
        String last = printed.substring(printed.lastIndexOf('\n') + 1);
        assertTrue(last.startsWith("error: cannot write synthetic weights to ") && last.contains("File too large"), printed);
        assertFalse(printed.contains("\tat "), printed);
        assertEquals(List.of(), names(dir), "neither the folder nor its temporary");
    }

    /** Kills {@code p} (SIGKILL) as soon as {@code ready} holds or it printed a line containing {@code line}. */
    private static String killWhen(Process p, String line, BooleanSupplier ready) throws Exception {
        StringBuilder seen = new StringBuilder();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) synchronized (seen) { seen.append(l).append('\n'); }
            } catch (IOException ignored) {
                // the process was killed
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (p.isAlive() && System.nanoTime() < deadline) {
            boolean printed;
            synchronized (seen) { printed = line != null && seen.toString().contains(line); }
            if (printed || (ready != null && ready.getAsBoolean())) break;
            Thread.sleep(1);
        }
        assertTrue(p.isAlive(), "still working when killed; it printed: " + seen);
        p.destroyForcibly(); // SIGKILL
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        reader.join(5000);
        synchronized (seen) { return seen.toString(); }
    }

    private static List<String> names(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(q -> q.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void synthModelKilledWhileWriting(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("m");
        Process p = cli("synth-model", "--preset", "tiny", "--out", out.toString());
        Path tmp = dir.resolve("m.tmp-" + p.pid());
        killWhen(p, null, () -> Files.exists(tmp.resolve("model.safetensors.tmp-" + p.pid())));
        assertFalse(Files.exists(out), "nothing under the final name");
        assertEquals(List.of("m.tmp-" + p.pid()), names(dir), "only the killed run's temporary");

        CliRunner again = CliRunner.run("synth-model", "--preset", "tiny", "--out", out.toString());
        assertEquals(0, again.code(), again.err());
        assertTrue(CheckpointLoader.isCheckpointFolder(out));
        assertEquals(List.of("m"), names(dir), "the stale temporary is gone");
    }

    @Test
    void calibrationAndBenchKilledMidway(@TempDir Path dir) throws Exception {
        ModelStore.resolve("tiny", line -> { }); // the synthetic weights exist: the killed run calibrates at once
        Path calibration = home.resolve("calibration");
        Process p = cli("generate", "--model", "tiny", "--max-new-tokens", "2", "hello");
        String printed = killWhen(p, "calibrating activation scales", null);
        assertTrue(printed.contains("calibrating"), printed);
        assertTrue(names(calibration).stream().noneMatch(n -> n.endsWith(".json")), "no cache entry: " + names(calibration));
        Files.createDirectories(calibration);
        Path stale = Files.writeString(calibration.resolve("0123456789abcdef-4x64.json.tmp-" + p.pid()), "{\"half");

        CliRunner gen = CliRunner.run("generate", "--model", "tiny", "--max-new-tokens", "2", "--json", "hello");
        assertEquals(0, gen.code(), gen.err());
        assertTrue(gen.err().contains("calibrating"), "recalibrated: " + gen.err());
        assertFalse(Files.exists(stale), "the killed run's temporary is cleaned");
        assertEquals(1, names(calibration).stream().filter(n -> n.endsWith(".json")).count(), names(calibration).toString());

        Path csv = dir.resolve("b.csv");
        Process b = cli("bench", "--model", "tiny", "--backends", "emu", "--prompt-lens", "64", "--gen", "16",
                "--repeats", "50", "--warmup", "0", "--power", "none", "--out", csv.toString());
        killWhen(b, "bench emu", null);
        Files.writeString(dir.resolve("b.csv.tmp-" + b.pid()), "date,machine\n"); // as if killed while writing it
        assertTrue(names(dir).stream().noneMatch(n -> n.equals("b.csv") || n.equals("b.png") || n.equals("b.svg")),
                "nothing under a final name: " + names(dir));
        CliRunner bench = CliRunner.run("bench", "--model", "tiny", "--backends", "emu", "--prompt-lens", "8", "--gen", "2",
                "--repeats", "1", "--warmup", "0", "--power", "none", "--out", csv.toString());
        assertEquals(0, bench.code(), bench.err());
        assertEquals(List.of("b.csv", "b.png", "b.svg"), names(dir), "outputs in place, no temporary left");
    }
}
