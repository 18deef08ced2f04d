package dev.fpgallm.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Path;

/**
 * The safetensors reader on arbitrary bytes: a file is refused with a {@link ModelFormatException} or opened, and
 * then every floating tensor converts to exactly its element count of finite values (or is refused, naming a
 * non-finite one). Anything else (an index out of bounds, an overflow, ...) is a finding.
 */
class SafetensorsFuzzTest {
    private static final Path NAME = Path.of("fuzz.safetensors");

    @FuzzTest(maxDuration = "30s")
    void open(byte[] bytes) {
        SafetensorsFile f;
        try {
            f = SafetensorsFile.of(NAME, bytes);
        } catch (ModelFormatException refused) {
            return;
        }
        try (f) {
            long covered = 0;
            for (SafetensorsFile.TensorInfo t : f.tensors().values()) {
                covered += t.end() - t.begin();
                if (!t.dtype().isFloatingWeight() || t.elementCount() > 1 << 16) continue;
                try {
                    float[] v = f.floats(t.name(), t.shape());
                    assertEquals(t.elementCount(), v.length);
                    for (float x : v) assertTrue(Float.isFinite(x), t.name());
                } catch (ModelFormatException nonFinite) {
                    assertTrue(nonFinite.getMessage().contains("must be finite"), nonFinite.getMessage());
                }
            }
            long headerLength = java.nio.ByteBuffer.wrap(bytes, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
            assertEquals(bytes.length - 8 - headerLength, covered, "the tensors tile the data section exactly");
        }
    }
}
