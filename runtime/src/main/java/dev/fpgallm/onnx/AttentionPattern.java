package dev.fpgallm.onnx;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalDouble;

/**
 * Finds the causal self-attention between the QKV projection and the output projection, and tells Q, K and V apart
 * by what the graph does with them rather than by their order in the Split: K and V may be concatenated with the
 * past; K reaches the score MatMul as its transposed right operand ([b, h, d, s]), Q as its left one, V the
 * context MatMul as its right one. Scales on either side are multiplied up and must give 1/sqrt(head_dim).
 */
final class AttentionPattern {
    static final int Q = 0, K = 1, V = 2;
    private static final String[] ROLE = {"Q", "K", "V"};

    /**
     * @param roleOfPart Q, K or V for each of the Split's three parts, in column order
     * @param past       the past-cache graph input each role is concatenated with, or null (Q never is)
     * @param present    the value holding past + new for K and V, or null
     */
    record Match(String output, int[] roleOfPart, int heads, int headDim, int scores, int context,
                 List<Integer> nodes, String[] past, String[] present) {
    }

    /** One Split part followed to its MatMul. Layout: which logical axis (0 b, 1 s, 2 h, 3 d) sits at each position. */
    private record Path(int matmul, int operand, int[] layout, double scale, String past, String present,
                        int heads, int headDim, List<Integer> nodes) {
    }

    private AttentionPattern() {
    }

