package dev.fpgallm.quant;

import dev.fpgallm.CacheHome;
import dev.fpgallm.Progress;
import dev.fpgallm.UserError;
import dev.fpgallm.io.AtomicWrite;
import dev.fpgallm.io.Temporaries;
import dev.fpgallm.json.Json;
import dev.fpgallm.model.Block;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.model.Linear;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * Calibration costs seconds on DistilGPT2, so its result is kept under {@code $FPGA_LLM_HOME/calibration}. The key
 * covers everything the ranges depend on: every weight, every config field the FP32 reference reads (sizes,
 * layer_norm_epsilon, activation_function), the calibration text and its size, and {@link #FORMAT}. An entry is
 * checked when read (its key, a checksum of its values, the model's shape, finite non-negative ranges); a bad one is
 * recomputed with a one-line note, never used.
 */
public final class CalibrationCache {
    public static final int SEQUENCES = 4;
    public static final int LENGTH = 64;
    /** Bumped when the calibration procedure or this file's layout changes. */
    static final int FORMAT = 2;
    /** A cache entry is a few kilobytes; a larger file is not one of ours. */
    static final long MAX_ENTRY_BYTES = 1 << 20;

    private CalibrationCache() {
    }

    public static ActivationRanges ranges(Gpt2Weights w, Consumer<String> notice) {
        return ranges(w, Progress.Sink.lines(notice));
    }

    /** The cached ranges, or calibrates with its progress on {@code progress}; notes go there too. */
    public static ActivationRanges ranges(Gpt2Weights w, Progress.Sink progress) {
        Consumer<String> notice = progress::note;
        String key = key(w);
        Path dir = CacheHome.path().resolve("calibration");
        Path file = dir.resolve(key + "-" + SEQUENCES + "x" + LENGTH + ".json");
        if (Files.exists(file)) {
            try {
                return read(file, key, w.config());
            } catch (IOException | RuntimeException e) {
                notice.accept("note: recalibrating: the cached calibration " + file + " is unusable ("
                        + (e instanceof IOException io ? AtomicWrite.reason(io) : e.getMessage()) + ")");
            }
        }
        ActivationRanges r;
        try (Progress p = progress.start("calibrating activation scales on the FP32 reference, once per model", SEQUENCES,
                "sequences of " + LENGTH + " tokens")) {
            r = Calibration.run(w, SEQUENCES, LENGTH, p::step);
        }
        String bad = r.firstNonFinite();
        if (bad != null)
            throw new UserError(w.config().name() + ": the FP32 reference's activations are not finite on the "
                    + "calibration text (" + bad + "): the weights overflow FP32, so the model cannot be quantized "
                    + "for the NPU");
        try {
            Files.createDirectories(dir);
            Temporaries.cleanStaleIn(dir);
            AtomicWrite.replace(file, Json.writePretty(entry(key, r)).getBytes(StandardCharsets.UTF_8));
        } catch (IOException | UserError e) {
            notice.accept("note: cannot cache calibration in " + dir + ": "
                    + (e instanceof IOException io ? AtomicWrite.reason(io) : e.getMessage()));
        }
        return r;
    }

    private static Map<String, Object> entry(String key, ActivationRanges r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", (long) FORMAT);
        m.put("key", key);
        m.put("checksum", HexFormat.of().toHexDigits(r.checksum()));
        m.put("ranges", r.toMap());
        m.putAll(dev.fpgallm.BuildInfo.current().toMap()); // which build calibrated (not read back)
        return m;
    }

    @SuppressWarnings("unchecked")
    private static ActivationRanges read(Path file, String key, Gpt2Config c) throws IOException {
        if (Files.size(file) > MAX_ENTRY_BYTES) throw new IllegalArgumentException("larger than 1 MiB");
        Map<String, Object> m = Json.parseObject(Files.readString(file));
        if (!Long.valueOf(FORMAT).equals(m.get("format"))) throw new IllegalArgumentException("format " + m.get("format"));
        if (!key.equals(m.get("key"))) throw new IllegalArgumentException("its key is not this model's");
        if (!(m.get("ranges") instanceof Map<?, ?> ranges)) throw new IllegalArgumentException("no ranges");
        ActivationRanges r = ActivationRanges.fromMap((Map<String, Object>) ranges, c.nLayer(), c.nEmbd());
        if (!HexFormat.of().toHexDigits(r.checksum()).equals(m.get("checksum")))
            throw new IllegalArgumentException("checksum mismatch: edited or damaged");
        return r;
    }

    /** The cache key: the weights' fingerprint with the calibration text, size and format. */
    static String key(Gpt2Weights w) {
        long h = mix(Long.parseUnsignedLong(fingerprint(w), 16) ^ Calibration.TEXT.hashCode());
        h = mix(h ^ (FORMAT * 1_000_003L + SEQUENCES * 1009L + LENGTH));
        return HexFormat.of().toHexDigits(h);
    }

    /** A 64-bit fingerprint of every weight and of every config field the forward pass reads, computed in parallel. */
    public static String fingerprint(Gpt2Weights w) {
        java.util.List<float[]> arrays = new java.util.ArrayList<>();
        arrays.add(w.wte());
        arrays.add(w.wpe());
        for (Block b : w.blocks()) {
            arrays.add(b.ln1().gamma());
            arrays.add(b.ln1().beta());
            arrays.add(b.ln2().gamma());
            arrays.add(b.ln2().beta());
            for (Linear l : new Linear[] {b.attnQkv(), b.attnProj(), b.mlpFc(), b.mlpProj()}) {
                arrays.add(l.weight());
                arrays.add(l.bias());
            }
        }
        arrays.add(w.lnF().gamma());
        arrays.add(w.lnF().beta());
        if (!w.tiedLmHead()) arrays.add(w.lmHead());
        long[] parts = IntStream.range(0, arrays.size()).parallel().mapToLong(i -> hash(arrays.get(i), i)).toArray();
        Gpt2Config c = w.config();
        long h = mix(c.nLayer() * 31L + c.nEmbd());
        h = mix(h ^ (c.nHead() * 31L + c.nPositions()));
        h = mix(h ^ c.vocabSize() ^ (w.tiedLmHead() ? 1L << 40 : 0));
        h = mix(h ^ Double.doubleToLongBits(c.layerNormEpsilon()));
        h = mix(h ^ c.activationFunction().hashCode());
        for (long p : parts) h = mix(h ^ p);
        return HexFormat.of().toHexDigits(h);
    }

    private static long hash(float[] a, int salt) {
        long h = mix(salt + 0x9E3779B97F4A7C15L * a.length);
        for (float v : a) h = mix(h ^ Float.floatToRawIntBits(v));
        return h;
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
