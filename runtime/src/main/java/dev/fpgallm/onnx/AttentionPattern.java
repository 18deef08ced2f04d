package dev.fpgallm.onnx;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * Finds the causal self-attention between the QKV projection and the output projection by following the data:
 * each of the Split's three parts is tracked through Reshapes (into heads, or merging batch and heads as baddbmm
 * does), Transposes, a Concat with a past input and scales, with the logical axis (batch b, positions s, keys t,
 * heads h, head_dim d) of every dimension known. Q, K and V are told apart by what the graph does with them,
 * not by their order: Q meets K^T in the score MatMul as [.., s, d] x [.., d, t]; the probabilities meet V as
 * [.., s, t] x [.., t, d]. Between the scores and the Softmax only scales, masks (Where with a large negative
 * fill, or an added mask) and no-ops may stand; the scales must multiply to 1/sqrt(head_dim) and one mask must be
 * built from positions (a causal mask), or the graph is not a GPT-2 decoder. Values may be read by several nodes
 * (a present output, a Shape): every reader is accounted for. Work is linear in the nodes visited.
 */
final class AttentionPattern {
    static final int Q = 0, K = 1, V = 2;

    /**
     * @param roleOfPart Q, K or V for each of the Split's three parts, in column order
     * @param softmax    the Softmax node (its output holds the attention probabilities)
     */
    record Match(String output, int[] roleOfPart, int heads, int headDim, int scores, int context, int softmax,
                 List<Integer> nodes) {
    }

    // logical axes
    private static final int B = 0, S = 1, T = 2, H = 3, D = 4, C = 5;
    private static final String[] AXIS = {"b", "s", "t", "h", "d", "h*d"};

    private enum Kind { PART, SCORES, PROBS, CONTEXT }

    /** What a tracked value is: its kind, the logical axes of each dimension, and the scale applied so far. */
    private record Track(Kind kind, int part, int[][] groups, double scale, boolean cached, int qPart, int kPart,
                         boolean causal, boolean masked) {
        Track with(int[][] g) {
            return new Track(kind, part, g, scale, cached, qPart, kPart, causal, masked);
        }

        Track scaled(double factor) {
            return new Track(kind, part, groups, scale * factor, cached, qPart, kPart, causal, masked);
        }
    }

    private final OnnxGraph g;
    private final int d;
    private final Map<String, Track> tracked = new HashMap<>();
    private final Map<Integer, Dim> sizes = new HashMap<>();
    private final Set<Integer> nodes = new LinkedHashSet<>();
    private int heads = -1, headDim = -1;
    private int scoreNode = -1, contextNode = -1, softmaxNode = -1;
    private final int[] roleOfPart = {-1, -1, -1};
    private String output;

    private AttentionPattern(OnnxGraph g, int d) {
        this.g = g;
        this.d = d;
    }

    static Match find(OnnxGraph g, String qkv, int d, int qkvNode) {
        return new AttentionPattern(g, d).run(qkv, qkvNode);
    }

