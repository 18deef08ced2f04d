package dev.fpgallm.model;

import dev.fpgallm.json.Json;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A memory-mapped safetensors file: 8-byte little-endian header length N, N bytes of JSON
 * ({@code name -> {dtype, shape, data_offsets: [begin, end]}}, offsets relative to the end of the header),
 * then the raw little-endian tensor data. Every bound is checked when the file is opened, so a tensor handed out
 * later always lies inside the file. The mapping is released by {@link #close()}.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** Headers beyond this are refused: real ones are a few tens of kilobytes. */
    static final long MAX_HEADER_BYTES = 100L << 20;

    /** One tensor's entry in the header. */
    public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {
        public long elementCount() {
            long n = 1;
            for (long s : shape) n = Math.multiplyExact(n, s);
            return n;
        }

        public String shapeString() {
            return Arrays.toString(shape);
        }
    }

    private final Path path;
    private final Arena arena;
    private final MemorySegment data;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, Arena arena, MemorySegment data, Map<String, TensorInfo> tensors,
                            Map<String, String> metadata) {
        this.path = path;
        this.arena = arena;
        this.data = data;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    public static SafetensorsFile open(Path path) {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            MemorySegment file = size == 0 ? MemorySegment.NULL : ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            SafetensorsFile f = parse(path, arena, file, size);
            arena = null; // owned by f now
            return f;
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(path + ": no such file");
        } catch (IOException e) {
            throw new ModelFormatException(path + ": cannot read: " + e.getMessage());
        } finally {
            if (arena != null) arena.close();
        }
    }

    /** A safetensors file held in memory ({@code path} names it in messages): what the fuzz test reads. */
    static SafetensorsFile of(Path path, byte[] bytes) {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment copy = arena.allocate(Math.max(1, bytes.length));
            MemorySegment.copy(bytes, 0, copy, ValueLayout.JAVA_BYTE, 0, bytes.length);
            SafetensorsFile f = parse(path, arena, copy, bytes.length);
            arena = null; // owned by f now
            return f;
        } finally {
            if (arena != null) arena.close();
        }
    }

    private static SafetensorsFile parse(Path path, Arena arena, MemorySegment file, long size) {
        if (size < 8) throw bad(path, "file is " + size + " bytes, shorter than the 8-byte header length");
        long headerLen = file.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (headerLen < 2 || headerLen > size - 8)
            throw bad(path, "header length " + Long.toUnsignedString(headerLen) + " reaches beyond the file ("
                    + size + " bytes)");
        if (headerLen > MAX_HEADER_BYTES) throw bad(path, "header of " + headerLen + " bytes is implausibly large");
        byte[] headerBytes = file.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE);
        String header;
        try {
            header = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(headerBytes)).toString();
        } catch (CharacterCodingException e) {
            throw bad(path, "header is not UTF-8");
        }
        Map<String, Object> json;
        try {
            json = Json.parseObject(header.stripTrailing());
        } catch (Json.JsonException e) {
            throw bad(path, "header is not a JSON object: " + e.getMessage());
        }
        long dataStart = 8 + headerLen;
        long dataLen = size - dataStart;
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : json.entrySet()) {
            String name = e.getKey();
            if (name.equals("__metadata__")) {
                if (!(e.getValue() instanceof Map<?, ?> m)) throw bad(path, "__metadata__ is not an object");
                for (Map.Entry<?, ?> me : m.entrySet()) {
                    if (!(me.getValue() instanceof String s)) throw bad(path, "__metadata__ values must be strings");
                    metadata.put(String.valueOf(me.getKey()), s);
                }
                continue;
            }
            tensors.put(name, tensorInfo(path, name, e.getValue(), dataLen));
        }
        checkTiling(path, tensors.values(), dataLen);
        MemorySegment data = file.asSlice(dataStart, dataLen);
        return new SafetensorsFile(path, arena, data, Collections.unmodifiableMap(tensors),
                Collections.unmodifiableMap(metadata));
    }

    private static TensorInfo tensorInfo(Path path, String name, Object entry, long dataLen) {
        if (!(entry instanceof Map<?, ?> m)) throw bad(path, "tensor '" + name + "' is not an object");
        if (!(m.get("dtype") instanceof String dtypeName)) throw bad(path, "tensor '" + name + "' has no dtype");
        DType dtype = DType.parse(dtypeName)
                .orElseThrow(() -> bad(path, "tensor '" + name + "' has unknown dtype '" + dtypeName + "'"));
        if (!(m.get("shape") instanceof List<?> shapeList)) throw bad(path, "tensor '" + name + "' has no shape");
        long[] shape = new long[shapeList.size()];
        for (int i = 0; i < shape.length; i++) {
            if (!(shapeList.get(i) instanceof Long l) || l < 0)
                throw bad(path, "tensor '" + name + "' has a bad shape " + shapeList);
            shape[i] = l;
        }
        if (!(m.get("data_offsets") instanceof List<?> off) || off.size() != 2
                || !(off.get(0) instanceof Long begin) || !(off.get(1) instanceof Long end))
            throw bad(path, "tensor '" + name + "' needs data_offsets [begin, end]");
        if (begin < 0 || end < begin || end > dataLen)
            throw bad(path, "tensor '" + name + "' data_offsets [" + begin + ", " + end + "] lie outside the "
                    + dataLen + " data bytes");
        TensorInfo t = new TensorInfo(name, dtype, shape, begin, end);
        long expected;
        try {
            expected = Math.multiplyExact(t.elementCount(), dtype.bytes);
        } catch (ArithmeticException ex) {
            throw bad(path, "tensor '" + name + "' shape " + t.shapeString() + " is too large");
        }
        if (expected != end - begin)
            throw bad(path, "tensor '" + name + "' shape " + t.shapeString() + " x " + dtype + " needs " + expected
                    + " bytes but data_offsets give " + (end - begin));
        return t;
    }

    /**
     * The data section must be exactly tiled by the tensors, as the format requires: in offset order each tensor
     * starts where the previous one ended, the first at 0, the last ending at the end of the file. A hole, an
     * overlap or trailing bytes mean a corrupt or hand-edited file.
     */
    private static void checkTiling(Path path, java.util.Collection<TensorInfo> all, long dataLen) {
        List<TensorInfo> sorted = new ArrayList<>(all);
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long at = 0;
        TensorInfo previous = null;
        for (TensorInfo t : sorted) {
            if (t.begin() < at)
                throw bad(path, "tensors '" + previous.name() + "' and '" + t.name() + "' overlap in the data section");
            if (t.begin() > at)
                throw bad(path, "data bytes [" + at + ", " + t.begin() + ") before tensor '" + t.name()
                        + "' belong to no tensor (the data section must be exactly tiled by the tensors)");
            at = t.end();
            previous = t;
        }
        if (at != dataLen)
            throw bad(path, (dataLen - at) + " bytes after the last tensor belong to no tensor (trailing data: the "
                    + "data section must be exactly tiled by the tensors)");
    }

    private static ModelFormatException bad(Path path, String what) {
        return new ModelFormatException(path + ": " + what);
    }

    public Path path() {
        return path;
    }

    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    /** The raw bytes of a tensor, valid until {@link #close()}. */
    public MemorySegment bytes(String name) {
        TensorInfo t = info(name);
        return data.asSlice(t.begin(), t.end() - t.begin());
    }

    public TensorInfo info(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) throw bad(path, "missing tensor '" + name + "'");
        return t;
    }

    /**
     * A floating tensor converted to FP32, after checking that its shape is {@code expectedShape}.
     * F16 and BF16 are widened exactly.
     */
    public float[] floats(String name, long... expectedShape) {
        TensorInfo t = info(name);
        if (!Arrays.equals(t.shape(), expectedShape))
            throw bad(path, "tensor '" + name + "' has shape " + t.shapeString() + ", expected "
                    + Arrays.toString(expectedShape));
        if (!t.dtype().isFloatingWeight())
            throw bad(path, "tensor '" + name + "' is " + t.dtype() + "; weights must be F32, F16 or BF16");
        long n = t.elementCount();
        if (n > Integer.MAX_VALUE - 8) throw bad(path, "tensor '" + name + "' is too large for one array");
        float[] out = new float[(int) n];
        MemorySegment src = bytes(name);
        int bad = switch (t.dtype()) {
            case F32 -> copyF32(src, out);
            case F16 -> {
                ValueLayout.OfShort le = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
                int first = -1;
                for (int i = 0; i < out.length; i++) {
                    float v = Float.float16ToFloat(src.getAtIndex(le, i));
                    if (first < 0 && !Float.isFinite(v)) first = i;
                    out[i] = v;
                }
                yield first;
            }
            case BF16 -> {
                ValueLayout.OfShort le = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
                int first = -1;
                for (int i = 0; i < out.length; i++) {
                    float v = Float.intBitsToFloat((src.getAtIndex(le, i) & 0xFFFF) << 16);
                    if (first < 0 && !Float.isFinite(v)) first = i;
                    out[i] = v;
                }
                yield first;
            }
            default -> throw new IllegalStateException();
        };
        if (bad >= 0)
            throw bad(path, "tensor '" + name + "' holds " + out[bad] + " at " + index(t.shape(), bad)
                    + ": every weight must be finite");
        return out;
    }

    /** Values copied per block: the block is checked while it is still in cache, so the file is read once. */
    private static final int BLOCK = 16 * 1024;

    /** Copies little-endian F32 values; the index of the first NaN or infinity, or -1. */
    private static int copyF32(MemorySegment src, float[] out) {
        ValueLayout.OfFloat le = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (int from = 0; from < out.length; from += BLOCK) {
            int len = Math.min(BLOCK, out.length - from);
            MemorySegment.copy(src, le, 4L * from, out, from, len);
            for (int i = from; i < from + len; i++)
                if ((Float.floatToRawIntBits(out[i]) & 0x7F80_0000) == 0x7F80_0000) return i;
        }
        return -1;
    }

    /** A flat index as coordinates, e.g. [3, 17]. */
    static String index(long[] shape, long flat) {
        long[] at = new long[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            at[d] = shape[d] == 0 ? 0 : flat % shape[d];
            flat = shape[d] == 0 ? 0 : flat / shape[d];
        }
        return Arrays.toString(at);
    }

    @Override
    public void close() {
        arena.close();
    }
}
