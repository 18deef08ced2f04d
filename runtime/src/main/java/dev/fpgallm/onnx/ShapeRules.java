package dev.fpgallm.onnx;

import dev.fpgallm.onnx.proto.Onnx.AttributeProto;
import dev.fpgallm.onnx.proto.Onnx.NodeProto;
import dev.fpgallm.onnx.proto.Onnx.TensorProto;
import dev.fpgallm.onnx.proto.Onnx.TensorProto.DataType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Shape and value inference for the operators a GPT-2 export contains: each node's output {@link Facts} from its
 * inputs', with sizes as {@link Dim} polynomials. Values are computed only for small tensors (shapes, axes,
 * scalars), so the work per node is bounded whatever the graph; anything this cannot follow comes out unknown
 * rather than wrong.
 */
final class ShapeRules {
    static final int MAX_RANK = 8;

    private ShapeRules() {
    }

    /** Facts of a constant tensor (an initializer or a Constant node's value). */
    static Facts ofTensor(TensorProto t) {
        int rank = t.getDimsCount();
        Dim[] shape = new Dim[rank];
        for (int i = 0; i < rank; i++) shape[i] = Dim.of(t.getDims(i));
        Facts f = Facts.of(t.getDataType(), shape);
        long n = TensorData.elementCount(t);
        boolean positional = rank >= 2;
        if (n > Facts.MAX_VALUES) return f.withFlags(false, positional, false);
        try {
            if (Facts.isFloat(t.getDataType())) {
                double[] v = TensorData.toDoubles(t);
                return f.withReals(v).withFlags(allZero(v), positional, false);
            }
            if (Facts.isInteger(t.getDataType()) || t.getDataType() == DataType.BOOL_VALUE) {
                long[] v = TensorData.toLongs(t);
                Dim[] d = new Dim[v.length];
                boolean zero = true;
                for (int i = 0; i < v.length; i++) {
                    d[i] = Dim.of(v[i]);
                    zero &= v[i] == 0;
                }
                return f.withInts(d).withFlags(zero, positional, false);
            }
        } catch (IllegalArgumentException e) {
            return f;
        }
        return f.withFlags(false, positional, false);
    }

    private static boolean allZero(double[] v) {
        for (double x : v) if (x != 0) return false;
        return true;
    }

    /** The outputs' facts; {@code in[i]} is UNKNOWN for an omitted optional input. */
    static Facts[] infer(NodeProto n, Facts[] in, int opset) {
        Facts[] out = new Facts[n.getOutputCount()];
        Arrays.fill(out, Facts.UNKNOWN);
        Facts first = in.length > 0 ? in[0] : Facts.UNKNOWN;
        boolean positional = false, fromMask = false;
        for (Facts f : in) {
            positional |= f.positional();
            fromMask |= f.fromMask();
        }
        Facts r;
        try {
            r = one(n, in, first, opset);
        } catch (ArithmeticException | IndexOutOfBoundsException | IllegalArgumentException e) {
            r = Facts.UNKNOWN; // inconsistent input: known nothing rather than something wrong
        }
        if (n.getOpType().equals("Split")) {
            Facts[] parts = split(n, in, opset);
            for (int i = 0; i < out.length && i < parts.length; i++) out[i] = parts[i];
        } else if (out.length > 0) {
            out[0] = r;
            if (n.getOpType().equals("LayerNormalization")) {
                for (int i = 1; i < out.length; i++) out[i] = Facts.of(DataType.FLOAT_VALUE, null);
            }
        }
        boolean madePositional = switch (n.getOpType()) {
            case "Range", "Trilu" -> true;
            default -> false;
        };
        for (int i = 0; i < out.length; i++) {
            Facts f = out[i] == null ? Facts.UNKNOWN : out[i];
            if (f.shape() != null && f.shape().length > MAX_RANK) f = f.withShape(null);
            if (f.ints() != null && f.ints().length > Facts.MAX_VALUES) f = f.withInts(null);
            out[i] = f.withFlags(f.zero(), positional || madePositional || f.positional(), fromMask || f.fromMask());
        }
        return out;
    }

