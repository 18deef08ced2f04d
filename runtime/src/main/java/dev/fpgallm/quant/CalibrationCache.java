package dev.fpgallm.quant;

import dev.fpgallm.json.Json;
import dev.fpgallm.model.Block;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.model.Linear;
import dev.fpgallm.model.ModelStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HexFormat;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * Calibration costs seconds on DistilGPT2, so its result is kept under {@code $FPGA_LLM_HOME/calibration}, keyed by a
 * fingerprint of the weights and the calibration size: any change to either calibrates again.
 */
public final class CalibrationCache {
    public static final int SEQUENCES = 4;
    public static final int LENGTH = 64;

    private CalibrationCache() {
    }

    public static ActivationRanges ranges(Gpt2Weights w, Consumer<String> notice) {
        Path file = ModelStore.home().resolve("calibration")
                .resolve(fingerprint(w) + "-" + SEQUENCES + "x" + LENGTH + ".json");
        if (Files.isRegularFile(file)) {
            try {
                return ActivationRanges.fromMap(Json.parseObject(Files.readString(file)));
            } catch (IOException | RuntimeException e) {
                notice.accept("note: ignoring unreadable calibration cache " + file + " (" + e.getMessage() + ")");
            }
        }
        notice.accept("calibrating activation scales on the FP32 reference (" + SEQUENCES + " x " + LENGTH
                + " tokens; once per model) ...");
        ActivationRanges r = Calibration.run(w, SEQUENCES, LENGTH);
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp-" + ProcessHandle.current().pid());
            java.util.Map<String, Object> m = r.toMap();
            m.putAll(dev.fpgallm.BuildInfo.current().toMap()); // which build calibrated (fromMap reads only the ranges)
            Files.writeString(tmp, Json.writePretty(m));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            notice.accept("note: cannot cache calibration in " + file.getParent() + ": " + e.getMessage());
        }
        return r;
    }

    /** A 64-bit fingerprint of every weight (and the shape), computed in parallel. */
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
        long h = w.config().toString().hashCode();
        for (long p : parts) h = mix(h ^ p);
        return HexFormat.of().toHexDigits(h);
    }

    private static long hash(float[] a, int salt) {
        long h = mix(salt + 0x9E3779B97F4A7C15L * a.length);
        for (float v : a) h = mix(h ^ Float.floatToRawIntBits(v));
        return h;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
