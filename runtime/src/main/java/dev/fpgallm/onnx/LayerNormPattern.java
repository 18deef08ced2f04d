package dev.fpgallm.onnx;

import dev.fpgallm.model.ModelFormatException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalDouble;

/**
 * Finds the LayerNorm reading a value: one LayerNormalization node (opset 17+), or the pattern PyTorch exports
 * before that: {@code m = ReduceMean(x); c = x - m; v = ReduceMean(c^2); y = c / sqrt(v + eps) * gamma + beta}
 * (the square as Pow(c, 2) or c * c, Mul and Add in either operand order).
 */
final class LayerNormPattern {
    record Match(String output, float[] gamma, float[] beta, double epsilon, List<Integer> nodes) {
    }

    private LayerNormPattern() {
    }

    static Match find(OnnxGraph g, String x, int d, String what) {
        for (int r : g.readers(x, "LayerNormalization")) if (g.in(r, 0).equals(x)) return fused(g, r, d);
        for (int r : g.readers(x, "ReduceMean")) if (g.in(r, 0).equals(x)) return unfused(g, r, x, d);
        String message = "expected a LayerNorm (" + what + ": LayerNormalization, or ReduceMean/Sub/Pow/ReduceMean/Add/"
                + "Sqrt/Div/Mul/Add) to read " + g.describe(x) + "; " + g.describeReaders(x);
        int p = g.producerOf(x);
        throw p >= 0 ? g.error(p, message) : new ModelFormatException(g.file + ": " + message);
    }

    private static Match fused(OnnxGraph g, int n, int d) {
        if (g.opset < 17)
            throw g.error(n, "LayerNormalization is an opset 17 operator, but the model imports opset " + g.opset);
        long axis = g.intAttr(n, "axis", -1);
        if (axis != -1 && axis != 2) throw g.error(n, "normalizes over axis " + axis + ", expected the last (-1)");
        for (int i = 1; i < g.node(n).getOutputCount(); i++)
            if (!g.node(n).getOutput(i).isEmpty() && !g.consumersOf(g.node(n).getOutput(i)).isEmpty())
                throw g.error(n, "its mean / inverse-std outputs are used; only the normalized output can be");
        float[] gamma = weight(g, n, g.in(n, 1), d, "scale");
        float[] beta = g.in(n, 2).isEmpty() ? new float[d] : weight(g, n, g.in(n, 2), d, "bias");
        return new Match(g.out(n), gamma, beta, g.floatAttr(n, "epsilon", 1e-5), List.of(n));
    }

    private static Match unfused(OnnxGraph g, int mean, String x, int d) {
        List<Integer> nodes = new ArrayList<>(List.of(mean));
        checkLastAxisMean(g, mean);
        int sub = one(g, g.readers(g.out(mean), "Sub").stream()
                .filter(n -> g.in(n, 0).equals(x) && g.in(n, 1).equals(g.out(mean))).toList(), mean, "Sub(x, mean)");
        String centered = g.out(sub);
        nodes.add(sub);
        int square = one(g, g.readers(centered).stream().filter(n ->
                (g.op(n).equals("Pow") && g.in(n, 0).equals(centered) && g.scalar(g.in(n, 1)).orElse(0) == 2)
                        || (g.op(n).equals("Mul") && g.in(n, 0).equals(centered) && g.in(n, 1).equals(centered))).toList(),
                sub, "Pow(x - mean, 2)");
        nodes.add(square);
        int var = one(g, g.readers(g.out(square), "ReduceMean"), square, "ReduceMean of the squares");
        checkLastAxisMean(g, var);
        nodes.add(var);
        int addEps = one(g, g.readers(g.out(var), "Add"), var, "variance + epsilon");
        OptionalDouble eps = g.scalar(g.other(addEps, g.out(var)));
        if (eps.isEmpty()) throw g.error(addEps, "expected a constant epsilon added to the variance");
        nodes.add(addEps);
        int sqrt = one(g, g.readers(g.out(addEps), "Sqrt"), addEps, "Sqrt(variance + epsilon)");
        nodes.add(sqrt);
        int div = one(g, g.readers(g.out(sqrt), "Div").stream()
                .filter(n -> g.in(n, 0).equals(centered) && g.in(n, 1).equals(g.out(sqrt))).toList(), sqrt, "Div(x - mean, std)");
        nodes.add(div);
        int mul = one(g, g.readers(g.out(div), "Mul"), div, "Mul by gamma");
        float[] gamma = weight(g, mul, g.other(mul, g.out(div)), d, "gamma");
        nodes.add(mul);
        int add = one(g, g.readers(g.out(mul), "Add"), mul, "Add of beta");
        float[] beta = weight(g, add, g.other(add, g.out(mul)), d, "beta");
        nodes.add(add);
        return new Match(g.out(add), gamma, beta, eps.getAsDouble(), nodes);
    }

    private static void checkLastAxisMean(OnnxGraph g, int n) {
        long[] axes = g.intsAttr(n, "axes");
        if (axes == null && !g.in(n, 1).isEmpty()) axes = g.partialShape(g.in(n, 1));
        if (axes == null || axes.length != 1 || !(axes[0] == -1 || axes[0] == 2) || g.intAttr(n, "keepdims", 1) != 1)
            throw g.error(n, "expected a mean over the last axis with keepdims=1 (axes [-1]), found axes "
                    + (axes == null ? "all" : Arrays.toString(axes)));
    }

    private static int one(OnnxGraph g, List<Integer> found, int after, String expected) {
        if (found.size() != 1)
            throw g.error(after, "LayerNorm pattern: expected " + expected + " to read its output; "
                    + g.describeReaders(g.out(after)));
        return found.get(0);
    }

    private static float[] weight(OnnxGraph g, int n, String value, int d, String what) {
        float[] w = value == null ? null : g.weight(value, n, d);
        if (w == null) throw g.error(n, "expected the LayerNorm " + what + " [" + d + "] as an initializer, found "
                + (value == null ? "none" : g.describe(value)));
        return w;
    }
}
