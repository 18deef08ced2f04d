package dev.fpgallm.onnx;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.fpgallm.onnx.proto.Onnx.TensorProto;
import dev.fpgallm.onnx.proto.Onnx.TensorProto.DataType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/** Converts between Java arrays and ONNX tensors (raw_data is little-endian, fixed width, row-major). */
final class TensorData {
    private TensorData() {
    }

    static TensorProto floats(String name, float[] values, long... dims) {
        ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(values.length, 4)).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        // The buffer is never touched again, so protobuf may keep it instead of copying 4 bytes per weight.
        return tensor(name, DataType.FLOAT, UnsafeByteOperations.unsafeWrap(b), dims);
    }

    /**
     * A weight tensor whose bytes live in {@code arena}'s native memory, not on the Java heap: a model's worth of
     * them is then freed the moment the arena closes instead of lingering as garbage in a grown heap.
     */
    static TensorProto floats(Arena arena, String name, float[] values, long... dims) {
        MemorySegment bytes = arena.allocate(Math.multiplyExact((long) values.length, 4), 64);
        MemorySegment.copy(values, 0, bytes, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, values.length);
        return tensor(name, DataType.FLOAT, UnsafeByteOperations.unsafeWrap(bytes.asByteBuffer()), dims);
    }

    static TensorProto longs(String name, long[] values, long... dims) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        return tensor(name, DataType.INT64, UnsafeByteOperations.unsafeWrap(b), dims);
    }

    private static TensorProto tensor(String name, DataType type, ByteString raw, long... dims) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type.getNumber()).setRawData(raw);
        for (long d : dims) t.addDims(d);
        return t.build();
    }

    /** Tensors larger than this are refused: one Java array holds at most about 2^31 elements. */
    static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    /**
     * The element count of a tensor whose dims were {@link #check checked}; for an unchecked one, -1 when a dim
     * is negative or the product would pass {@link #MAX_ELEMENTS}, so that no caller multiplies into overflow.
     */
    static long elementCount(TensorProto t) {
        long n = 1;
        for (long d : t.getDimsList()) {
            if (d < 0) return -1;
            if (d != 0 && n > MAX_ELEMENTS / d) return -1;
            n *= d;
        }
        return n;
    }

    /**
     * Checks a tensor before anything reads it: no negative dimension, an element count one array can hold, a known
     * element type, data (raw or typed) of exactly the size the dims say, no external file, and every
     * floating-point element finite (NaN anywhere, or an infinity in a tensor of more than one element, is refused;
     * a scalar -inf is a legitimate mask fill value).
     *
     * @throws IllegalArgumentException saying what is wrong, to follow the tensor's name
     */
    static void check(TensorProto t) {
        for (long d : t.getDimsList())
            if (d < 0) throw new IllegalArgumentException("has a negative dimension (dims " + t.getDimsList() + ")");
        long n = elementCount(t);
        if (n < 0) throw new IllegalArgumentException("has dims " + t.getDimsList() + ": more than "
                + MAX_ELEMENTS + " elements");
        if (isExternal(t)) throw new IllegalArgumentException("keeps its data in an external file, which fpga-llm does not read");
        DataType type = DataType.forNumber(t.getDataType());
        int width = elementBytes(t.getDataType());
        if (type == null || width == 0)
            throw new IllegalArgumentException("has element type " + typeName(t.getDataType()) + ", which fpga-llm does not read");
        long stored;
        if (t.hasRawData()) {
            stored = t.getRawData().size();
            if (stored != n * width)
                throw new IllegalArgumentException("has " + stored + " bytes of raw data, expected " + n * width
                        + " for dims " + t.getDimsList() + " of " + type);
        } else {
            stored = switch (type) {
                case FLOAT -> t.getFloatDataCount();
                case COMPLEX64 -> t.getFloatDataCount() / 2;
                case DOUBLE -> t.getDoubleDataCount();
                case COMPLEX128 -> t.getDoubleDataCount() / 2;
                case INT64 -> t.getInt64DataCount();
                case UINT32, UINT64 -> t.getUint64DataCount();
                default -> t.getInt32DataCount();
            };
            if (stored != n) throw new IllegalArgumentException("holds " + stored + " values, its dims " + t.getDimsList()
                    + " say " + n);
        }
        if (type == DataType.FLOAT || type == DataType.FLOAT16 || type == DataType.BFLOAT16 || type == DataType.DOUBLE) {
            long bad = firstNonFinite(t, type, n);
            if (bad >= 0) {
                double v = doubleAt(t, type, bad);
                if (Double.isNaN(v) || n > 1)
                    throw new IllegalArgumentException("holds " + v + " at element " + bad + " (weights must be finite)");
            }
        }
    }

    /** The index of the first NaN or infinity, or -1. */
    private static long firstNonFinite(TensorProto t, DataType type, long n) {
        if (!t.hasRawData()) {
            for (int i = 0; i < n; i++) if (!Double.isFinite(doubleAt(t, type, i))) return i;
            return -1;
        }
        ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case FLOAT -> {
                for (int i = 0; i < n; i++) if ((raw.getInt(4 * i) & 0x7F800000) == 0x7F800000) return i;
            }
            case FLOAT16 -> {
                for (int i = 0; i < n; i++) if ((raw.getShort(2 * i) & 0x7C00) == 0x7C00) return i;
            }
            case BFLOAT16 -> {
                for (int i = 0; i < n; i++) if ((raw.getShort(2 * i) & 0x7F80) == 0x7F80) return i;
            }
            default -> {
                for (int i = 0; i < n; i++) if (!Double.isFinite(raw.getDouble(8 * i))) return i;
            }
        }
        return -1;
    }

    private static double doubleAt(TensorProto t, DataType type, long i) {
        int k = (int) i;
        if (t.hasRawData()) {
            ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            return switch (type) {
                case FLOAT -> raw.getFloat(4 * k);
                case DOUBLE -> raw.getDouble(8 * k);
                default -> half(type, raw.getShort(2 * k));
            };
        }
        return switch (type) {
            case FLOAT -> t.getFloatData(k);
            case DOUBLE -> t.getDoubleData(k);
            default -> half(type, (short) t.getInt32Data(k));
        };
    }

    static String typeName(int dataType) {
        DataType t = DataType.forNumber(dataType);
        return t == null ? "type " + dataType : t.name();
    }

    static int elementBytes(int dataType) {
        DataType t = DataType.forNumber(dataType);
        if (t == null) return 0;
        return switch (t) {
            case BOOL, INT8, UINT8 -> 1;
            case FLOAT16, BFLOAT16, INT16, UINT16 -> 2;
            case FLOAT, INT32, UINT32 -> 4;
            case DOUBLE, INT64, UINT64, COMPLEX64 -> 8;
            case COMPLEX128 -> 16;
            default -> 0;
        };
    }

    /** Bytes the tensor's values take (whichever field holds them). */
    static long byteSize(TensorProto t) {
        return Math.max(0, elementCount(t)) * elementBytes(t.getDataType());
    }

    static boolean isExternal(TensorProto t) {
        return t.getDataLocation() == TensorProto.DataLocation.EXTERNAL || t.getExternalDataCount() > 0;
    }

    /**
     * The values of a floating-point tensor as FP32: FLOAT, FLOAT16 and BFLOAT16, from raw_data or the typed field.
     *
     * @throws IllegalArgumentException with a reason when the tensor holds something else or is inconsistent
     */
    static float[] toFloats(TensorProto t) {
        long n = elementCount(t);
        if (n < 0 || n > MAX_ELEMENTS) throw new IllegalArgumentException("has " + n + " elements, too many for one array");
        if (isExternal(t)) throw new IllegalArgumentException("keeps its data in an external file, which fpga-llm does not read");
        DataType type = DataType.forNumber(t.getDataType());
        float[] out = new float[(int) n];
        if (type == DataType.FLOAT && !t.hasRawData()) {
            if (t.getFloatDataCount() != n) throw countMismatch(t.getFloatDataCount(), n);
            for (int i = 0; i < n; i++) out[i] = t.getFloatData(i);
            return out;
        }
        if ((type == DataType.FLOAT16 || type == DataType.BFLOAT16) && !t.hasRawData()) {
            // 16-bit floats without raw_data sit one per int32_data element.
            if (t.getInt32DataCount() != n) throw countMismatch(t.getInt32DataCount(), n);
            for (int i = 0; i < n; i++) out[i] = half(type, (short) t.getInt32Data(i));
            return out;
        }
        if (type != DataType.FLOAT && type != DataType.FLOAT16 && type != DataType.BFLOAT16)
            throw new IllegalArgumentException("is " + typeName(t.getDataType()) + ", not a floating-point tensor");
        ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        int width = elementBytes(t.getDataType());
        if (raw.remaining() != n * width) throw new IllegalArgumentException("has " + raw.remaining()
                + " bytes of raw data, expected " + n * width + " for shape " + t.getDimsList());
        if (type == DataType.FLOAT) raw.asFloatBuffer().get(out);
        else for (int i = 0; i < n; i++) out[i] = half(type, raw.getShort());
        return out;
    }

    private static float half(DataType type, short bits) {
        return type == DataType.FLOAT16 ? Float.float16ToFloat(bits) : Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** Integer values of a small integer or bool tensor (shapes, axes, split sizes, masks). */
    static long[] toLongs(TensorProto t) {
        long n = elementCount(t);
        if (n < 0 || n > 1 << 20) throw new IllegalArgumentException("has " + n + " elements, too many for an integer constant");
        if (isExternal(t)) throw new IllegalArgumentException("keeps its data in an external file");
        DataType type = DataType.forNumber(t.getDataType());
        long[] out = new long[(int) n];
        if (type == DataType.INT64) {
            if (!t.hasRawData()) {
                if (t.getInt64DataCount() != n) throw countMismatch(t.getInt64DataCount(), n);
                for (int i = 0; i < n; i++) out[i] = t.getInt64Data(i);
            } else {
                ByteBuffer raw = rawOf(t, n * 8);
                for (int i = 0; i < n; i++) out[i] = raw.getLong();
            }
            return out;
        }
        if (type == DataType.INT32) {
            if (!t.hasRawData()) {
                if (t.getInt32DataCount() != n) throw countMismatch(t.getInt32DataCount(), n);
                for (int i = 0; i < n; i++) out[i] = t.getInt32Data(i);
            } else {
                ByteBuffer raw = rawOf(t, n * 4);
                for (int i = 0; i < n; i++) out[i] = raw.getInt();
            }
            return out;
        }
        int width = elementBytes(t.getDataType());
        if (type == DataType.BOOL || type == DataType.INT8 || type == DataType.UINT8 || type == DataType.INT16
                || type == DataType.UINT16) {
            if (!t.hasRawData()) {
                if (t.getInt32DataCount() != n) throw countMismatch(t.getInt32DataCount(), n);
                for (int i = 0; i < n; i++) out[i] = t.getInt32Data(i);
            } else {
                ByteBuffer raw = rawOf(t, n * width);
                for (int i = 0; i < n; i++) {
                    out[i] = width == 1 ? raw.get() : raw.getShort();
                    if (type == DataType.UINT8) out[i] &= 0xFF;
                    if (type == DataType.UINT16) out[i] &= 0xFFFF;
                }
            }
            return out;
        }
        throw new IllegalArgumentException("is " + typeName(t.getDataType()) + ", not an integer tensor");
    }

    /** A small tensor's values as doubles, whatever its numeric type; for constants in patterns. */
    static double[] toDoubles(TensorProto t) {
        DataType type = DataType.forNumber(t.getDataType());
        if (type == DataType.INT64 || type == DataType.INT32) return Arrays.stream(toLongs(t)).asDoubleStream().toArray();
        if (type == DataType.DOUBLE) {
            long n = elementCount(t);
            if (n < 0 || n > 1 << 20) throw new IllegalArgumentException("has " + n + " elements, too many for a constant");
            if (!t.hasRawData()) return t.getDoubleDataList().stream().mapToDouble(Double::doubleValue).toArray();
            ByteBuffer raw = rawOf(t, n * 8);
            double[] out = new double[(int) n];
            for (int i = 0; i < n; i++) out[i] = raw.getDouble();
            return out;
        }
        float[] f = toFloats(t);
        double[] out = new double[f.length];
        for (int i = 0; i < f.length; i++) out[i] = f[i];
        return out;
    }

    private static ByteBuffer rawOf(TensorProto t, long bytes) {
        ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        if (raw.remaining() != bytes)
            throw new IllegalArgumentException("has " + raw.remaining() + " bytes of raw data, expected " + bytes);
        return raw;
    }

    private static IllegalArgumentException countMismatch(int found, long expected) {
        return new IllegalArgumentException("holds " + found + " values, its shape says " + expected);
    }
}
