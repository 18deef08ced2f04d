package dev.fpgallm.model;

import dev.fpgallm.io.AtomicWrite;
import dev.fpgallm.json.Json;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * Writes F32 tensors as a safetensors file. The file appears atomically: it is written beside the target and
 * renamed, so a crash never leaves a half-written checkpoint behind.
 */
public final class SafetensorsWriter {
    private final Map<String, long[]> shapes = new LinkedHashMap<>();
    private final Map<String, float[]> values = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    public SafetensorsWriter put(String name, float[] data, long... shape) {
        long n = 1;
        for (long s : shape) n *= s;
        if (n != data.length) throw new IllegalArgumentException(name + ": " + data.length + " values for shape " + List.of(shape));
        if (shapes.put(name, shape.clone()) != null) throw new IllegalArgumentException("duplicate tensor " + name);
        values.put(name, data);
        return this;
    }

    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /** The bytes of the tensors' data (the file is this plus its header). */
    public long dataBytes() {
        long n = 0;
        for (float[] v : values.values()) n += 4L * v.length;
        return n;
    }

    /** Writes the file; a failure (full disk, no permission) is a {@link dev.fpgallm.UserError} and leaves nothing. */
    public void write(Path target) {
        write(target, bytes -> { });
    }

    /** As above; {@code written} hears of each chunk of tensor data as it goes out (progress). */
    public void write(Path target, LongConsumer written) {
        Map<String, Object> header = new LinkedHashMap<>();
        if (!metadata.isEmpty()) header.put("__metadata__", new LinkedHashMap<String, Object>(metadata));
        long offset = 0;
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            long bytes = 4L * values.get(e.getKey()).length;
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("dtype", "F32");
            t.put("shape", e.getValue());
            t.put("data_offsets", new long[] {offset, offset + bytes});
            header.put(e.getKey(), t);
            offset += bytes;
        }
        byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) & ~7; // keep the data 8-byte aligned, padding with spaces as the format allows
        AtomicWrite.write(target, out -> {
            ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(padded).put(json);
            while (head.hasRemaining()) head.put((byte) ' ');
            out.write(head.array());
            ByteBuffer chunk = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            for (float[] v : values.values()) {
                for (int i = 0; i < v.length; ) {
                    int n = Math.min(v.length - i, chunk.capacity() / 4);
                    chunk.clear();
                    chunk.asFloatBuffer().put(v, i, n);
                    out.write(chunk.array(), 0, 4 * n);
                    written.accept(4L * n);
                    i += n;
                }
            }
        });
    }
}
