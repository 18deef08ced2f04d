package dev.fpgallm.onnx;

import dev.fpgallm.CacheHome;
import dev.fpgallm.json.Json;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.LongStream;

/**
 * Passed import checks, kept under {@code $FPGA_LLM_HOME/onnx-checks} so that a file is run in ONNX Runtime once,
 * not at every command: keyed by the file's size, modification time and a 64-bit hash of all its bytes (and the
 * check's version), so any change to the file checks it again. Only passes are kept; a refusal is recomputed.
 */
final class ImportVerdicts {
    /** Bumped whenever the check or the importer changes what it accepts. */
    static final int VERSION = 1;
    private static final long CHUNK = 1 << 20;

    private ImportVerdicts() {
    }

    /** The key of a file as it is now: size, mtime, content hash; null when it cannot be read. */
    static String key(Path file) {
        try (Arena arena = Arena.ofShared(); FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            long mtime = Files.getLastModifiedTime(file).toMillis();
            MemorySegment bytes = size == 0 ? MemorySegment.NULL : ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            long chunks = (size + CHUNK - 1) / CHUNK;
            long[] parts = LongStream.range(0, chunks).parallel().map(i -> hash(bytes, i * CHUNK, Math.min(size, (i + 1) * CHUNK))).toArray();
            long h = mix(size ^ 0x9E3779B97F4A7C15L);
            for (long p : parts) h = mix(h ^ p);
            return HexFormat.of().toHexDigits(h) + "-" + size + "-" + mtime + "-v" + VERSION;
        } catch (IOException e) {
            return null;
        }
    }

    private static final long P1 = 0x9E3779B185EBCA87L, P2 = 0xC2B2AE3D27D4EB4FL;

    /** Four independent multiply-rotate lanes over 32-byte strides (as fast hashes do): memory-bound, not mix-bound. */
    private static long hash(MemorySegment s, long from, long to) {
        ValueLayout.OfLong word = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        long a = from + P1, b = from ^ P2, c = from - P1, d = ~from;
        long i = from;
        for (; i + 32 <= to; i += 32) {
            a = Long.rotateLeft(a + s.get(word, i) * P2, 31) * P1;
            b = Long.rotateLeft(b + s.get(word, i + 8) * P2, 31) * P1;
            c = Long.rotateLeft(c + s.get(word, i + 16) * P2, 31) * P1;
            d = Long.rotateLeft(d + s.get(word, i + 24) * P2, 31) * P1;
        }
        long h = mix(a) ^ Long.rotateLeft(mix(b), 17) ^ Long.rotateLeft(mix(c), 29) ^ Long.rotateLeft(mix(d), 43);
        for (; i < to; i++) h = mix(h ^ s.get(ValueLayout.JAVA_BYTE, i));
        return h;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static Path fileFor(String key) {
        return CacheHome.path().resolve("onnx-checks").resolve(key + ".json");
    }

    static boolean passed(String key) {
        if (key == null) return false;
        Path f = fileFor(key);
        if (!Files.isRegularFile(f)) return false;
        try {
            Map<String, Object> m = Json.parseObject(Files.readString(f));
            return key.equals(m.get("key")) && "passed".equals(m.get("verdict"));
        } catch (IOException | RuntimeException e) {
            return false; // unreadable: check again
        }
    }

    /** Records a pass; a cache that cannot be written only costs a check next time. */
    static void record(String key, Path file, double worst) {
        if (key == null) return;
        Path f = fileFor(key);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("key", key);
        m.put("file", file.toAbsolutePath().toString());
        m.put("verdict", "passed");
        m.put("largest_relative_difference", worst);
        try {
            Files.createDirectories(f.getParent());
            Path tmp = f.resolveSibling(f.getFileName() + ".tmp-" + ProcessHandle.current().pid());
            Files.writeString(tmp, Json.writePretty(m));
            Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            // best effort
        }
    }
}