    private Match run(String qkv, int qkvNode) {
        List<Integer> splits = g.readers(qkv, "Split").stream().filter(n -> g.in(n, 0).equals(qkv)).toList();
        if (splits.size() != 1 || g.readers(qkv).size() != 1)
            throw g.error(qkvNode, "expected one Split of its output into Q, K and V; " + g.describeReaders(qkv));
        int split = splits.get(0);
        Dim[] in = g.shape(qkv);
        if (in == null || in.length != 3 || !in[2].is(3L * d))
            throw g.error(split, "expected to split [batch, sequence, " + 3 * d + "], found " + Dim.toString(in));
        if (g.node(split).getOutputCount() != 3)
            throw g.error(split, "expected 3 parts (Q, K, V), found " + g.node(split).getOutputCount());
        for (int part = 0; part < 3; part++) {
            Dim[] s = g.shape(g.node(split).getOutput(part));
            if (s == null || s.length != 3 || !s[2].is(d))
                throw g.error(split, "expected 3 parts of " + d + " columns along the last axis, part " + part
                        + " is " + Dim.toString(s));
        }
        sizes.put(B, in[0]);
        sizes.put(S, in[1]);
        sizes.put(C, Dim.of(d));
        nodes.add(split);
        Deque<String> todo = new ArrayDeque<>();
        for (int part = 0; part < 3; part++) {
            String v = g.node(split).getOutput(part);
            tracked.put(v, new Track(Kind.PART, part, new int[][] {{B}, {S}, {C}}, 1, false, -1, -1, false, false));
            todo.add(v);
        }
        Map<Integer, Integer> waiting = new HashMap<>();  // MatMul -> tracked inputs seen
        while (!todo.isEmpty()) {
            String v = todo.poll();
            Track t = tracked.get(v);
            if (g.outputs.contains(v)) checkOutput(v, t);
            for (int n : g.consumersOf(v)) {
                String op = g.op(n);
                if (op.equals("Shape") || op.equals("Size")) continue;
                // a MatMul waits for both operands (they arrive in either order)
                if (op.equals("MatMul") && !g.in(n, 0).equals(g.in(n, 1)) && waiting.merge(n, 1, Integer::sum) < 2) continue;
                Track next = step(n, v, t);
                nodes.add(n);
                if (next == null) continue;
                String out = g.out(n);
                if (next.kind == Kind.CONTEXT && mergedHeads(next.groups)) {
                    // [b, s, h*d]: the attention's result, which the output projection reads
                    if (output != null && !output.equals(out))
                        throw g.error(n, "the attention has a second output besides " + g.describe(output));
                    output = out;
                    tracked.put(out, next);
                    continue;
                }
                if (tracked.put(out, next) == null) todo.add(out);
            }
        }
        for (Map.Entry<Integer, Integer> w : waiting.entrySet()) {
            int n = w.getKey();
            if (w.getValue() < 2) {
                boolean first = tracked.containsKey(g.in(n, 0));
                throw g.error(n, "multiplies the attention's " + what(tracked.get(g.in(n, first ? 0 : 1))) + " with "
                        + g.describe(g.in(n, first ? 1 : 0)) + ", not with Q, K or V");
            }
        }
        if (output == null) {
            if (scoreNode < 0) throw g.error(split, "Q, K and V never meet in a score MatMul (Q [.., s, d] x K^T [.., d, t])");
            if (contextNode < 0) throw g.error(scoreNode, "the attention probabilities never meet V in a MatMul");
            throw g.error(contextNode, "expected the heads to be transposed back to [b, s, h, d] and reshaped to [b, s, "
                    + d + "]");
        }
        for (int p = 0; p < 3; p++)
            if (roleOfPart[p] < 0) throw g.error(split, "Split part " + p + " is not used as Q, K or V");
        return new Match(output, roleOfPart.clone(), heads, headDim, scoreNode, contextNode, softmaxNode,
                new ArrayList<>(nodes));
    }

    /** What node n does to the tracked value v: the new track of its output, or null when it ends there. */
    private Track step(int n, String v, Track t) {
        String op = g.op(n);
        switch (op) {
            case "Reshape":
                if (!g.in(n, 0).equals(v)) throw g.error(n, "the attention's " + what(t) + " is used as a shape");
                return t.with(regroup(n, t.groups, g.shape(v), g.shape(g.out(n))));
            case "Transpose": {
                long[] perm;
                try {
                    perm = ShapeRules.perm(g.node(n), t.groups.length);
                } catch (IllegalArgumentException e) {
                    throw g.error(n, "expected a Transpose of the " + t.groups.length + " axes of the attention's "
                            + what(t) + " (" + e.getMessage() + ")");
                }
                int[][] out = new int[perm.length][];
                for (int i = 0; i < perm.length; i++) out[i] = t.groups[(int) perm[i]];
                return t.with(out);
            }
            case "Mul", "Div":
                return t.scaled(scale(n, v, t));
            case "Concat":
                return concat(n, v, t);
            case "MatMul":
                return matmul(n);
            case "Where":
                return where(n, v, t);
            case "Add":
                return add(n, v, t);
            case "Softmax":
                return softmax(n, t);
            default:
                throw g.error(n, "unexpected on the way of the attention's " + what(t) + " (expected Reshape, "
                        + "Transpose, a past Concat, a scale, the mask, Softmax or MatMul)");
        }
    }

