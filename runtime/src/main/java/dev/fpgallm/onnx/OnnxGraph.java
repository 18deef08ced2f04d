package dev.fpgallm.onnx;

import dev.fpgallm.model.ModelFormatException;
import dev.fpgallm.onnx.proto.Onnx.AttributeProto;
import dev.fpgallm.onnx.proto.Onnx.GraphProto;
import dev.fpgallm.onnx.proto.Onnx.ModelProto;
import dev.fpgallm.onnx.proto.Onnx.NodeProto;
import dev.fpgallm.onnx.proto.Onnx.OperatorSetIdProto;
import dev.fpgallm.onnx.proto.Onnx.TensorProto;
import dev.fpgallm.onnx.proto.Onnx.ValueInfoProto;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * A checked, indexed view of an ONNX graph: who produces and who reads each value, the initializers, the
 * constants. Construction refuses what no GPT-2 import can use (no graph, an opset outside 13..23, an operator
 * fpga-llm does not know, a reference to a value nothing defines) with a message naming the node.
 */
final class OnnxGraph {
    static final int MIN_OPSET = 13;
    static final int MAX_OPSET = 23;

    /**
     * Operators a GPT-2 export may contain: the model's arithmetic, and the shape and mask plumbing PyTorch emits
     * around it. Anything else is refused up front rather than silently misread.
     */
    static final Set<String> KNOWN_OPS = Set.of(
            "Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "Reciprocal", "Neg", "Tanh", "Erf", "Gelu",
            "MatMul", "Gemm", "LayerNormalization", "ReduceMean", "Softmax", "Gather",
            "Split", "Reshape", "Transpose", "Concat", "Slice", "Squeeze", "Unsqueeze", "Expand", "Identity",
            "Shape", "Size", "Cast", "Constant", "ConstantOfShape", "Range", "Trilu", "Where",
            "Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual", "Not", "And", "Or", "Min", "Max");

    private static final Set<String> SHAPE_READERS = Set.of("Shape", "Size");

    final String file;
    final List<NodeProto> nodes;
    final Map<String, TensorProto> initializers = new LinkedHashMap<>();
    final Set<String> inputs = new HashSet<>();      // graph inputs that are not initializers
    final Set<String> outputs = new HashSet<>();
    final int opset;
    private final Map<String, Integer> producer = new HashMap<>();
    private final Map<String, List<Integer>> consumers = new HashMap<>();

