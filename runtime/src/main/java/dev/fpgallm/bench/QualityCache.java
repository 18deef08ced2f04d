package dev.fpgallm.bench;

import dev.fpgallm.CacheHome;
import dev.fpgallm.BuildInfo;
import dev.fpgallm.io.AtomicWrite;
import dev.fpgallm.json.Json;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.Consumer;

/**
 * bench --quality's quality_drop_pct, kept under {@code $FPGA_LLM_HOME/quality} per model (a fingerprint of its
 * weights) and configuration (backend, precision, softmax, corpus), for the build that measured it: the FP32
 * reference and the corpus cost minutes on DistilGPT2, the number does not change until the weights or the code do.
 * A file is used only if every recorded field matches what is asked and the build is the same commit; only clean
 * builds (a known commit, no uncommitted changes) use the cache at all, since otherwise the code is not identified.
 */
public final class QualityCache {
    private final Path dir;
    private final BuildInfo build;

    public QualityCache(Path dir, BuildInfo build) {
        this.dir = dir;
        this.build = build;
    }

    public static QualityCache inHome() {
        return new QualityCache(CacheHome.path().resolve("quality"), BuildInfo.current());
    }

    /** What a cached figure must have been measured with. */
    public record Key(String weights, String model, String backend, String precision, String softmax, int sequences,
                      int window, long seed) {
        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("weights_fingerprint", weights);
            m.put("model", model);
            m.put("backend", backend);
            m.put("precision", precision);
            m.put("softmax_mode", softmax);
            m.put("corpus", "sampled from the FP32 model");
            m.put("corpus_sequences", (long) sequences);
            m.put("corpus_window", (long) window);
            m.put("corpus_seed", seed);
            return m;
        }

        String fileName() {
            return (backend + "-" + precision + "-" + softmax + "-" + sequences + "x" + window + "-seed" + seed)
                    .replaceAll("[^A-Za-z0-9._+-]", "_") + ".json";
        }
    }

    /** Why this build does not use the cache, if it does not. */
    public Optional<String> unavailable() {
        if (build.commit().equals(BuildInfo.UNKNOWN)) return Optional.of("the build's commit is unknown");
        if (build.dirty()) return Optional.of("the build has uncommitted changes");
        return Optional.empty();
    }

    public Path file(Key key) {
        return dir.resolve(key.weights()).resolve(key.fileName());
    }

    /** The cached figure, if a valid file for this key and build exists; a file that does not match is reported and ignored. */
    public OptionalDouble read(Key key, Consumer<String> notice) {
        if (unavailable().isPresent()) return OptionalDouble.empty();
        Path file = file(key);
        if (!Files.isRegularFile(file)) return OptionalDouble.empty();
        try {
            Map<String, Object> m = Json.parseObject(Files.readString(file, StandardCharsets.UTF_8));
            Map<String, Object> expected = new LinkedHashMap<>(key.toMap());
            expected.putAll(build.toMap());
            for (Map.Entry<String, Object> e : expected.entrySet())
                if (!Objects.equals(String.valueOf(m.get(e.getKey())), String.valueOf(e.getValue())))
                    throw new IllegalStateException(e.getKey() + " is " + m.get(e.getKey()) + ", not " + e.getValue());
            if (!(m.get("quality_drop_pct") instanceof Number n) || !Double.isFinite(n.doubleValue()))
                throw new IllegalStateException("no finite quality_drop_pct");
            return OptionalDouble.of(n.doubleValue());
        } catch (IOException | RuntimeException e) {
            notice.accept("note: ignoring quality cache " + file + " (" + e.getMessage() + ")");
            return OptionalDouble.empty();
        }
    }

    public void write(Key key, double dropPct, Consumer<String> notice) {
        if (unavailable().isPresent()) return;
        Map<String, Object> m = new LinkedHashMap<>(build.toMap());
        m.putAll(key.toMap());
        m.put("quality_drop_pct", BigDecimal.valueOf(dropPct));
        m.put("date", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        Path file = file(key);
        try {
            Files.createDirectories(file.getParent());
            AtomicWrite.replace(file, Json.writePretty(m).getBytes(StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            notice.accept("note: cannot cache quality_drop_pct in " + file.getParent() + ": " + e.getMessage());
        }
    }
}
