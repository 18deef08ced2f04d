package dev.fpgallm.onnx;

import dev.fpgallm.model.ModelFormatException;
import dev.fpgallm.onnx.proto.Onnx.AttributeProto;
import dev.fpgallm.onnx.proto.Onnx.GraphProto;
import dev.fpgallm.onnx.proto.Onnx.NodeProto;
import dev.fpgallm.onnx.proto.Onnx.TensorProto;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * The canonical form of a decoder graph (see {@link Canonicalizer}): what is left once constants are folded, shape
 * arithmetic evaluated and no-ops dropped, indexed by who produces and who reads each value, with the
 * {@link Facts} known about every value. Nodes keep the names (and messages the numbers) they have in the file.
 */
final class OnnxGraph {
    /** What became of each node of the file. */
    enum Fate {
        /** still in the canonical graph */
        KEPT,
        /** a constant, or computed from constants and static sizes at import */
        FOLDED,
        /** computes nothing: Identity, Dropout, a Cast between float types, a Reshape or Transpose to the same layout, + 0, x 1 */
        NOOP,
        /** nothing the model's outputs need reads it */
        UNUSED
    }

    private static final Set<String> SHAPE_READERS = Set.of("Shape", "Size");

    final String file;
    final int opset;
    /** the graph as read (for a merged model, its branch with past inputs, flattened) */
    final GraphProto source;
    final List<NodeProto> nodes;
    /** canonical node index -> index of the node in {@link #source} */
    final int[] origin;
    final Fate[] fates;
    /** constants by value name: initializers, Constant nodes, folded values, float Casts of initializers */
    final Map<String, TensorProto> initializers;
    /** value name -> the initializer of the file whose bytes it is (a Cast of a weight is its weight) */
    final Map<String, String> storedAs;
    final Set<String> inputs;
    final Set<String> outputs;
    final Map<String, Facts> facts;
    /** activations pass through FLOAT16 or BFLOAT16 somewhere (a half-precision graph) */
    final boolean halfPrecision;
    private final Map<String, Integer> producer = new HashMap<>();
    private final Map<String, List<Integer>> consumers = new HashMap<>();

    OnnxGraph(String file, int opset, GraphProto source, List<NodeProto> nodes, int[] origin, Fate[] fates,
              Map<String, TensorProto> initializers, Map<String, String> storedAs, Set<String> inputs,
              Set<String> outputs, Map<String, Facts> facts, boolean halfPrecision) {
        this.file = file;
        this.opset = opset;
        this.source = source;
        this.nodes = List.copyOf(nodes);
        this.origin = origin;
        this.fates = fates;
        this.initializers = initializers;
        this.storedAs = storedAs;
        this.inputs = inputs;
        this.outputs = outputs;
        this.facts = facts;
        this.halfPrecision = halfPrecision;
        for (int i = 0; i < this.nodes.size(); i++) {
            NodeProto n = this.nodes.get(i);
            for (String in : n.getInputList()) if (!in.isEmpty()) consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(i);
            for (String out : n.getOutputList()) if (!out.isEmpty()) producer.put(out, i);
        }
    }

    // ---- structure ----

    NodeProto node(int i) {
        return nodes.get(i);
    }

    String op(int i) {
        return nodes.get(i).getOpType();
    }

    /** The node computing {@code value}, or -1 for graph inputs and constants. */
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

    Facts facts(String value) {
        return facts.getOrDefault(value, Facts.UNKNOWN);
    }

    /** A value's dimensions as far as they are known before run time (null: not even the rank). */
    Dim[] shape(String value) {
        return facts(value).shape();
    }

    // ---- messages ----

    String label(int i) {
        return DecoderModel.labelOf(source, origin[i]);
    }

    ModelFormatException error(int node, String message) {
        return new ModelFormatException(file + ": " + label(node) + ": " + message);
    }

    /** What reads a value, for "expected X, found Y" messages. */
    String describeReaders(String value) {
        List<Integer> r = readers(value);
        if (r.isEmpty()) return outputs.contains(value) ? "it is a graph output" : "nothing reads it";
        return "read by " + String.join(", ", r.stream().map(this::label).toList());
    }

    /** A value's origin, for messages. */
    String describe(String value) {
        int p = producerOf(value);
        if (p >= 0) return "'" + value + "' (output of " + label(p) + ")";
        return "'" + value + "'" + (initializers.containsKey(value) ? " (a constant)" : " (a graph input)");
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

    /** The shape of a constant, or null. */
    long[] initializerShape(String value) {
        TensorProto t = initializers.get(value);
        return t == null ? null : t.getDimsList().stream().mapToLong(Long::longValue).toArray();
    }

    /** A constant tensor: an initializer, a Constant node's value, or a value folded at import. */
    Optional<TensorProto> constant(String value) {
        return Optional.ofNullable(initializers.get(value));
    }

    /** A one-element value known before run time (a scale, an epsilon, a mask fill value). */
    OptionalDouble scalar(String value) {
        if (value == null) return OptionalDouble.empty();
        Facts f = facts(value);
        if (f.reals() != null && f.reals().length == 1) return OptionalDouble.of(f.reals()[0]);
        if (f.ints() != null && f.ints().length == 1 && f.ints()[0].isConstant()) return OptionalDouble.of(f.ints()[0].value());
        return OptionalDouble.empty();
    }

    /** Marks an entry of {@link #partialShape} that is only known at run time. */
    static final long UNKNOWN = Long.MIN_VALUE;

    /**
     * A small integer tensor (a shape, axes, sizes) with what is known of it before run time; entries only known at
     * run time are {@link #UNKNOWN}; null when not even the length is known.
     */
    long[] partialShape(String value) {
        Dim[] v = facts(value).ints();
        if (v == null) return null;
        long[] out = new long[v.length];
        for (int i = 0; i < v.length; i++) out[i] = v[i].isConstant() ? v[i].value() : UNKNOWN;
        return out;
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