    private static Facts one(NodeProto n, Facts[] in, Facts x, int opset) {
        String op = n.getOpType();
        switch (op) {
            case "Identity", "Dropout":
                return x;
            case "Constant":
                return constant(n);
            case "Cast":
                return cast(x, (int) intAttr(n, "to", 0));
            case "Shape": {
                if (x.shape() == null) return Facts.of(DataType.INT64_VALUE, new Dim[] {Dim.unknown()});
                int rank = x.shape().length;
                int start = clampAxis(intAttr(n, "start", 0), rank), end = clampAxis(intAttr(n, "end", rank), rank);
                Dim[] v = Arrays.copyOfRange(x.shape(), start, Math.max(start, end));
                return Facts.of(DataType.INT64_VALUE, new Dim[] {Dim.of(v.length)}).withInts(v);
            }
            case "Size":
                return Facts.of(DataType.INT64_VALUE, new Dim[0])
                        .withInts(x.shape() == null ? null : new Dim[] {Dim.product(x.shape(), 0, x.shape().length)});
            case "Gather":
                return gather(n, x, in[1]);
            case "Unsqueeze":
                return unsqueeze(x, axes(n, in, 1));
            case "Squeeze":
                return squeeze(x, axes(n, in, 1));
            case "Concat":
                return concat(n, in);
            case "Slice":
                return slice(in);
            case "Reshape":
                return reshape(n, x, in[1]);
            case "Transpose":
                return transpose(n, x);
            case "Expand": {
                if (in[1].ints() == null) return Facts.of(x.dtype(), null);
                Dim[] shape = broadcast(x.shape(), in[1].ints());
                Facts f = Facts.of(x.dtype(), shape);
                if (x.reals() != null && x.reals().length == 1) f = filled(f, x.reals()[0]);
                return f.withFlags(x.zero(), false, false);
            }
            case "ConstantOfShape":
                return constantOfShape(n, in[0]);
            case "Range":
                return range(in);
            case "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Equal", "Less", "LessOrEqual", "Greater",
                 "GreaterOrEqual", "And", "Or":
                return binary(op, in[0], in[1]);
            case "Where":
                return where(in);
            case "Not", "Neg", "Sqrt", "Reciprocal", "Tanh", "Erf":
                return unary(op, x);
            case "Softmax", "Gelu", "Trilu":
                return Facts.of(x.dtype(), x.shape());
            case "LayerNormalization":
                return Facts.of(x.dtype(), x.shape());
            case "ReduceMean":
                return reduce(n, x, in, opset);
            case "MatMul":
                return matmul(x, in[1]);
            case "Gemm": {
                Dim[] a = x.shape(), b = in[1].shape();
                if (a == null || b == null || a.length != 2 || b.length != 2) return Facts.of(x.dtype(), null);
                Dim m = a[intAttr(n, "transA", 0) != 0 ? 1 : 0], k = b[intAttr(n, "transB", 0) != 0 ? 0 : 1];
                return Facts.of(x.dtype(), new Dim[] {m, k});
            }
            default:
                return Facts.UNKNOWN;
        }
    }

    // ---- operators ----

    private static Facts constant(NodeProto n) {
        TensorProto t = constantValue(n);
        return t == null ? Facts.UNKNOWN : ofTensor(t);
    }

    /** A Constant node's value, whichever attribute holds it; null for one fpga-llm does not read (strings, sparse). */
    static TensorProto constantValue(NodeProto n) {
        for (AttributeProto a : n.getAttributeList()) {
            switch (a.getName()) {
                case "value": return a.getT();
                case "value_float": return TensorData.floats("", new float[] {a.getF()});
                case "value_int": return TensorData.longs("", new long[] {a.getI()});
                case "value_ints": {
                    long[] v = a.getIntsList().stream().mapToLong(Long::longValue).toArray();
                    return TensorData.longs("", v, v.length);
                }
                case "value_floats": {
                    float[] f = new float[a.getFloatsCount()];
                    for (int i = 0; i < f.length; i++) f[i] = a.getFloats(i);
                    return TensorData.floats("", f, f.length);
                }
                default: break;
            }
        }
        return null;
    }

