package dev.fpgallm.onnx;

import dev.fpgallm.model.Linear;
import dev.fpgallm.model.ModelFormatException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Finds the dense layer reading a value: {@code MatMul(x, W) [+ b]} with W an initializer [in][out] (PyTorch's
 * Conv1D / pre-transposed Linear) or a Transpose of one [out][in], or {@code Reshape -> Gemm -> Reshape} with
 * transB 0 or 1. The bias, when there is one, is an Add of a [out] initializer (either operand order) or Gemm's C.
 */
final class LinearPattern {
    /**
     * @param output     the layer's result (after the bias, after the Reshape back for Gemm)
     * @param product    the MatMul / Gemm node (the one that does the MACs)
     * @param weightName the initializer holding W
     * @param hasBias    whether a bias was found (the Linear's bias is null otherwise)
     */
    record Match(String output, Linear linear, int product, List<Integer> nodes, String weightName, boolean hasBias) {
    }

    private LinearPattern() {
    }

    /** @param what the layer's name, for messages ("h.0 attn.c_attn or the LM head") */
    static Match find(OnnxGraph g, String x, int in, String what) {
        // PyTorch's hidden_states.view(output_shape) before the LM head: a Reshape that keeps the last axis
        List<Integer> readers = g.readers(x);
        if (readers.size() == 1 && g.op(readers.get(0)).equals("Reshape") && keepsLastAxis(g, readers.get(0), in)
                && !g.readers(g.out(readers.get(0)), "MatMul").isEmpty()) {
            int view = readers.get(0);
            Match m = find(g, g.out(view), in, what);
            List<Integer> nodes = new ArrayList<>(m.nodes());
            nodes.add(view);
            return new Match(m.output(), m.linear(), m.product(), nodes, m.weightName(), m.hasBias());
        }
        List<Integer> products = new ArrayList<>();
        for (int r : g.readers(x)) {
            boolean matmul = g.op(r).equals("MatMul") && g.in(r, 0).equals(x);
            boolean reshapeToGemm = g.op(r).equals("Reshape") && g.in(r, 0).equals(x)
                    && g.readers(g.out(r)).stream().anyMatch(n -> g.op(n).equals("Gemm"));
            if (matmul || reshapeToGemm) products.add(r);
        }
        if (products.size() != 1)
            throw fail(g, x, "expected one MatMul or Reshape -> Gemm (" + what + ") to read " + g.describe(x) + "; "
                    + g.describeReaders(x));
        int first = products.get(0);
        return g.op(first).equals("MatMul") ? matMul(g, first, in) : gemm(g, first, in);
    }

    private static Match matMul(OnnxGraph g, int mm, int in) {
        List<Integer> nodes = new ArrayList<>(List.of(mm));
        String b = g.in(mm, 1);
        long[] shape = g.initializerShape(b);
        float[] rows;   // [out][in]
        int out;
        String weightName;
        if (shape != null && shape.length == 2 && shape[0] == in) {
            out = Math.toIntExact(shape[1]);
            rows = transpose(g.weight(b, mm, in, out), in, out);
            weightName = b;
        } else {
            int t = g.producerOf(b);
            long[] src = t >= 0 && g.op(t).equals("Transpose") ? g.initializerShape(g.in(t, 0)) : null;
            long[] perm = t >= 0 ? g.intsAttr(t, "perm") : null;
            if (src == null || src.length != 2 || src[1] != in || (perm != null && !Arrays.equals(perm, new long[] {1, 0})))
                throw g.error(mm, "input B " + g.describe(b) + " is not a weight: expected an initializer [" + in
                        + ", N] or a Transpose of an initializer [N, " + in + "]");
            out = Math.toIntExact(src[0]);
            weightName = g.in(t, 0);
            rows = g.weight(weightName, t, out, in);
            nodes.add(t);
        }
        String y = g.out(mm);
        float[] bias = null;
        List<Integer> adds = g.readers(y, "Add");
        if (g.readers(y).size() == 1 && adds.size() == 1) {
            String other = g.other(adds.get(0), y);
            long[] bs = other == null ? null : g.initializerShape(other);
            if (bs != null && bs.length == 1 && bs[0] == out) {
                bias = g.weight(other, adds.get(0), out);
                nodes.add(adds.get(0));
                y = g.out(adds.get(0));
            }
        }
        return new Match(y, new Linear(in, out, rows, bias), mm, nodes, weightName, bias != null);
    }

