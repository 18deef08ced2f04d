package dev.fpgallm.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFileTest {
    @TempDir
    Path dir;

    /** A file with the given header text and data bytes; headerLength overrides the real length when >= 0. */
    private Path file(String header, byte[] data, long headerLength) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLength >= 0 ? headerLength : h.length).put(h).put(data);
        Path p = dir.resolve("m.safetensors");
        Files.write(p, b.array());
        return p;
    }

    private Path file(String header, int dataBytes) throws IOException {
        return file(header, new byte[dataBytes], -1);
    }

    private String error(Path p) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SafetensorsFile.open(p).close());
        assertTrue(e.getMessage().startsWith(p.toString()), "message names the file: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void readsF32F16Bf16() throws IOException {
        ByteBuffer data = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        data.putFloat(1.5f).putFloat(-2f);                           // F32 [2]
        data.putShort(Float.floatToFloat16(0.25f)).putShort(Float.floatToFloat16(-3f)); // F16 [2]
        data.putShort((short) (Float.floatToIntBits(7f) >>> 16)).putShort((short) (Float.floatToIntBits(-0.5f) >>> 16)); // BF16
        Path p = file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F16\",\"shape\":[1,2],\"data_offsets\":[8,12]},"
                + "\"c\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[12,16]},\"__metadata__\":{\"format\":\"pt\"}}",
                data.array(), -1);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertArrayEquals(new float[] {1.5f, -2f}, f.floats("a", 2));
            assertArrayEquals(new float[] {0.25f, -3f}, f.floats("b", 1, 2));
            assertArrayEquals(new float[] {7f, -0.5f}, f.floats("c", 2));
            assertEquals("pt", f.metadata().get("format"));
            assertThrows(ModelFormatException.class, () -> f.floats("a", 3));
            assertThrows(ModelFormatException.class, () -> f.floats("missing", 1));
        }
    }

    @Test
    void headerLengthBeyondFile() throws IOException {
        assertTrue(error(file("{}", new byte[0], 1000)).contains("beyond the file"));
        assertTrue(error(file("{}", new byte[0], -2 >>> 1)).contains("beyond the file"));
        Path tiny = dir.resolve("short.safetensors");
        Files.write(tiny, new byte[] {1, 2, 3});
        assertTrue(error(tiny).contains("shorter than"));
    }

    @Test
    void offsetsOutsideData() throws IOException {
        assertTrue(error(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8))
                .contains("outside"));
        assertTrue(error(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", 8))
                .contains("outside"));
    }

    @Test
    void overlappingTensors() throws IOException {
        String msg = error(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12));
        assertTrue(msg.contains("overlap"), msg);
    }

    @Test
    void unknownDtype() throws IOException {
        assertTrue(error(file("{\"a\":{\"dtype\":\"F8_E9\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2))
                .contains("unknown dtype 'F8_E9'"));
    }

    @Test
    void shapeNotMatchingByteLength() throws IOException {
        String msg = error(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8));
        assertTrue(msg.contains("needs 12 bytes"), msg);
    }

    @Test
    void nonJsonHeader() throws IOException {
        assertTrue(error(file("not json at all", 0)).contains("not a JSON object"));
        assertTrue(error(file("[1,2]", 0)).contains("not a JSON object"));
    }

    @Test
    void nonWeightDtypeIsRefusedWhenRead() throws IOException {
        Path p = file("{\"a\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertThrows(ModelFormatException.class, () -> f.floats("a", 1));
        }
    }

    @Test
    void missingRequiredTensorNamesIt() throws IOException {
        Path folder = dir.resolve("model");
        SyntheticCheckpoint.write(Gpt2Config.tiny(), 1, folder);
        // Rewrite the file without one tensor.
        SafetensorsWriter w = new SafetensorsWriter();
        try (SafetensorsFile f = SafetensorsFile.open(folder.resolve("model.safetensors"))) {
            for (var t : f.tensors().values()) {
                if (t.name().equals("transformer.h.1.mlp.c_fc.bias")) continue;
                w.put(t.name(), f.floats(t.name(), t.shape()), t.shape());
            }
        }
        w.write(folder.resolve("model.safetensors"));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> CheckpointLoader.load(folder));
        assertTrue(e.getMessage().contains("missing tensor 'transformer.h.1.mlp.c_fc.bias'"), e.getMessage());
    }
}