    static Match find(OnnxGraph g, String qkv, int d, int qkvNode) {
        List<Integer> splits = g.readers(qkv, "Split").stream().filter(n -> g.in(n, 0).equals(qkv)).toList();
        if (splits.size() != 1 || g.readers(qkv).size() != 1)
            throw g.error(qkvNode, "expected one Split of its output into Q, K and V; " + g.describeReaders(qkv));
        int split = splits.get(0);
        long axis = g.intAttr(split, "axis", 0);
        if ((axis != 2 && axis != -1) || g.node(split).getOutputCount() != 3)
            throw g.error(split, "expected 3 parts along the last axis, found " + g.node(split).getOutputCount()
                    + " along axis " + axis);
        if (!g.in(split, 1).isEmpty()) {
            long[] sizes = g.partialShape(g.in(split, 1));
            if (sizes == null || !Arrays.equals(sizes, new long[] {d, d, d}))
                throw g.error(split, "expected parts of " + d + " columns each, found " + (sizes == null ? "sizes unknown before run time" : Arrays.toString(sizes)));
        }

        List<Integer> nodes = new ArrayList<>(List.of(split));
        Path[] byRole = new Path[3];
        int[] roleOfPart = new int[3];
        for (int part = 0; part < 3; part++) {
            Path p = follow(g, g.node(split).getOutput(part), d, split);
            int role = roleOf(p);
            if (role < 0)
                throw g.error(p.matmul, "cannot tell whether Split part " + part + " is Q, K or V: it arrives as operand "
                        + (p.operand == 0 ? "A" : "B") + " in layout " + layoutName(p.layout)
                        + " (expected Q as A in [b,h,s,d], K as B in [b,h,d,s], V as B in [b,h,s,d])");
            if (byRole[role] != null) throw g.error(split, "two of its parts both act as " + ROLE[role]);
            byRole[role] = p;
            roleOfPart[part] = role;
            nodes.addAll(p.nodes);
        }
        Path q = byRole[Q], k = byRole[K], v = byRole[V];
        if (q.matmul != k.matmul) throw g.error(q.matmul, "Q and K do not meet in one score MatMul");
        if (q.heads != k.heads || q.heads != v.heads || q.headDim != k.headDim || q.headDim != v.headDim)
            throw g.error(split, "Q, K and V are split into different numbers of heads");
        if (q.past != null) throw g.error(split, "Q is concatenated with a past input; only K and V have a cache");

        // scores -> scale / mask -> Softmax -> context MatMul with V
        double scale = q.scale * k.scale;
        String value = g.out(q.matmul);
        int softmax = -1;
        int last = q.matmul;
        while (softmax < 0) {
            int n = single(g, value, last, "the attention scores' scale, mask or Softmax");
            switch (g.op(n)) {
                case "Mul", "Div" -> scale = scaled(g, n, value, scale);
                case "Where" -> {
                    String fill = g.in(n, 1).equals(value) ? g.in(n, 2) : g.in(n, 1);
                    OptionalDouble f = g.scalar(fill);
                    if (f.isEmpty() || f.getAsDouble() > -1e4)
                        throw g.error(n, "expected Where(mask, scores, a large negative constant), found " + g.describe(fill));
                }
                case "Add", "Cast" -> { } // an additive mask built from attention_mask / a dtype cast
                case "Softmax" -> {
                    long ax = g.intAttr(n, "axis", -1);
                    if (ax != -1 && ax != 3) throw g.error(n, "softmax over axis " + ax + ", expected the key axis (-1)");
                    softmax = n;
                }
                default -> throw g.error(n, "unexpected between the score MatMul and the Softmax (expected a scale, "
                        + "the causal mask or the Softmax)");
            }
            nodes.add(n);
            value = g.out(n);
            last = n;
        }
        int context = single(g, value, softmax, "the MatMul of the probabilities with V");
        if (g.op(context).equals("Cast")) {
            nodes.add(context);
            context = single(g, g.out(context), context, "the MatMul of the probabilities with V");
        }
        if (context != v.matmul || !g.in(context, 0).equals(value))
            throw g.error(context, "expected the MatMul of the Softmax output with V");
        double expected = 1 / Math.sqrt(q.headDim);
        if (Math.abs(scale / expected - 1) > 1e-4)
            throw g.error(q.matmul, String.format(java.util.Locale.ROOT,
                    "attention scores are scaled by %.6g, expected 1/sqrt(head_dim) = %.6g", scale, expected));

        // context [b, h, s, d] -> Transpose -> Reshape [b, s, h*d]
        int[] layout = {0, 2, 1, 3};
        value = g.out(context);
        last = context;
        while (true) {
            int n = single(g, value, last, "the Transpose / Reshape merging the heads");
            nodes.add(n);
            if (g.op(n).equals("Transpose")) layout = permute(layout, perm(g, n));
            else if (g.op(n).equals("Reshape") && Arrays.equals(layout, new int[] {0, 1, 2, 3})) {
                long[] shape = g.partialShape(g.in(n, 1));
                if (shape == null || shape.length != 3 || !(shape[2] == d || shape[2] == -1 || shape[2] == OnnxGraph.UNKNOWN))
                    throw g.error(n, "expected a Reshape of the heads back to [batch, sequence, " + d + "]");
                return new Match(g.out(n), roleOfPart, q.heads, q.headDim, q.matmul, context, nodes,
                        new String[] {null, k.past, v.past}, new String[] {null, k.present, v.present});
            } else throw g.error(n, "expected the heads to be transposed back to [b, s, h, d] and reshaped to [b, s, "
                    + d + "], found layout " + layoutName(layout));
            value = g.out(n);
            last = n;
        }
    }

