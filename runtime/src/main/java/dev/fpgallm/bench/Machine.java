package dev.fpgallm.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** This machine for the CSV's machine column: host name, CPU model and the cores the JVM may use. */
public final class Machine {
    private Machine() {
    }

    public static String describe() {
        return hostName() + "; " + cpuModel() + "; " + Runtime.getRuntime().availableProcessors() + " cores";
    }

    static String hostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) return env.strip();
        return firstLine(Path.of("/etc/hostname")).orElse("unknown-host");
    }

    /** x86 names the model in /proc/cpuinfo; Arm boards such as the KV260 name the board in the device tree. */
    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo")))
                if (line.startsWith("model name")) return clean(line.substring(line.indexOf(':') + 1));
        } catch (IOException | RuntimeException ignored) {
            // not Linux, or not readable: fall through
        }
        Optional<String> board = firstLine(Path.of("/sys/firmware/devicetree/base/model"));
        return board.map(b -> clean(b) + " (" + System.getProperty("os.arch") + ")").orElse(System.getProperty("os.arch"));
    }

    private static Optional<String> firstLine(Path p) {
        try {
            String s = Files.readString(p).replace("\0", "").strip();
            return s.isEmpty() ? Optional.empty() : Optional.of(s.lines().findFirst().orElse(s));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** One line, no separators that would need quoting in the CSV. */
    private static String clean(String s) {
        return s.strip().replaceAll("[;,\\s]+", " ");
    }
}