    private static Facts cast(Facts x, int to) {
        Facts f = Facts.of(to, x.shape()).withFlags(x.zero(), false, false);
        if (x.ints() != null) {
            if (Facts.isInteger(to) || to == DataType.BOOL_VALUE) {
                if (to == DataType.BOOL_VALUE && !allConstant(x.ints())) return f;
                Dim[] v = x.ints();
                if (to == DataType.BOOL_VALUE) {
                    v = new Dim[v.length];
                    for (int i = 0; i < v.length; i++) v[i] = Dim.of(x.ints()[i].value() != 0 ? 1 : 0);
                }
                return f.withInts(v);
            }
            if (Facts.isFloat(to) && allConstant(x.ints())) {
                double[] r = new double[x.ints().length];
                for (int i = 0; i < r.length; i++) r[i] = Facts.round(x.ints()[i].value(), to);
                return f.withReals(r);
            }
        }
        if (x.reals() != null) {
            if (Facts.isFloat(to)) {
                double[] r = new double[x.reals().length];
                for (int i = 0; i < r.length; i++) r[i] = Facts.round(x.reals()[i], to);
                return f.withReals(r);
            }
            if (Facts.isInteger(to) || to == DataType.BOOL_VALUE) {
                Dim[] v = new Dim[x.reals().length];
                for (int i = 0; i < v.length; i++) {
                    double r = x.reals()[i];
                    if (!Double.isFinite(r) || Math.abs(r) > 1e15) return f;
                    v[i] = Dim.of(to == DataType.BOOL_VALUE ? (r != 0 ? 1 : 0) : (long) r);
                }
                return f.withInts(v);
            }
        }
        return f;
    }

    private static Facts gather(NodeProto n, Facts data, Facts indices) {
        Dim[] s = data.shape(), is = indices.shape();
        if (s == null || is == null || s.length == 0) return Facts.of(data.dtype(), null);
        int axis = (int) normAxis(intAttr(n, "axis", 0), s.length);
        Dim[] shape = new Dim[s.length - 1 + is.length];
        System.arraycopy(s, 0, shape, 0, axis);
        System.arraycopy(is, 0, shape, axis, is.length);
        System.arraycopy(s, axis + 1, shape, axis + is.length, s.length - axis - 1);
        Facts f = Facts.of(data.dtype(), shape);
        if (data.ints() != null && s.length == 1 && indices.ints() != null && allConstant(indices.ints())) {
            Dim[] v = new Dim[indices.ints().length];
            int len = data.ints().length;
            for (int i = 0; i < v.length; i++) {
                long k = indices.ints()[i].value();
                if (k < 0) k += len;
                if (k < 0 || k >= len) return f;
                v[i] = data.ints()[(int) k];
            }
            return f.withInts(v);
        }
        return f;
    }

    /** Axes from input {@code index} (opset 13+ Squeeze/Unsqueeze, opset 18 ReduceMean) or the axes attribute. */
    private static long[] axes(NodeProto n, Facts[] in, int index) {
        if (index < in.length && in[index].ints() != null && allConstant(in[index].ints())) return values(in[index].ints());
        long[] attr = intsAttr(n, "axes");
        return attr;
    }

    private static Facts unsqueeze(Facts x, long[] axes) {
        if (x.shape() == null || axes == null) return Facts.of(x.dtype(), null).withInts(x.ints());
        int rank = x.shape().length + axes.length;
        Dim[] shape = new Dim[rank];
        for (long a : axes) {
            int k = (int) normAxis(a, rank);
            if (shape[k] != null) throw new IllegalArgumentException("repeated axis");
            shape[k] = Dim.of(1);
        }
        int j = 0;
        for (int i = 0; i < rank; i++) if (shape[i] == null) shape[i] = x.shape()[j++];
        return Facts.of(x.dtype(), shape).withInts(x.ints()).withReals(x.reals()).withFlags(x.zero(), false, false);
    }

    private static Facts squeeze(Facts x, long[] axes) {
        if (x.shape() == null) return Facts.of(x.dtype(), null).withInts(x.ints());
        List<Dim> shape = new ArrayList<>();
        for (int i = 0; i < x.shape().length; i++) {
            boolean drop;
            if (axes == null) drop = x.shape()[i].is(1);
            else {
                drop = false;
                for (long a : axes) drop |= normAxis(a, x.shape().length) == i;
            }
            if (!drop) shape.add(x.shape()[i]);
        }
        return Facts.of(x.dtype(), shape.toArray(Dim[]::new)).withInts(x.ints()).withReals(x.reals())
                .withFlags(x.zero(), false, false);
    }

    private static Facts concat(NodeProto n, Facts[] in) {
        if (in.length == 0 || in[0].shape() == null) return Facts.UNKNOWN;
        int rank = in[0].shape().length;
        if (rank == 0) return Facts.of(in[0].dtype(), null);
        int axis = (int) normAxis(intAttr(n, "axis", 0), rank);
        Dim[] shape = in[0].shape().clone();
        List<Dim> values = new ArrayList<>();
        boolean known = rank == 1;
        for (int i = 0; i < in.length; i++) {
            Facts f = in[i];
            if (f.shape() == null || f.shape().length != rank) return Facts.of(in[0].dtype(), null);
            if (i > 0) shape[axis] = shape[axis].plus(f.shape()[axis]);
            if (known && f.ints() != null) values.addAll(Arrays.asList(f.ints()));
            else known = false;
        }
        Facts out = Facts.of(in[0].dtype(), shape);
        return known ? out.withInts(values.toArray(Dim[]::new)) : out;
    }