    private static Match gemm(OnnxGraph g, int reshape, int in) {
        // x [.., in] -> [rows, in]: the rows stay rows (PyTorch's x.view(-1, x.size(-1)) before addmm)
        Dim[] xs = g.shape(g.in(reshape, 0)), flat = g.shape(g.out(reshape));
        if (xs == null || flat == null || xs.length < 2 || flat.length != 2 || !flat[1].is(in) || !xs[xs.length - 1].is(in)
                || !flat[0].equals(Dim.product(xs, 0, xs.length - 1)))
            throw g.error(reshape, "expected a Reshape of " + Dim.toString(xs) + " to [rows, " + in + "] before the "
                    + "Gemm, found " + Dim.toString(flat));
        String x2 = g.out(reshape);
        int gm = g.readers(x2, "Gemm").get(0);
        if (!g.in(gm, 0).equals(x2) || g.intAttr(gm, "transA", 0) != 0
                || g.floatAttr(gm, "alpha", 1) != 1 || g.floatAttr(gm, "beta", 1) != 1)
            throw g.error(gm, "expected Gemm(x, W, b) with transA = 0, alpha = 1, beta = 1");
        boolean transB = g.intAttr(gm, "transB", 0) != 0;
        String b = g.in(gm, 1);
        long[] shape = g.initializerShape(b);
        if (shape == null || shape.length != 2 || shape[transB ? 1 : 0] != in)
            throw g.error(gm, "input B " + g.describe(b) + " is not a weight [" + (transB ? "N, " + in : in + ", N") + "]");
        int out = Math.toIntExact(shape[transB ? 0 : 1]);
        float[] rows = transB ? g.weight(b, gm, out, in) : transpose(g.weight(b, gm, in, out), in, out);
        float[] bias = null;
        String c = g.in(gm, 2);
        if (!c.isEmpty()) {
            long[] cs = g.initializerShape(c);
            if (cs == null || cs.length != 1 || cs[0] != out)
                throw g.error(gm, "input C " + g.describe(c) + " is not a bias [" + out + "]");
            bias = g.weight(c, gm, out);
        }
        List<Integer> back = g.readers(g.out(gm), "Reshape");
        Dim[] expected = java.util.Arrays.copyOf(xs, xs.length);
        expected[xs.length - 1] = Dim.of(out);
        if (g.readers(g.out(gm)).size() != 1 || back.size() != 1
                || !java.util.Arrays.equals(g.shape(g.out(back.get(0))), expected))
            throw g.error(gm, "expected a Reshape back to " + Dim.toString(expected) + " after the Gemm; "
                    + g.describeReaders(g.out(gm)) + (back.size() == 1 ? " to " + Dim.toString(g.shape(g.out(back.get(0)))) : ""));
        return new Match(g.out(back.get(0)), new Linear(in, out, rows, bias), gm,
                new ArrayList<>(List.of(reshape, gm, back.get(0))), b, bias != null);
    }

    /** A Reshape to [..., in] (or [..., -1], or a run-time size): the rows stay rows. */
    private static boolean keepsLastAxis(OnnxGraph g, int reshape, int in) {
        long[] shape = g.partialShape(g.in(reshape, 1));
        if (shape == null || shape.length < 2) return false;
        long lastDim = shape[shape.length - 1];
        return lastDim == in || lastDim == -1 || lastDim == OnnxGraph.UNKNOWN;
    }

    /** [in][out] -> [out][in]. */
    private static float[] transpose(float[] inByOut, int in, int out) {
        return Linear.fromConv1D(in, out, inByOut, null).weight();
    }

    private static RuntimeException fail(OnnxGraph g, String value, String message) {
        int p = g.producerOf(value);
        return p >= 0 ? g.error(p, message) : new ModelFormatException(g.file + ": " + message);
    }
}
