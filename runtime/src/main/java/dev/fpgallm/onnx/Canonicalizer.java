package dev.fpgallm.onnx;

import dev.fpgallm.onnx.OnnxGraph.Fate;
import dev.fpgallm.onnx.proto.Onnx.GraphProto;
import dev.fpgallm.onnx.proto.Onnx.NodeProto;
import dev.fpgallm.onnx.proto.Onnx.TensorProto;
import dev.fpgallm.onnx.proto.Onnx.TensorProto.DataType;
import dev.fpgallm.onnx.proto.Onnx.TensorShapeProto;
import dev.fpgallm.onnx.proto.Onnx.ValueInfoProto;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Brings a graph into the form the GPT-2 recognizer reads, in one forward pass over the nodes (which ONNX keeps in
 * topological order) and one backward pass, so work and stack depth do not depend on how the graph is spelled:
 * <ul>
 *   <li>every value's shape and, for small tensors, its value is inferred ({@link ShapeRules}), with the batch and
 *       sequence sizes as symbols: PyTorch's Shape/Gather/Unsqueeze/Concat/Slice arithmetic becomes constants;</li>
 *   <li>nodes whose outputs are then known are folded away (Constant nodes included), and a float Cast of a weight
 *       (FP16 initializers) reads as the weight itself;</li>
 *   <li>no-ops are dropped: Identity, Dropout, Casts between float types (a half-precision graph reads as its FP32
 *       model, and says so), Reshape / Squeeze / Unsqueeze / Expand to the same shape, identity Transposes,
 *       adding zeros (baddbmm's beta = 0 term), multiplying by ones, a Reshape undoing the one before it; chains of
 *       Transposes are composed;</li>
 *   <li>what the graph's outputs do not need is dropped.</li>
 * </ul>
 */
final class Canonicalizer {
    private final GraphProto g;
    private final String file;
    private final int opset;
    private final Map<String, TensorProto> constants = new HashMap<>();
    private final Map<String, String> storedAs = new HashMap<>();
    private final Map<String, Facts> facts = new HashMap<>();
    private final Map<String, String> alias = new HashMap<>();
    private final Set<String> inputs = new HashSet<>();
    private final List<NodeProto> kept = new ArrayList<>();
    private final List<Integer> origin = new ArrayList<>();
    private final Map<String, Integer> keptProducer = new HashMap<>();
    private final Fate[] fates;

    private Canonicalizer(GraphProto g, String file, int opset) {
        this.g = g;
        this.file = file;
        this.opset = opset;
        this.fates = new Fate[g.getNodeCount()];
    }

    static OnnxGraph run(GraphProto g, int opset, String file) {
        return new Canonicalizer(g, file, opset).run();
    }

    private OnnxGraph run() {
        for (TensorProto t : g.getInitializerList()) {
            constants.put(t.getName(), t);
            storedAs.put(t.getName(), t.getName());
            facts.put(t.getName(), ShapeRules.ofTensor(t));
        }
        for (ValueInfoProto v : g.getInputList()) {
            if (constants.containsKey(v.getName())) continue;
            inputs.add(v.getName());
            facts.put(v.getName(), inputFacts(v));
        }
        for (int i = 0; i < g.getNodeCount(); i++) fates[i] = visit(i);

        Set<String> outputs = new HashSet<>();
        for (ValueInfoProto v : g.getOutputList()) outputs.add(resolve(v.getName()));
        List<NodeProto> live = new ArrayList<>();
        List<Integer> liveOrigin = new ArrayList<>();
        Set<String> needed = new HashSet<>(outputs);
        boolean[] keep = new boolean[kept.size()];
        for (int k = kept.size() - 1; k >= 0; k--) {
            NodeProto n = kept.get(k);
            for (String out : n.getOutputList()) keep[k] |= needed.contains(out);
            if (keep[k]) needed.addAll(n.getInputList());
            else fates[origin.get(k)] = Fate.UNUSED;
        }
        boolean half = false;
        for (int k = 0; k < kept.size(); k++) {
            if (!keep[k]) continue;
            live.add(kept.get(k));
            liveOrigin.add(origin.get(k));
            for (String out : kept.get(k).getOutputList()) {
                int t = facts.getOrDefault(out, Facts.UNKNOWN).dtype();
                half |= t == DataType.FLOAT16_VALUE || t == DataType.BFLOAT16_VALUE;
            }
        }
        return new OnnxGraph(file, opset, g, live, liveOrigin.stream().mapToInt(Integer::intValue).toArray(), fates,
                constants, storedAs, inputs, outputs, facts, half || halfCast);
    }

    private boolean halfCast;

    private static Facts inputFacts(ValueInfoProto v) {
        if (!v.getType().hasTensorType()) return Facts.UNKNOWN;
        var t = v.getType().getTensorType();
        Dim[] shape = null;
        if (t.hasShape()) {
            List<TensorShapeProto.Dimension> dims = t.getShape().getDimList();
            if (dims.size() <= ShapeRules.MAX_RANK) {
                shape = new Dim[dims.size()];
                for (int i = 0; i < shape.length; i++) {
                    TensorShapeProto.Dimension d = dims.get(i);
                    shape[i] = d.hasDimValue() && d.getDimValue() >= 0 ? Dim.of(d.getDimValue())
                            : d.hasDimParam() && !d.getDimParam().isBlank() ? Dim.symbol(d.getDimParam()) : Dim.unknown();
                }
            }
        }
        return Facts.of(t.getElemType(), shape).withFlags(false, false, v.getName().equals("attention_mask"));
    }

    private String resolve(String value) {
        String a = alias.get(value);
        return a == null ? value : a;
    }

    private Facts factsOf(String value) {
        return value.isEmpty() ? Facts.UNKNOWN : facts.getOrDefault(value, Facts.UNKNOWN);
    }

    /**
     * Known values kept over the whole graph: a real export needs a few thousand (shape vectors, scalars); past the
     * cap only short vectors (shapes) are still followed, which keeps memory and time bounded for a graph built to
     * make every node a large known tensor.
     */
    static final long VALUE_BUDGET = 1 << 18;
    private long values;

    /** Infers node i's outputs and decides what becomes of it. */
    private Fate visit(int i) {
        NodeProto n = withResolvedInputs(g.getNode(i));
        Facts[] in = new Facts[n.getInputCount()];
        for (int k = 0; k < in.length; k++) {
            in[k] = factsOf(n.getInput(k));
            if (values > VALUE_BUDGET && valueCount(in[k]) > ShapeRules.MAX_RANK) in[k] = in[k].withInts(null).withReals(null);
        }
        Facts[] out = ShapeRules.infer(n, in, opset);
        for (int k = 0; k < out.length; k++) {
            if (values > VALUE_BUDGET && valueCount(out[k]) > ShapeRules.MAX_RANK) out[k] = out[k].withInts(null).withReals(null);
            values += valueCount(out[k]);
        }
        for (int k = 0; k < out.length; k++) if (!n.getOutput(k).isEmpty()) facts.put(n.getOutput(k), out[k]);
        String op = n.getOpType();

        if (op.equals("Constant")) {
            TensorProto value = ShapeRules.constantValue(n);
            if (value != null) {
                constants.put(n.getOutput(0), value);
                return Fate.FOLDED;
            }
        }
        String same = noOpInput(n, in, out);
        if (same != null && n.getOutputCount() >= 1) {
            if (op.equals("Cast") && Facts.isFloat((int) ShapeRules.intAttr(n, "to", 0))
                    && isHalf((int) ShapeRules.intAttr(n, "to", 0)) && !constants.containsKey(same)) halfCast = true;
            if (constants.containsKey(same)) {
                // a weight seen through a Cast (FP16 initializers) or a Reshape to its own shape is the weight
                constants.put(n.getOutput(0), constants.get(same));
                if (storedAs.containsKey(same)) storedAs.put(n.getOutput(0), storedAs.get(same));
                facts.put(n.getOutput(0), facts.get(same).withType(out[0].dtype()));
                return Fate.FOLDED;
            }
            alias.put(n.getOutput(0), same);
            return Fate.NOOP;
        }
        if (foldable(n, out)) {
            for (int k = 0; k < out.length; k++) constants.put(n.getOutput(k), tensorOf(out[k]));
            return Fate.FOLDED;
        }
        if (op.equals("Reshape")) {
            // a Reshape undoing the Reshape before it: both go (the first one may still be read elsewhere)
            Integer p = keptProducer.get(n.getInput(0));
            if (p != null && kept.get(p).getOpType().equals("Reshape")
                    && sameShape(factsOf(kept.get(p).getInput(0)).shape(), out[0].shape())) {
                alias.put(n.getOutput(0), kept.get(p).getInput(0));
                return Fate.NOOP;
            }
        }
        if (op.equals("Transpose")) {
            Integer p = keptProducer.get(n.getInput(0));
            if (p != null && kept.get(p).getOpType().equals("Transpose")) {
                NodeProto first = kept.get(p);
                int rank = out[0].rank();
                if (rank > 0) {
                    try {
                        long[] p1 = ShapeRules.perm(first, rank), p2 = ShapeRules.perm(n, rank);
                        long[] composed = new long[rank];
                        boolean identity = true;
                        for (int k = 0; k < rank; k++) {
                            composed[k] = p1[(int) p2[k]];
                            identity &= composed[k] == k;
                        }
                        if (identity) {
                            alias.put(n.getOutput(0), first.getInput(0));
                            return Fate.NOOP;
                        }
                        n = n.toBuilder().setInput(0, first.getInput(0)).clearAttribute()
                                .addAttribute(GraphWriter.intsAttr("perm", composed)).build();
                    } catch (IllegalArgumentException e) {
                        // an invalid perm: leave it for the recognizer to refuse
                    }
                }
            }
        }
        for (String o : n.getOutputList()) if (!o.isEmpty()) keptProducer.put(o, kept.size());
        kept.add(n);
        origin.add(i);
        return Fate.KEPT;
    }

    private static long valueCount(Facts f) {
        return (f.ints() != null ? f.ints().length : 0) + (f.reals() != null ? f.reals().length : 0);
    }

    private static boolean isHalf(int dtype) {
        return dtype == DataType.FLOAT16_VALUE || dtype == DataType.BFLOAT16_VALUE;
    }

    private NodeProto withResolvedInputs(NodeProto n) {
        NodeProto.Builder b = null;
        for (int k = 0; k < n.getInputCount(); k++) {
            String r = resolve(n.getInput(k));
            if (!r.equals(n.getInput(k))) {
                if (b == null) b = n.toBuilder();
                b.setInput(k, r);
            }
        }
        return b == null ? n : b.build();
    }

    /** The input a node passes through unchanged, or null. */
    private static String noOpInput(NodeProto n, Facts[] in, Facts[] out) {
        if (n.getInputCount() == 0 || out.length == 0) return null;
        String x = n.getInput(0);
        switch (n.getOpType()) {
            case "Identity":
                return x;
            case "Dropout": {
                // inference: the data passes; a mask output that something reads keeps the node
                return n.getOutputCount() == 1 || n.getOutput(1).isEmpty() ? x : null;
            }
            case "Cast": {
                int to = (int) ShapeRules.intAttr(n, "to", 0), from = in[0].dtype();
                return from == to || (Facts.isFloat(from) && Facts.isFloat(to)) ? x : null;
            }
            case "Reshape", "Squeeze", "Unsqueeze", "Expand":
                return sameShape(in[0].shape(), out[0].shape()) ? x : null;
            case "Transpose": {
                long[] perm = ShapeRules.intsAttr(n, "perm");
                if (perm == null) return in[0].rank() == 1 ? x : null;
                for (int i = 0; i < perm.length; i++) if (perm[i] != i) return null;
                return x;
            }
            case "Concat":
                return n.getInputCount() == 1 ? x : null;
            case "Add":
                if (in.length == 2 && in[1].zero() && sameShape(in[0].shape(), out[0].shape())) return x;
                if (in.length == 2 && in[0].zero() && sameShape(in[1].shape(), out[0].shape())) return n.getInput(1);
                return null;
            case "Sub":
                return in.length == 2 && in[1].zero() && sameShape(in[0].shape(), out[0].shape()) ? x : null;
            case "Mul":
                if (in.length == 2 && ones(in[1]) && sameShape(in[0].shape(), out[0].shape())) return x;
                if (in.length == 2 && ones(in[0]) && sameShape(in[1].shape(), out[0].shape())) return n.getInput(1);
                return null;
            case "Div":
                return in.length == 2 && ones(in[1]) && sameShape(in[0].shape(), out[0].shape()) ? x : null;
            default:
                return null;
        }
    }

    private static boolean ones(Facts f) {
        if (f.reals() == null || f.reals().length == 0) return false;
        for (double v : f.reals()) if (v != 1) return false;
        return true;
    }

    private static boolean sameShape(Dim[] a, Dim[] b) {
        return a != null && b != null && Arrays.equals(a, b);
    }

    /** Every output known before run time, small, and of a type the recognizer reads as a number. */
    private static boolean foldable(NodeProto n, Facts[] out) {
        if (out.length == 0) return false;
        for (Facts f : out) {
            if (!f.constant()) return false;
            long count = f.count();
            int len = f.reals() != null ? f.reals().length : f.ints().length;
            if (count < 0 || count != len) return false;
            if (!(Facts.isFloat(f.dtype()) || Facts.isInteger(f.dtype()))) return false;
        }
        for (String o : n.getOutputList()) if (o.isEmpty()) return false;
        return true;
    }

    /** A folded value as a tensor: INT64 for integers, FLOAT for floats (the recognizer reads numbers, not bytes). */
    private static TensorProto tensorOf(Facts f) {
        long[] dims = ShapeRules.values(f.shape());
        if (f.reals() != null) {
            float[] v = new float[f.reals().length];
            for (int i = 0; i < v.length; i++) v[i] = (float) f.reals()[i];
            return TensorData.floats("", v, dims);
        }
        return TensorData.longs("", ShapeRules.values(f.ints()), dims);
    }
}