    private static Facts slice(Facts[] in) {
        Facts x = in[0];
        if (x.shape() == null || in.length < 3 || in[1].ints() == null || in[2].ints() == null)
            return Facts.of(x.dtype(), x.shape() == null ? null : unknownDims(x.shape().length));
        int rank = x.shape().length;
        Dim[] starts = in[1].ints(), ends = in[2].ints();
        if (starts.length != ends.length) return Facts.of(x.dtype(), null);
        long[] axes = new long[starts.length];
        for (int i = 0; i < axes.length; i++) axes[i] = i;
        if (in.length > 3 && in[3].shape() != null) {
            if (in[3].ints() == null || !allConstant(in[3].ints())) return Facts.of(x.dtype(), unknownDims(rank));
            axes = values(in[3].ints());
        }
        long[] steps = new long[starts.length];
        Arrays.fill(steps, 1);
        if (in.length > 4 && in[4].shape() != null) {
            if (in[4].ints() == null || !allConstant(in[4].ints())) return Facts.of(x.dtype(), unknownDims(rank));
            steps = values(in[4].ints());
        }
        if (axes.length != starts.length || steps.length != starts.length) return Facts.of(x.dtype(), null);
        Dim[] shape = x.shape().clone();
        Dim[] values = x.ints() != null && rank == 1 ? x.ints() : null;
        for (int i = 0; i < axes.length; i++) {
            int a = (int) normAxis(axes[i], rank);
            Dim[] range = sliceRange(shape[a], starts[i], ends[i], steps[i]);
            if (range == null) {
                shape[a] = Dim.unknown();
                values = null;
                continue;
            }
            shape[a] = range[2];
            if (values != null && range[0].isConstant() && range[2].isConstant() && steps[i] > 0) {
                int from = (int) range[0].value(), count = (int) range[2].value();
                Dim[] picked = new Dim[count];
                for (int k = 0; k < count; k++) picked[k] = values[(int) (from + k * steps[i])];
                values = picked;
            } else values = null;
        }
        Facts f = Facts.of(x.dtype(), shape);
        return values != null ? f.withInts(values) : f;
    }

    /** {start, end, length} of a slice of a dim of size n, or null when it cannot be told. */
    private static Dim[] sliceRange(Dim n, Dim start, Dim end, long step) {
        if (step == 0) throw new IllegalArgumentException("slice step 0");
        if (n.isConstant() && start.isConstant() && end.isConstant()) {
            long size = n.value(), s = start.value(), e = end.value();
            if (step > 0) {
                s = s < 0 ? Math.max(0, s + size) : Math.min(s, size);
                e = e < 0 ? Math.max(0, e + size) : Math.min(e, size);
                long len = e > s ? (e - s + step - 1) / step : 0;
                return new Dim[] {Dim.of(s), Dim.of(e), Dim.of(len)};
            }
            s = s < 0 ? Math.max(-1, s + size) : Math.min(s, size - 1);
            e = e < 0 ? Math.max(-1, e + size) : Math.min(e, size - 1);
            long len = s > e ? (s - e - step - 1) / -step : 0;
            return new Dim[] {Dim.of(s), Dim.of(e), Dim.of(len)};
        }
        if (step != 1) return null;
        // symbolic bounds are taken to be inside the dim, as PyTorch's slicing of a buffer by sizes is
        Dim s = start, e = end;
        if (s.isConstant() && s.value() < 0) s = n.plus(s);
        if (e.isConstant() && e.value() < 0) e = n.plus(e);
        if (e.isConstant() && e.value() >= Integer.MAX_VALUE) e = n;
        if (s.isConstant() && s.value() >= Integer.MAX_VALUE) return null;
        return new Dim[] {s, e, e.minus(s)};
    }