    /** Reshape into heads, then any Transposes, the cache Concat and scales, up to the first MatMul. */
    private static Path follow(OnnxGraph g, String part, int d, int split) {
        List<Integer> nodes = new ArrayList<>();
        int reshape = single(g, part, split, "a Reshape of the Q/K/V part into heads");
        long[] shape = g.op(reshape).equals("Reshape") ? g.partialShape(g.in(reshape, 1)) : null;
        if (shape == null || shape.length != 4)
            throw g.error(reshape, "expected a Reshape of the Q/K/V part into [batch, sequence, heads, head_dim]");
        int heads = known(shape[2]) ? (int) shape[2] : -1, headDim = known(shape[3]) ? (int) shape[3] : -1;
        if (heads <= 0 && headDim > 0 && d % headDim == 0) heads = d / headDim;
        if (headDim <= 0 && heads > 0 && d % heads == 0) headDim = d / heads;
        if (heads <= 0 || headDim <= 0 || heads * headDim != d)
            throw g.error(reshape, "cannot tell the number of heads: shape " + Arrays.toString(shape) + " for " + d + " columns");
        nodes.add(reshape);
        int[] layout = {0, 1, 2, 3};
        long[] logical = {OnnxGraph.UNKNOWN, OnnxGraph.UNKNOWN, heads, headDim};  // b, s, h, d
        double scale = 1;
        String past = null, present = null;
        String value = g.out(reshape);
        int last = reshape;
        while (true) {
            // so that a scale computed from Shape(this value), as PyTorch exports value.size(-1) ** 0.5, is known
            g.hintShape(value, positional(layout, logical));
            int n = single(g, value, last, "the attention's use of this Q/K/V part");
            switch (g.op(n)) {
                case "MatMul" -> {
                    return new Path(n, g.in(n, 0).equals(value) ? 0 : 1, layout, scale, past, present, heads, headDim, nodes);
                }
                case "Transpose" -> layout = permute(layout, perm(g, n));
                case "Mul", "Div" -> scale = scaled(g, n, value, scale);
                case "Concat" -> {
                    String other = g.node(n).getInputCount() == 2 ? g.other(n, value) : null;
                    long ax = g.intAttr(n, "axis", 0);
                    int seqAt = indexOf(layout, 1);
                    if (other == null || !g.inputs.contains(other) || (ax < 0 ? ax + 4 : ax) != seqAt || !g.in(n, 1).equals(value))
                        throw g.error(n, "expected Concat(past cache input, new rows) along the sequence axis (" + seqAt + ")");
                    past = other;
                    present = g.out(n);
                }
                default -> throw g.error(n, "unexpected on the way from the Q/K/V split to the attention MatMuls");
            }
            nodes.add(n);
            value = g.out(n);
            last = n;
        }
    }

    private static long[] positional(int[] layout, long[] logical) {
        long[] out = new long[4];
        for (int i = 0; i < 4; i++) out[i] = logical[layout[i]];
        return out;
    }

    private static int roleOf(Path p) {
        boolean bhsd = Arrays.equals(p.layout, new int[] {0, 2, 1, 3});
        boolean bhds = Arrays.equals(p.layout, new int[] {0, 2, 3, 1});
        if (p.operand == 0 && bhsd) return Q;
        if (p.operand == 1 && bhds) return K;
        if (p.operand == 1 && bhsd) return V;
        return -1;
    }

    private static double scaled(OnnxGraph g, int n, String value, double scale) {
        boolean div = g.op(n).equals("Div");
        if (div && !g.in(n, 0).equals(value)) throw g.error(n, "expected the activation divided by a constant");
        String other = g.other(n, value);
        OptionalDouble c = other == null ? OptionalDouble.empty() : g.scalar(other);
        if (c.isEmpty()) throw g.error(n, "expected a scale by a constant known before run time, found "
                + (other == null ? "none" : g.describe(other)));
        return div ? scale / c.getAsDouble() : scale * c.getAsDouble();
    }

    private static int single(OnnxGraph g, String value, int after, String expected) {
        List<Integer> r = g.readers(value);
        if (r.size() != 1) throw g.error(after, "expected " + expected + " to read its output; " + g.describeReaders(value));
        return r.get(0);
    }

    private static long[] perm(OnnxGraph g, int n) {
        long[] p = g.intsAttr(n, "perm");
        if (p == null || p.length != 4) throw g.error(n, "expected a 4-D Transpose with an explicit perm");
        return p;
    }

    /** A Transpose with perm p moves what sat at position p[i] to position i. */
    private static int[] permute(int[] layout, long[] p) {
        int[] out = new int[4];
        for (int i = 0; i < 4; i++) out[i] = layout[(int) p[i]];
        return out;
    }

    private static int indexOf(int[] a, int v) {
        for (int i = 0; i < a.length; i++) if (a[i] == v) return i;
        return -1;
    }

    private static boolean known(long v) {
        return v > 0;
    }

    private static String layoutName(int[] layout) {
        String[] axis = {"b", "s", "h", "d"};
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < 4; i++) s.append(i > 0 ? "," : "").append(axis[layout[i]]);
        return s.append(']').toString();
    }
}
