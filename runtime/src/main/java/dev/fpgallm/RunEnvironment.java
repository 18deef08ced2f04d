package dev.fpgallm;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Where and with what a measurement was made, as llama-bench records it: the fpga-llm build, the JDK, ONNX Runtime,
 * the OS, the CPU, the threads the backends use, the RAM and the load average when the run started. Captured once
 * per run; bench writes it into every row, eval into its JSON.
 *
 * @param threads     threads the backends compute on ({@code --threads}: the emulator's workers, ONNX Runtime's
 *                    intra-op threads, the FP32 reference's threads; one per core the JVM may use by default)
 * @param loadAverage the 1-minute load average at the start (empty where the OS does not report one)
 */
public record RunEnvironment(BuildInfo build, String host, String os, String arch, String cpu, int cores, int threads,
                             long ramBytes, String jdk, String onnxRuntime, OptionalDouble loadAverage) {

    /** The machine now, its backends on one thread per core. */
    public static RunEnvironment capture() {
        return capture(Runtime.getRuntime().availableProcessors());
    }

    /** The machine now, its backends on {@code threads} threads. */
    public static RunEnvironment capture(int threads) {
        int cores = Runtime.getRuntime().availableProcessors();
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        return new RunEnvironment(BuildInfo.current(), hostName(), System.getProperty("os.name") + " " + System.getProperty("os.version"),
                System.getProperty("os.arch"), cpuModel(), cores, threads, totalRam(),
                System.getProperty("java.vendor") + " " + Runtime.version(), onnxRuntimeVersion(),
                load < 0 ? OptionalDouble.empty() : OptionalDouble.of(load));
    }

    /** The template's machine column: host name, CPU model and the cores the JVM may use. */
    public String machine() {
        return host + "; " + cpu + "; " + cores + " cores";
    }

    /** One line for stderr when the load average at the start exceeds the cores: timings will be slow and noisy. */
    public Optional<String> loadWarning() {
        if (loadAverage.isEmpty() || loadAverage.getAsDouble() <= cores) return Optional.empty();
        return Optional.of(String.format(Locale.ROOT, "warning: the load average is %.2f on %d cores: other work competes "
                + "for the CPU, so these timings will be slower and noisier than on an idle machine", loadAverage.getAsDouble(), cores));
    }

    public String ramGib() {
        return ramBytes <= 0 ? "n/a" : String.format(Locale.ROOT, "%.1f", ramBytes / (1024.0 * 1024 * 1024));
    }

    public String loadAverageText() {
        return loadAverage.isPresent() ? String.format(Locale.ROOT, "%.2f", loadAverage.getAsDouble()) : "n/a";
    }

    /** Every field under its JSON/CSV name, in a fixed order (build first). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>(build.toMap());
        m.put("jdk", jdk);
        m.put("onnxruntime_version", onnxRuntime);
        m.put("os", os);
        m.put("arch", arch);
        m.put("host", host);
        m.put("cpu", cpu);
        m.put("cores", (long) cores);
        m.put("threads", (long) threads);
        m.put("ram_gib", ramBytes <= 0 ? null : new BigDecimal(ramGib()));
        m.put("load_avg_start", loadAverage.isPresent() ? new BigDecimal(loadAverageText()) : null);
        return m;
    }

    /** One line for reports: "fpga-llm 0.1.0 (commit ...); JDK ...; ONNX Runtime ...; Linux ... amd64; CPU; ...". */
    public String describe() {
        return build.describe() + "; JDK " + jdk + "; ONNX Runtime " + onnxRuntime + "; " + os + " " + arch + "; " + cpu
                + ", " + cores + " cores, " + threads + " threads, " + ramGib() + " GiB RAM; load average " + loadAverageText()
                + " at start";
    }

    /** From the ONNX Runtime jar's manifest: no native library is loaded for it. */
    public static String onnxRuntimeVersion() {
        try {
            String v = Class.forName("ai.onnxruntime.OrtEnvironment", false, RunEnvironment.class.getClassLoader())
                    .getPackage().getImplementationVersion();
            return v == null ? "unknown" : v;
        } catch (ClassNotFoundException | LinkageError e) {
            return "absent";
        }
    }

    static long totalRam() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os)
            return os.getTotalMemorySize();
        return -1;
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