    private static Facts reshape(NodeProto n, Facts x, Facts target) {
        if (target.ints() == null) return Facts.of(x.dtype(), target.shape() != null && target.shape().length == 1
                && target.shape()[0].isConstant() ? unknownDims((int) target.shape()[0].value()) : null);
        Dim[] t = target.ints().clone();
        if (t.length > MAX_RANK) return Facts.of(x.dtype(), null);
        boolean allowZero = intAttr(n, "allowzero", 0) != 0;
        int infer = -1;
        for (int i = 0; i < t.length; i++) {
            if (t[i].is(0) && !allowZero) {
                if (x.shape() == null || i >= x.shape().length) return Facts.of(x.dtype(), unknownDims(t.length));
                t[i] = x.shape()[i];
            } else if (t[i].is(-1)) {
                if (infer >= 0) throw new IllegalArgumentException("two -1 in a Reshape");
                infer = i;
            }
        }
        if (infer >= 0) {
            Dim rest = Dim.of(1);
            for (int i = 0; i < t.length; i++) if (i != infer) rest = rest.times(t[i]);
            Dim total = x.shape() == null ? null : Dim.product(x.shape(), 0, x.shape().length);
            Dim q = total == null ? null : total.dividedBy(rest);
            t[infer] = q != null ? q : Dim.unknown();
        }
        return Facts.of(x.dtype(), t).withInts(x.ints()).withReals(x.reals()).withFlags(x.zero(), false, false);
    }

    private static Facts transpose(NodeProto n, Facts x) {
        if (x.shape() == null) return Facts.of(x.dtype(), null);
        long[] perm = perm(n, x.shape().length);
        Dim[] shape = new Dim[perm.length];
        for (int i = 0; i < perm.length; i++) shape[i] = x.shape()[(int) perm[i]];
        return Facts.of(x.dtype(), shape).withFlags(x.zero(), false, false);
    }

    /** A Transpose's perm, checked to be a permutation of 0..rank-1 (reversed when absent). */
    static long[] perm(NodeProto n, int rank) {
        long[] perm = intsAttr(n, "perm");
        if (perm == null) {
            perm = new long[rank];
            for (int i = 0; i < rank; i++) perm[i] = rank - 1 - i;
        }
        if (perm.length != rank) throw new IllegalArgumentException("perm length");
        boolean[] seen = new boolean[rank];
        for (long p : perm) {
            if (p < 0 || p >= rank || seen[(int) p]) throw new IllegalArgumentException("not a permutation");
            seen[(int) p] = true;
        }
        return perm;
    }

    private static Facts constantOfShape(NodeProto n, Facts shapeIn) {
        TensorProto value = null;
        for (AttributeProto a : n.getAttributeList()) if (a.getName().equals("value")) value = a.getT();
        int dtype = value == null ? DataType.FLOAT_VALUE : value.getDataType();
        if (shapeIn.ints() == null) return Facts.of(dtype, null);
        Facts f = Facts.of(dtype, shapeIn.ints());
        Facts v = value == null ? ofTensor(TensorData.floats("", new float[] {0f})) : ofTensor(value);
        double fill;
        if (v.reals() != null && v.reals().length == 1) fill = v.reals()[0];
        else if (v.ints() != null && v.ints().length == 1 && v.ints()[0].isConstant()) fill = v.ints()[0].value();
        else return f;
        f = filled(f, fill);
        return f.withFlags(fill == 0, false, false);
    }

    /** Facts with every element equal to v, when the shape is concrete and small. */
    private static Facts filled(Facts f, double v) {
        long count = f.count();
        if (count < 0 || count > Facts.MAX_VALUES) return f;
        if (Facts.isFloat(f.dtype())) {
            double[] r = new double[(int) count];
            Arrays.fill(r, Facts.round(v, f.dtype()));
            return f.withReals(r);
        }
        Dim[] d = new Dim[(int) count];
        Arrays.fill(d, Dim.of((long) v));
        return f.withInts(d);
    }

    private static Facts range(Facts[] in) {
        int dtype = in[0].dtype();
        if (Facts.isFloat(dtype)) {
            if (in[0].reals() == null || in[1].reals() == null || in[2].reals() == null) return Facts.of(dtype, new Dim[] {Dim.unknown()});
            double s = in[0].reals()[0], l = in[1].reals()[0], d = in[2].reals()[0];
            double c = Math.ceil((l - s) / d);
            if (!(c >= 0) || c > Facts.MAX_VALUES) return Facts.of(dtype, new Dim[] {Dim.unknown()});
            double[] r = new double[(int) c];
            for (int i = 0; i < r.length; i++) r[i] = Facts.round(s + i * d, dtype);
            return Facts.of(dtype, new Dim[] {Dim.of(r.length)}).withReals(r);
        }
        if (in[0].ints() == null || in[1].ints() == null || in[2].ints() == null
                || in[0].ints().length != 1 || in[1].ints().length != 1 || in[2].ints().length != 1)
            return Facts.of(dtype, new Dim[] {Dim.unknown()});
        Dim s = in[0].ints()[0], l = in[1].ints()[0], d = in[2].ints()[0];
        if (!d.isConstant() || d.value() == 0) return Facts.of(dtype, new Dim[] {Dim.unknown()});
        if (s.isConstant() && l.isConstant()) {
            long delta = d.value();
            long count = Math.max(0, Math.ceilDiv(Math.subtractExact(l.value(), s.value()), delta));
            Facts f = Facts.of(dtype, new Dim[] {Dim.of(count)});
            if (count > Facts.MAX_VALUES) return f;
            Dim[] v = new Dim[(int) count];
            for (int i = 0; i < count; i++) v[i] = Dim.of(s.value() + i * delta);
            return f.withInts(v);
        }
        return Facts.of(dtype, new Dim[] {d.is(1) ? l.minus(s) : Dim.unknown()});
    }