    private String what(Track t) {
        return switch (t.kind) {
            case PART -> roleOfPart[t.part] >= 0 ? "QKV".charAt(roleOfPart[t.part]) + "" : "Split part " + t.part;
            case SCORES -> "scores";
            case PROBS -> "probabilities";
            case CONTEXT -> "context";
        };
    }

    /** A graph output on the attention's way: the present cache (K or V as [b, h, t, d]) or the probabilities. */
    private void checkOutput(String v, Track t) {
        boolean cache = t.kind == Kind.PART && layout(t.groups, new int[][] {{B}, {H}, {t.cached ? T : S}, {D}});
        if (!cache && t.kind != Kind.PROBS)
            throw g.error(g.producerOf(v) >= 0 ? g.producerOf(v) : 0, "the attention's " + what(t) + " in layout "
                    + name(t.groups) + " is a graph output ('" + v + "'); only the present K/V cache [b, h, t, d] can be");
    }

    private double scale(int n, String v, Track t) {
        if (t.kind == Kind.PROBS || t.kind == Kind.CONTEXT)
            throw g.error(n, "scales the attention's " + what(t) + "; only Q, K and the scores are scaled");
        boolean div = g.op(n).equals("Div");
        if (div && !g.in(n, 0).equals(v)) throw g.error(n, "divides by the attention's " + what(t));
        String other = g.other(n, v);
        OptionalDouble c = g.scalar(other);
        if (c.isEmpty() || c.getAsDouble() == 0 || !Double.isFinite(c.getAsDouble()))
            throw g.error(n, "expected a scale by a constant known before run time, found "
                    + (other == null ? "the same value twice" : g.describe(other)));
        return div ? 1 / c.getAsDouble() : c.getAsDouble();
    }

    private Track concat(int n, String v, Track t) {
        if (t.kind != Kind.PART || g.node(n).getInputCount() != 2 || !g.in(n, 1).equals(v))
            throw g.error(n, "expected Concat(past cache input, new rows) of K or V");
        String past = g.in(n, 0);
        int seqAt = indexOf(t.groups, S);
        long axis = g.intAttr(n, "axis", 0);
        if (!g.inputs.contains(past) || seqAt < 0 || (axis < 0 ? axis + t.groups.length : axis) != seqAt || t.cached)
            throw g.error(n, "expected Concat(past cache input, new rows) along the sequence axis (" + seqAt
                    + ") of K or V in layout " + name(t.groups));
        Dim[] out = g.shape(g.out(n));
        if (out != null && out.length == t.groups.length) {
            Dim before = sizes.put(T, out[seqAt]);
            if (before != null && !before.equals(out[seqAt]))
                throw g.error(n, "K and V have different cache lengths (" + before + ", " + out[seqAt] + ")");
        } else sizes.putIfAbsent(T, Dim.unknown());
        int[][] groups = t.groups.clone();
        groups[seqAt] = new int[] {T};
        return new Track(Kind.PART, t.part, groups, t.scale, true, -1, -1, false, false);
    }

    private Track matmul(int n) {
        Track a = tracked.get(g.in(n, 0)), b = tracked.get(g.in(n, 1));
        if (a.kind == Kind.PART && b.kind == Kind.PART) {
            int[][] batch = batchOf(a.groups);
            int keyAxis = b.cached ? T : S;
            boolean ok = a.part != b.part && !a.cached && batchOk(batch, batchOf(b.groups))
                    && layoutTail(a.groups, S, D) && layoutTail(b.groups, D, keyAxis);
            if (!ok) throw g.error(n, "cannot tell Q from K: operand A is " + what(a) + " in layout " + name(a.groups)
                    + ", B is " + what(b) + " in " + name(b.groups) + " (expected Q as A in [b, h, s, d], K as B in "
                    + "[b, h, d, t])");
            if (scoreNode >= 0) throw g.error(n, "a second score MatMul in one attention");
            scoreNode = n;
            assign(a.part, Q, n);
            assign(b.part, K, n);
            int[][] groups = Arrays.copyOf(batch, batch.length + 2);
            groups[batch.length] = new int[] {S};
            groups[batch.length + 1] = new int[] {keyAxis};
            return new Track(Kind.SCORES, -1, groups, a.scale * b.scale, b.cached, a.part, b.part, false, false);
        }
        if (a.kind == Kind.PROBS && b.kind == Kind.PART) {
            int keys = a.groups[a.groups.length - 1][0];
            boolean ok = batchOk(batchOf(a.groups), batchOf(b.groups)) && layoutTail(b.groups, keys, D)
                    && b.part != a.qPart && b.part != a.kPart && b.cached == (keys == T);
            if (!ok) throw g.error(n, "expected the probabilities [b, h, s, t] times V [b, h, t, d], found "
                    + name(a.groups) + " times " + what(b) + " " + name(b.groups));
            contextNode = n;
            assign(b.part, V, n);
            if (b.scale != 1) throw g.error(n, "V is scaled by " + b.scale + " before the context MatMul; GPT-2's is not");
            int[][] groups = Arrays.copyOf(a.groups, a.groups.length);
            groups[groups.length - 1] = new int[] {D};
            return new Track(Kind.CONTEXT, -1, groups, 1, false, -1, -1, false, false);
        }
        throw g.error(n, "unexpected MatMul of the attention's " + what(a) + " and " + what(b));
    }