    OnnxGraph(ModelProto model, String file) {
        this.file = file;
        if (!model.hasGraph() || model.getGraph().getNodeCount() == 0)
            throw new ModelFormatException(file + ": the ONNX model has no graph (or an empty one)");
        if (model.getUnknownFields().hasField(25))
            throw new ModelFormatException(file + ": the model defines its own functions, which fpga-llm does not inline");
        GraphProto g = model.getGraph();
        if (g.getUnknownFields().hasField(15))
            throw new ModelFormatException(file + ": the graph has sparse initializers, which fpga-llm does not read");
        opset = standardOpset(model, file);
        nodes = g.getNodeList();
        for (TensorProto t : g.getInitializerList()) initializers.put(t.getName(), t);
        for (ValueInfoProto v : g.getInputList()) if (!initializers.containsKey(v.getName())) inputs.add(v.getName());
        for (ValueInfoProto v : g.getOutputList()) outputs.add(v.getName());
        for (ValueInfoProto v : g.getInputList()) {
            if (!v.getType().hasTensorType() || !v.getType().getTensorType().hasShape()) continue;
            shapeHints.put(v.getName(), v.getType().getTensorType().getShape().getDimList().stream()
                    .mapToLong(d -> d.hasDimValue() ? d.getDimValue() : UNKNOWN).toArray());
        }

        Set<String> defined = new HashSet<>(initializers.keySet());
        defined.addAll(inputs);
        for (int i = 0; i < nodes.size(); i++) {
            NodeProto n = nodes.get(i);
            if (!(n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx")) || !KNOWN_OPS.contains(n.getOpType()))
                throw error(i, "operator " + n.getOpType() + (n.getDomain().isEmpty() ? "" : " of domain " + n.getDomain())
                        + " is not supported (fpga-llm reads the standard ONNX operators a GPT-2 export uses: "
                        + "see docs/onnx.md)");
            for (String in : n.getInputList()) {
                if (in.isEmpty()) continue;
                if (!defined.contains(in))
                    throw error(i, "input '" + in + "' is not a graph input, an initializer or the output of an "
                            + "earlier node (missing initializer?)");
                consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(i);
            }
            for (String out : n.getOutputList()) {
                if (out.isEmpty()) continue;
                if (!defined.add(out)) throw error(i, "output '" + out + "' is defined twice");
                producer.put(out, i);
            }
        }
        for (String out : outputs)
            if (!defined.contains(out)) throw new ModelFormatException(file + ": graph output '" + out + "' is never computed");
    }

    private static int standardOpset(ModelProto model, String file) {
        for (OperatorSetIdProto o : model.getOpsetImportList()) {
            if (!o.getDomain().isEmpty() && !o.getDomain().equals("ai.onnx")) continue;
            long v = o.getVersion();
            if (v < MIN_OPSET || v > MAX_OPSET)
                throw new ModelFormatException(file + ": ONNX opset " + v + " is not supported; fpga-llm reads opsets "
                        + MIN_OPSET + " to " + MAX_OPSET + " (re-export with opset 17, which has LayerNormalization)");
            return (int) v;
        }
        throw new ModelFormatException(file + ": the model imports no standard ONNX operator set (opset_import has no "
                + "entry for the default domain)");
    }

    // ---- structure ----

    NodeProto node(int i) {
        return nodes.get(i);
    }

    String op(int i) {
        return nodes.get(i).getOpType();
    }

    /** The node computing {@code value}, or -1 for graph inputs and initializers. */
    int producerOf(String value) {
        return producer.getOrDefault(value, -1);
    }

    /** Nodes reading {@code value}, leaving out Shape/Size (which read only its shape). */
    List<Integer> readers(String value) {
        List<Integer> out = new ArrayList<>();
        for (int c : consumers.getOrDefault(value, List.of())) if (!SHAPE_READERS.contains(op(c))) out.add(c);
        return out;
    }

    /** Every node reading {@code value}, Shape included. */
    List<Integer> consumersOf(String value) {
        return consumers.getOrDefault(value, List.of());
    }

    /** The readers of {@code value} with the given operator. */
    List<Integer> readers(String value, String op) {
        return readers(value).stream().filter(c -> op(c).equals(op)).toList();
    }

    String in(int node, int index) {
        NodeProto n = nodes.get(node);
        return index < n.getInputCount() ? n.getInput(index) : "";
    }

    String out(int node) {
        return nodes.get(node).getOutput(0);
    }

    /** The input of a two-input node that is not {@code value}; null when neither or both are. */
    String other(int node, String value) {
        String a = in(node, 0), b = in(node, 1);
        if (a.equals(value) && !b.equals(value)) return b;
        if (b.equals(value) && !a.equals(value)) return a;
        return null;
    }

    // ---- messages ----

    String label(int i) {
        NodeProto n = nodes.get(i);
        return (n.getName().isEmpty() ? "node #" + i : "node '" + n.getName() + "'") + " (" + n.getOpType() + ")";
    }

    ModelFormatException error(int node, String message) {
        return new ModelFormatException(file + ": " + label(node) + ": " + message);
    }

    /** What reads a value, for "expected X, found Y" messages. */
    String describeReaders(String value) {
        List<Integer> r = readers(value);
        if (r.isEmpty()) return "nothing reads it";
        return "read by " + String.join(", ", r.stream().map(this::label).toList());
    }

    /** A value's origin, for messages. */
    String describe(String value) {
        int p = producerOf(value);
        if (p >= 0) return "'" + value + "' (output of " + label(p) + ")";
        return "'" + value + "'" + (initializers.containsKey(value) ? " (an initializer)" : " (a graph input)");
    }

    // ---- weights and constants ----

    /** A weight initializer as FP32 with the given shape, or null when {@code value} is no such initializer. */
    float[] weight(String value, int consumer, long... shape) {
        TensorProto t = initializers.get(value);
        if (t == null) return null;
        long[] dims = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
        if (!Arrays.equals(dims, shape))
            throw error(consumer, "weight '" + value + "' has shape " + Arrays.toString(dims) + ", expected " + Arrays.toString(shape));
        try {
            return TensorData.toFloats(t);
        } catch (IllegalArgumentException e) {
            throw error(consumer, "weight '" + value + "' " + e.getMessage());
        }
    }

    /** The shape of an initializer, or null. */
    long[] initializerShape(String value) {
        TensorProto t = initializers.get(value);
        return t == null ? null : t.getDimsList().stream().mapToLong(Long::longValue).toArray();
    }

    /** A constant tensor: an initializer, or the value of a Constant node. */
    Optional<TensorProto> constant(String value) {
        TensorProto t = initializers.get(value);
        if (t != null) return Optional.of(t);
        int p = producerOf(value);
        if (p < 0 || !op(p).equals("Constant")) return Optional.empty();
        for (AttributeProto a : nodes.get(p).getAttributeList()) {
            switch (a.getName()) {
                case "value": return Optional.of(a.getT());
                case "value_float": return Optional.of(TensorData.floats("", new float[] {a.getF()}));
                case "value_int": return Optional.of(TensorData.longs("", new long[] {a.getI()}));
                case "value_ints": return Optional.of(TensorData.longs("", a.getIntsList().stream().mapToLong(Long::longValue).toArray(), a.getIntsCount()));
                case "value_floats": {
                    float[] f = new float[a.getFloatsCount()];
                    for (int i = 0; i < f.length; i++) f[i] = a.getFloats(i);
                    return Optional.of(TensorData.floats("", f, f.length));
                }
                default: break;
            }
        }
        return Optional.empty();
    }

    /**
     * A scalar known before run time: a one-element constant, or arithmetic on such constants and on sizes of
     * values whose shape is known ({@link #hintShape}). PyTorch exports {@code value.size(-1) ** 0.5} as
     * Pow(Cast(Gather(Shape(value), -1)), 0.5), and {@code sqrt(head_dim)} as Sqrt(Cast(Constant)).
     */
    OptionalDouble scalar(String value) {
        Optional<TensorProto> c = constant(value);
        if (c.isPresent()) {
            if (TensorData.elementCount(c.get()) != 1) return OptionalDouble.empty();
            try {
                return OptionalDouble.of(TensorData.toDoubles(c.get())[0]);
            } catch (IllegalArgumentException e) {
                return OptionalDouble.empty();
            }
        }
        int p = producerOf(value);
        if (p < 0) return OptionalDouble.empty();
        switch (op(p)) {
            case "Cast", "Identity": return scalar(in(p, 0));
            case "Sqrt": return map(scalar(in(p, 0)), Math::sqrt);
            case "Reciprocal": return map(scalar(in(p, 0)), x -> 1 / x);
            case "Neg": return map(scalar(in(p, 0)), x -> -x);
            case "Mul", "Div", "Add", "Sub", "Pow": {
                OptionalDouble a = scalar(in(p, 0)), b = scalar(in(p, 1));
                if (a.isEmpty() || b.isEmpty()) return OptionalDouble.empty();
                double x = a.getAsDouble(), y = b.getAsDouble();
                return OptionalDouble.of(switch (op(p)) {
                    case "Mul" -> x * y;
                    case "Div" -> x / y;
                    case "Add" -> x + y;
                    case "Pow" -> Math.pow(x, y);
                    default -> x - y;
                });
            }
            default: {
                long[] v = partialShape(value);
                return v != null && v.length == 1 && v[0] != UNKNOWN ? OptionalDouble.of(v[0]) : OptionalDouble.empty();
            }
        }
    }

    private static OptionalDouble map(OptionalDouble v, java.util.function.DoubleUnaryOperator f) {
        return v.isPresent() ? OptionalDouble.of(f.applyAsDouble(v.getAsDouble())) : OptionalDouble.empty();
    }

    /** Marks an entry of {@link #partialShape} that is only known at run time. */
    static final long UNKNOWN = Long.MIN_VALUE;

    private final Map<String, long[]> shapeHints = new HashMap<>();

    /** Records what a pattern learned about a value's shape (UNKNOWN where it varies), for Shape nodes reading it. */
    void hintShape(String value, long[] dims) {
        shapeHints.put(value, dims.clone());
    }

    /**
     * A small integer tensor (a shape, axes, sizes) with what is known of it before run time: constants, Shape of a
     * value with a known or hinted shape, and Gather / Slice / Concat / Unsqueeze / Cast on those. Entries only known
     * at run time are {@link #UNKNOWN}; null when not even the length is known. This is how PyTorch's
     * {@code x.view(x.size()[:-1] + (heads, head_dim))} reads as [?, ?, heads, head_dim].
     */
    long[] partialShape(String value) {
        Optional<TensorProto> c = constant(value);
        if (c.isPresent()) {
            try {
                return TensorData.toLongs(c.get());
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        int p = producerOf(value);
        if (p < 0) return null;
        switch (op(p)) {
            case "Shape": {
                long[] dims = shapeHints.get(in(p, 0));
                if (dims == null) return null;
                int rank = dims.length;
                int start = (int) clampAxis(intAttr(p, "start", 0), rank), end = (int) clampAxis(intAttr(p, "end", rank), rank);
                return Arrays.copyOfRange(dims, start, Math.max(start, end));
            }
            case "Cast", "Identity", "Unsqueeze", "Squeeze": {
                long[] v = partialShape(in(p, 0));
                if (v != null || !op(p).equals("Unsqueeze")) return v;
                return scalarShaped(in(p, 0)) ? new long[] {UNKNOWN} : null;  // one run-time size
            }
            case "Gather": {
                Optional<TensorProto> idx = constant(in(p, 1));
                if (idx.isEmpty() || idx.get().getDimsCount() > 1) return null;
                long[] data = partialShape(in(p, 0));
                long[] index = TensorData.toLongs(idx.get());
                if (data == null) return producerOf(in(p, 0)) >= 0 && op(producerOf(in(p, 0))).equals("Shape")
                        ? filled(index.length, UNKNOWN) : null;
                long[] out = new long[index.length];
                for (int i = 0; i < index.length; i++) {
                    long k = index[i] < 0 ? index[i] + data.length : index[i];
                    if (k < 0 || k >= data.length) return null;
                    out[i] = data[(int) k];
                }
                return out;
            }
            case "Slice": {
                long[] data = partialShape(in(p, 0)), starts = partialShape(in(p, 1)), ends = partialShape(in(p, 2));
                if (data == null || starts == null || ends == null || starts.length != 1 || ends.length != 1) return null;
                if (!in(p, 4).isEmpty()) return null;  // steps
                int n = data.length;
                int from = (int) clampAxis(starts[0], n), to = (int) clampAxis(ends[0], n);
                return Arrays.copyOfRange(data, from, Math.max(from, to));
            }
            case "Concat": {
                List<Long> all = new ArrayList<>();
                for (String part : nodes.get(p).getInputList()) {
                    long[] s = partialShape(part);
                    if (s == null) return null;
                    for (long x : s) all.add(x);
                }
                return all.stream().mapToLong(Long::longValue).toArray();
            }
            default: return null;
        }
    }

    private static long clampAxis(long i, int n) {
        long k = i < 0 ? i + n : i;
        return Math.max(0, Math.min(n, k));
    }

    private static long[] filled(int n, long v) {
        long[] a = new long[n];
        Arrays.fill(a, v);
        return a;
    }

    /** True when a value is a scalar by construction: a Gather of one index out of a Shape, or a scalar constant. */
    private boolean scalarShaped(String value) {
        Optional<TensorProto> c = constant(value);
        if (c.isPresent()) return c.get().getDimsCount() == 0;
        int p = producerOf(value);
        return p >= 0 && op(p).equals("Gather") && constant(in(p, 1)).map(t -> t.getDimsCount() == 0).orElse(false);
    }

    // ---- attributes ----

    Optional<AttributeProto> attr(int node, String name) {
        for (AttributeProto a : nodes.get(node).getAttributeList()) if (a.getName().equals(name)) return Optional.of(a);
        return Optional.empty();
    }

    long intAttr(int node, String name, long fallback) {
        return attr(node, name).map(AttributeProto::getI).orElse(fallback);
    }

    double floatAttr(int node, String name, double fallback) {
        return attr(node, name).map(a -> (double) a.getF()).orElse(fallback);
    }

    long[] intsAttr(int node, String name) {
        return attr(node, name).map(a -> a.getIntsList().stream().mapToLong(Long::longValue).toArray()).orElse(null);
    }

    String stringAttr(int node, String name, String fallback) {
        return attr(node, name).map(a -> a.getS().toStringUtf8()).orElse(fallback);
    }
}