    private static Facts where(Facts[] in) {
        Dim[] s = broadcast(broadcast(in[0].shape(), in[1].shape()), in[2].shape());
        Facts f = Facts.of(in[1].dtype() != 0 ? in[1].dtype() : in[2].dtype(), s);
        long count = f.count();
        if (count < 0 || count > Facts.MAX_VALUES || !known(in[0]) || in[0].ints() == null || !allConstant(in[0].ints()))
            return f;
        boolean ints = known(in[1]) && known(in[2]) && in[1].ints() != null && in[2].ints() != null;
        boolean reals = known(in[1]) && known(in[2]) && in[1].reals() != null && in[2].reals() != null;
        if (!ints && !reals) return f;
        Dim[] v = ints ? new Dim[(int) count] : null;
        double[] r = reals ? new double[(int) count] : null;
        for (int i = 0; i < count; i++) {
            boolean c = in[0].ints()[broadcastIndex(i, s, in[0].shape())].value() != 0;
            Facts src = c ? in[1] : in[2];
            int k = broadcastIndex(i, s, src.shape());
            if (ints) v[i] = src.ints()[k];
            else r[i] = src.reals()[k];
        }
        return ints ? f.withInts(v) : f.withReals(r);
    }

    /** Values known and laid out over a concrete shape (so they can be indexed by broadcasting). */
    private static boolean known(Facts f) {
        long count = f.count();
        int len = f.ints() != null ? f.ints().length : f.reals() != null ? f.reals().length : -1;
        return count >= 0 && count == len;
    }

    private static Facts binary(String op, Facts a, Facts b) {
        boolean compare = switch (op) {
            case "Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual", "And", "Or" -> true;
            default -> false;
        };
        int dtype = compare ? DataType.BOOL_VALUE : (a.dtype() != 0 ? a.dtype() : b.dtype());
        Dim[] shape = broadcast(a.shape(), b.shape());
        Facts f = Facts.of(dtype, shape);
        boolean zero = switch (op) {
            case "Mul" -> a.zero() || b.zero();
            case "Add" -> a.zero() && b.zero();
            case "Sub" -> a.zero() && b.zero();
            case "Div" -> a.zero();
            default -> false;
        };
        f = f.withFlags(zero, false, false);
        if (shape == null) return f;
        long count = f.count();
        if (a.ints() != null && b.ints() != null && count >= 0 && count <= Facts.MAX_VALUES && known(a) && known(b)) {
            Dim[] v = new Dim[(int) count];
            for (int i = 0; i < v.length; i++) {
                Dim x = a.ints()[broadcastIndex(i, shape, a.shape())], y = b.ints()[broadcastIndex(i, shape, b.shape())];
                v[i] = intOp(op, x, y);
                if (v[i] == null) return f;
            }
            return f.withInts(v);
        }
        if (a.reals() != null && b.reals() != null && count >= 0 && count <= Facts.MAX_VALUES && !compare && known(a) && known(b)) {
            double[] v = new double[(int) count];
            for (int i = 0; i < v.length; i++) {
                double x = a.reals()[broadcastIndex(i, shape, a.shape())], y = b.reals()[broadcastIndex(i, shape, b.shape())];
                v[i] = Facts.round(switch (op) {
                    case "Add" -> x + y;
                    case "Sub" -> x - y;
                    case "Mul" -> x * y;
                    case "Div" -> x / y;
                    case "Pow" -> Math.pow(x, y);
                    case "Max" -> Math.max(x, y);
                    default -> Math.min(x, y);
                }, dtype);
            }
            return f.withReals(v);
        }
        return f;
    }