    private void assign(int part, int role, int n) {
        if (roleOfPart[part] >= 0 && roleOfPart[part] != role)
            throw g.error(n, "Split part " + part + " acts as both " + "QKV".charAt(roleOfPart[part]) + " and " + "QKV".charAt(role));
        for (int p = 0; p < 3; p++)
            if (p != part && roleOfPart[p] == role) throw g.error(n, "two Split parts both act as " + "QKV".charAt(role));
        roleOfPart[part] = role;
    }

    private Track where(int n, String v, Track t) {
        if (t.kind != Kind.SCORES || g.in(n, 0).equals(v))
            throw g.error(n, "expected Where(mask, scores, a large negative constant) on the attention scores");
        String fill = g.in(n, 1).equals(v) ? g.in(n, 2) : g.in(n, 1);
        OptionalDouble f = g.scalar(fill);
        if (f.isEmpty() || f.getAsDouble() > -1e4)
            throw g.error(n, "expected Where(mask, scores, a large negative constant), found " + g.describe(fill));
        Facts mask = g.facts(g.in(n, 0));
        return new Track(t.kind, t.part, t.groups, t.scale, t.cached, t.qPart, t.kPart, t.causal || mask.positional(), true);
    }

    private Track add(int n, String v, Track t) {
        String other = g.other(n, v);
        if (t.kind != Kind.SCORES || other == null || tracked.containsKey(other))
            throw g.error(n, "adds to the attention's " + what(t) + "; only a mask may be added to the scores");
        Facts mask = g.facts(other);
        return new Track(t.kind, t.part, t.groups, t.scale, t.cached, t.qPart, t.kPart, t.causal || mask.positional(), true);
    }

    private Track softmax(int n, Track t) {
        if (t.kind != Kind.SCORES) throw g.error(n, "a Softmax of the attention's " + what(t));
        long axis = g.intAttr(n, "axis", -1);
        int rank = t.groups.length;
        if ((axis < 0 ? axis + rank : axis) != rank - 1)
            throw g.error(n, "softmax over axis " + axis + ", expected the key axis (-1)");
        if (!t.causal)
            throw g.error(n, "attention without a causal mask is not a GPT-2 decoder (the scores reach the Softmax "
                    + (t.masked ? "with only a padding mask from attention_mask" : "unmasked") + ")");
        if (softmaxNode >= 0) throw g.error(n, "a second Softmax in one attention");
        softmaxNode = n;
        double expected = 1 / Math.sqrt(headDim);
        if (Math.abs(t.scale / expected - 1) > 1e-4)
            throw g.error(scoreNode, String.format(java.util.Locale.ROOT,
                    "attention scores are scaled by %.6g, expected 1/sqrt(head_dim) = %.6g", t.scale, expected));
        return new Track(Kind.PROBS, -1, t.groups, 1, t.cached, t.qPart, t.kPart, true, true);
    }

    // ---- layouts ----

