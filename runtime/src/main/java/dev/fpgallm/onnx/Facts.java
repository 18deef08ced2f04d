package dev.fpgallm.onnx;

import dev.fpgallm.onnx.proto.Onnx.TensorProto.DataType;

/**
 * What the importer knows about one value of the graph before run time.
 *
 * @param dtype      ONNX element type (TensorProto.DataType number), 0 when unknown
 * @param shape      its dimensions, null when not even the rank is known
 * @param ints       the values of a small integer (or bool) tensor, row-major, possibly symbolic; null when unknown
 * @param reals      the values of a small floating-point tensor; null when unknown
 * @param zero       every element is known to be 0 (e.g. ConstantOfShape(..., 0)), whatever the shape
 * @param positional derived from positions: a Range, a Trilu, or a constant table of rank 2 or more (how causal
 *                   masks are built); a mask that is not cannot tell one position from another
 * @param fromMask   depends on the attention_mask input
 */
record Facts(int dtype, Dim[] shape, Dim[] ints, double[] reals, boolean zero, boolean positional, boolean fromMask) {
    /** Known values are kept only for tensors this small: shapes, axes, scalars, not weights. */
    static final int MAX_VALUES = 4096;

    static final Facts UNKNOWN = new Facts(0, null, null, null, false, false, false);

    static Facts of(int dtype, Dim[] shape) {
        return new Facts(dtype, shape, null, null, false, false, false);
    }

    Facts withShape(Dim[] s) {
        return new Facts(dtype, s, ints, reals, zero, positional, fromMask);
    }

    Facts withInts(Dim[] v) {
        return new Facts(dtype, shape, v, reals, zero, positional, fromMask);
    }

    Facts withReals(double[] v) {
        return new Facts(dtype, shape, ints, v, zero, positional, fromMask);
    }

    Facts withFlags(boolean isZero, boolean isPositional, boolean isFromMask) {
        return new Facts(dtype, shape, ints, reals, isZero, isPositional, isFromMask);
    }

    Facts withType(int t) {
        return new Facts(t, shape, ints, reals, zero, positional, fromMask);
    }

    int rank() {
        return shape == null ? -1 : shape.length;
    }

    /** Every value known and concrete (no symbolic size among them). */
    boolean constant() {
        if (reals != null) return true;
        if (ints == null) return false;
        for (Dim d : ints) if (!d.isConstant()) return false;
        return true;
    }

    /** The element count when the shape is fully concrete, else -1. */
    long count() {
        if (shape == null) return -1;
        long n = 1;
        for (Dim d : shape) {
            if (!d.isConstant() || d.value() < 0) return -1;
            n = Math.multiplyHigh(n, d.value()) != 0 ? Long.MAX_VALUE : n * d.value();
            if (n < 0 || n > Integer.MAX_VALUE) return Long.MAX_VALUE;
        }
        return n;
    }

    static boolean isFloat(int dtype) {
        return dtype == DataType.FLOAT_VALUE || dtype == DataType.FLOAT16_VALUE || dtype == DataType.BFLOAT16_VALUE
                || dtype == DataType.DOUBLE_VALUE;
    }

    static boolean isInteger(int dtype) {
        return switch (dtype) {
            case DataType.INT8_VALUE, DataType.INT16_VALUE, DataType.INT32_VALUE, DataType.INT64_VALUE,
                 DataType.UINT8_VALUE, DataType.UINT16_VALUE, DataType.UINT32_VALUE, DataType.UINT64_VALUE -> true;
            default -> false;
        };
    }

    /** A value as a float of the given type would hold it (FLOAT16 and BFLOAT16 round, DOUBLE keeps it). */
    static double round(double v, int dtype) {
        return switch (dtype) {
            case DataType.FLOAT_VALUE -> (float) v;
            case DataType.FLOAT16_VALUE -> Float.float16ToFloat(Float.floatToFloat16((float) v));
            case DataType.BFLOAT16_VALUE -> Float.intBitsToFloat(Float.floatToRawIntBits((float) v) & 0xFFFF0000);
            default -> v;
        };
    }
}