    private static Dim intOp(String op, Dim x, Dim y) {
        switch (op) {
            case "Add": return x.plus(y);
            case "Sub": return x.minus(y);
            case "Mul": return x.times(y);
            default: break;
        }
        if (op.equals("Div") && y.isConstant() && y.value() != 0) {
            if (x.isConstant()) return Dim.of(x.value() / y.value());
            return x.dividedBy(y);
        }
        if (!x.isConstant() || !y.isConstant()) {
            if (op.equals("Equal") && x.equals(y)) return Dim.of(1);
            // a size against a negative constant (expand()'s -1): decided without knowing the size
            if (x.nonNegative() && y.isConstant() && y.value() < 0)
                return switch (op) {
                    case "Equal", "Less", "LessOrEqual" -> Dim.of(0);
                    case "Greater", "GreaterOrEqual" -> Dim.of(1);
                    default -> null;
                };
            if (y.nonNegative() && x.isConstant() && x.value() < 0)
                return switch (op) {
                    case "Equal", "Greater", "GreaterOrEqual" -> Dim.of(0);
                    case "Less", "LessOrEqual" -> Dim.of(1);
                    default -> null;
                };
            return null;
        }
        long p = x.value(), q = y.value();
        return switch (op) {
            case "Max" -> Dim.of(Math.max(p, q));
            case "Min" -> Dim.of(Math.min(p, q));
            case "Equal" -> Dim.of(p == q ? 1 : 0);
            case "Less" -> Dim.of(p < q ? 1 : 0);
            case "LessOrEqual" -> Dim.of(p <= q ? 1 : 0);
            case "Greater" -> Dim.of(p > q ? 1 : 0);
            case "GreaterOrEqual" -> Dim.of(p >= q ? 1 : 0);
            case "And" -> Dim.of(p != 0 && q != 0 ? 1 : 0);
            case "Or" -> Dim.of(p != 0 || q != 0 ? 1 : 0);
            case "Pow" -> null;
            default -> null;
        };
    }

    private static Facts unary(String op, Facts x) {
        Facts f = Facts.of(x.dtype(), x.shape());
        if (op.equals("Not")) {
            if (x.ints() == null || !allConstant(x.ints())) return f;
            Dim[] v = new Dim[x.ints().length];
            for (int i = 0; i < v.length; i++) v[i] = Dim.of(x.ints()[i].value() == 0 ? 1 : 0);
            return f.withInts(v);
        }
        if (op.equals("Neg") && x.ints() != null) {
            Dim[] v = new Dim[x.ints().length];
            for (int i = 0; i < v.length; i++) v[i] = x.ints()[i].times(Dim.of(-1));
            return f.withInts(v);
        }
        f = f.withFlags(x.zero() && (op.equals("Neg") || op.equals("Tanh") || op.equals("Sqrt") || op.equals("Erf")),
                false, false);
        if (x.reals() == null) return f;
        double[] v = new double[x.reals().length];
        for (int i = 0; i < v.length; i++) {
            double a = x.reals()[i];
            v[i] = Facts.round(switch (op) {
                case "Neg" -> -a;
                case "Sqrt" -> Math.sqrt(a);
                case "Reciprocal" -> 1 / a;
                case "Tanh" -> Math.tanh(a);
                default -> GeluPattern.erf(a);
            }, x.dtype());
        }
        return f.withReals(v);
    }

    private static Facts reduce(NodeProto n, Facts x, Facts[] in, int opset) {
        if (x.shape() == null) return Facts.of(x.dtype(), null);
        long[] axes = opset >= 18 ? (in.length > 1 && in[1].ints() != null && allConstant(in[1].ints())
                ? values(in[1].ints()) : null) : intsAttr(n, "axes");
        if (opset >= 18 && in.length > 1 && in[1].shape() != null && axes == null) return Facts.of(x.dtype(), null);
        boolean keep = intAttr(n, "keepdims", 1) != 0;
        int rank = x.shape().length;
        boolean[] reduced = new boolean[rank];
        if (axes == null || axes.length == 0) Arrays.fill(reduced, true);
        else for (long a : axes) reduced[(int) normAxis(a, rank)] = true;
        List<Dim> shape = new ArrayList<>();
        for (int i = 0; i < rank; i++) {
            if (!reduced[i]) shape.add(x.shape()[i]);
            else if (keep) shape.add(Dim.of(1));
        }
        return Facts.of(x.dtype(), shape.toArray(Dim[]::new));
    }