    /**
     * The logical axes of a Reshape's output: its dims are consecutive runs of the input's logical axes (whose
     * sizes are known), the first split of h*d into two dims defining heads and head_dim.
     */
    private int[][] regroup(int n, int[][] groups, Dim[] inDims, Dim[] outDims) {
        if (outDims == null || inDims == null || inDims.length != groups.length)
            throw g.error(n, "cannot follow this Reshape of the attention: shapes " + Dim.toString(inDims) + " -> "
                    + Dim.toString(outDims) + " are not known before run time");
        List<Integer> axes = new ArrayList<>();
        for (int[] grp : groups) for (int a : grp) axes.add(a);
        List<int[]> out = new ArrayList<>();
        int k = 0;
        for (int i = 0; i < outDims.length; i++) {
            List<Integer> run = new ArrayList<>();
            Dim p = Dim.of(1);
            while (!p.equals(outDims[i])) {
                if (k >= axes.size()) throw reshapeError(n, inDims, outDims);
                int a = axes.get(k);
                Dim size = sizes.get(a);
                if (a == C && run.isEmpty() && !size.equals(outDims[i]) && i + 1 < outDims.length) {
                    // the split into heads: [.., h*d] -> [.., heads, head_dim]
                    Dim h = outDims[i], hd = outDims[i + 1];
                    if (!h.isConstant() || !hd.isConstant() || h.value() <= 0 || h.value() * hd.value() != d)
                        throw g.error(n, "cannot tell the number of heads: " + Dim.toString(outDims) + " for " + d + " columns");
                    if (heads > 0 && (heads != h.value() || headDim != hd.value()))
                        throw g.error(n, "splits into " + h + " heads of " + hd + ", another part into " + heads + " of " + headDim);
                    heads = (int) h.value();
                    headDim = (int) hd.value();
                    sizes.put(H, h);
                    sizes.put(D, hd);
                    axes.set(k, D);
                    axes.add(k, H);
                    continue;
                }
                if (size == null) throw reshapeError(n, inDims, outDims);
                run.add(a);
                p = p.times(size);
                k++;
                if (run.size() > axes.size()) throw reshapeError(n, inDims, outDims);
            }
            if (run.isEmpty()) throw reshapeError(n, inDims, outDims);
            out.add(run.stream().mapToInt(Integer::intValue).toArray());
        }
        if (k != axes.size()) throw reshapeError(n, inDims, outDims);
        return out.toArray(int[][]::new);
    }

    private RuntimeException reshapeError(int n, Dim[] in, Dim[] out) {
        return g.error(n, "cannot follow this Reshape of the attention from " + Dim.toString(in) + " to " + Dim.toString(out)
                + " (expected it to split or merge the batch, position, head and head_dim axes)");
    }

    /** The dims before the last two; a batch of heads is [b][h] or [b, h] merged. */
    private static int[][] batchOf(int[][] groups) {
        return groups.length < 2 ? new int[0][] : Arrays.copyOf(groups, groups.length - 2);
    }

    private static boolean batchOk(int[][] a, int[][] b) {
        if (a.length != b.length) return false;
        for (int i = 0; i < a.length; i++) if (!Arrays.equals(a[i], b[i])) return false;
        List<Integer> flat = new ArrayList<>();
        for (int[] grp : a) for (int x : grp) flat.add(x);
        return flat.equals(List.of(B, H));
    }

    private static boolean layoutTail(int[][] groups, int second, int last) {
        int n = groups.length;
        return n >= 2 && Arrays.equals(groups[n - 2], new int[] {second}) && Arrays.equals(groups[n - 1], new int[] {last});
    }

    private static boolean layout(int[][] groups, int[][] expected) {
        if (groups.length != expected.length) return false;
        for (int i = 0; i < groups.length; i++) if (!Arrays.equals(groups[i], expected[i])) return false;
        return true;
    }

    /** [b][s][h, d]: the heads merged back, ready for the output projection. */
    private static boolean mergedHeads(int[][] groups) {
        return layout(groups, new int[][] {{B}, {S}, {H, D}});
    }

    private static int indexOf(int[][] groups, int axis) {
        for (int i = 0; i < groups.length; i++) if (groups[i].length == 1 && groups[i][0] == axis) return i;
        return -1;
    }

    private static String name(int[][] groups) {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < groups.length; i++) {
            if (i > 0) s.append(", ");
            for (int j = 0; j < groups[i].length; j++) s.append(j > 0 ? "*" : "").append(AXIS[groups[i][j]]);
        }
        return s.append(']').toString();
    }
}