    private static Facts matmul(Facts a, Facts b) {
        Dim[] x = a.shape(), y = b.shape();
        if (x == null || y == null || x.length == 0 || y.length == 0) return Facts.of(a.dtype(), null);
        if (x.length == 1 && y.length == 1) return Facts.of(a.dtype(), new Dim[0]);
        if (x.length == 1) return Facts.of(a.dtype(), concatDims(Arrays.copyOf(y, y.length - 2), new Dim[] {y[y.length - 1]}));
        if (y.length == 1) return Facts.of(a.dtype(), Arrays.copyOf(x, x.length - 1));
        Dim[] batch = broadcast(Arrays.copyOf(x, x.length - 2), Arrays.copyOf(y, y.length - 2));
        if (batch == null) return Facts.of(a.dtype(), null);
        return Facts.of(a.dtype(), concatDims(batch, new Dim[] {x[x.length - 2], y[y.length - 1]}));
    }

    private static Facts[] split(NodeProto n, Facts[] in, int opset) {
        Facts x = in[0];
        int parts = n.getOutputCount();
        Facts[] out = new Facts[parts];
        Arrays.fill(out, Facts.of(x.dtype(), null));
        if (x.shape() == null || parts == 0) return out;
        int rank = x.shape().length;
        int axis;
        try {
            axis = (int) normAxis(intAttr(n, "axis", 0), rank);
        } catch (IllegalArgumentException e) {
            return out;
        }
        Dim[] sizes = new Dim[parts];
        if (in.length > 1 && in[1].ints() != null) {
            if (in[1].ints().length != parts) return out;
            sizes = in[1].ints();
        } else if (in.length > 1 && in[1].shape() != null) {
            return out;
        } else {
            Dim each = x.shape()[axis].dividedBy(Dim.of(parts));
            if (each == null) return out;
            Arrays.fill(sizes, each);
        }
        for (int i = 0; i < parts; i++) {
            Dim[] s = x.shape().clone();
            s[axis] = sizes[i];
            out[i] = Facts.of(x.dtype(), s).withFlags(false, x.positional(), x.fromMask());
        }
        return out;
    }

    // ---- helpers ----

    static Dim[] broadcast(Dim[] a, Dim[] b) {
        if (a == null || b == null) return null;
        int rank = Math.max(a.length, b.length);
        Dim[] out = new Dim[rank];
        for (int i = 0; i < rank; i++) {
            Dim x = i < rank - a.length ? Dim.of(1) : a[i - (rank - a.length)];
            Dim y = i < rank - b.length ? Dim.of(1) : b[i - (rank - b.length)];
            out[i] = x.is(1) ? y : x;
        }
        return out;
    }

    /** The element of an operand of shape {@code from} that broadcasts to flat index i of {@code to}. */
    private static int broadcastIndex(int i, Dim[] to, Dim[] from) {
        int index = 0, stride = 1;
        int rest = i;
        for (int k = to.length - 1, j = from.length - 1; k >= 0; k--, j--) {
            int n = (int) to[k].value();
            int coord = rest % n;
            rest /= n;
            if (j >= 0) {
                int m = (int) from[j].value();
                if (m != 1) index += coord * stride;
                stride *= m;
            }
        }
        return index;
    }

    private static Dim[] concatDims(Dim[] a, Dim[] b) {
        Dim[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static Dim[] unknownDims(int rank) {
        if (rank < 0 || rank > MAX_RANK) return null;
        Dim[] d = new Dim[rank];
        for (int i = 0; i < rank; i++) d[i] = Dim.unknown();
        return d;
    }

    static boolean allConstant(Dim[] v) {
        for (Dim d : v) if (!d.isConstant()) return false;
        return true;
    }

    static long[] values(Dim[] v) {
        long[] out = new long[v.length];
        for (int i = 0; i < v.length; i++) out[i] = v[i].value();
        return out;
    }

    static long normAxis(long axis, int rank) {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= Math.max(rank, 1)) throw new IllegalArgumentException("axis " + axis + " for rank " + rank);
        return a;
    }

    private static int clampAxis(long i, int n) {
        long k = i < 0 ? i + n : i;
        return (int) Math.max(0, Math.min(n, k));
    }

    static long intAttr(NodeProto n, String name, long fallback) {
        for (AttributeProto a : n.getAttributeList()) if (a.getName().equals(name)) return a.getI();
        return fallback;
    }

    static long[] intsAttr(NodeProto n, String name) {
        for (AttributeProto a : n.getAttributeList())
            if (a.getName().equals(name)) return a.getIntsList().stream().mapToLong(Long::longValue).toArray();
        return null;
    }
}
