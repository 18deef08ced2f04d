package dev.fpgallm.onnx;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeSet;

/**
 * Finds the MLP activation reading a value and checks it is GPT-2's gelu_new. A {@code Gelu} node must say
 * {@code approximate="tanh"}. Otherwise the element-wise nodes between the value and the next layer (whatever their
 * order or operand order) are evaluated on sample points and compared with 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715
 * x^3))); the exact erf GELU is recognised to say so.
 */
final class GeluPattern {
    record Match(String output, List<Integer> nodes) {
    }

    private static final Set<String> ELEMENTWISE = Set.of("Mul", "Add", "Sub", "Div", "Pow", "Tanh", "Erf", "Sqrt",
            "Neg", "Reciprocal");
    private static final double[] SAMPLES = {-6, -4, -3, -2, -1.5, -1, -0.7, -0.3, -0.05, 0, 0.05, 0.3, 0.7, 1, 1.5, 2, 3, 4, 6};

    private GeluPattern() {
    }

    static Match find(OnnxGraph g, String x, int after) {
        List<Integer> geluNodes = g.readers(x, "Gelu");
        if (geluNodes.size() == 1 && g.readers(x).size() == 1) {
            int n = geluNodes.get(0);
            if (g.opset < 20) throw g.error(n, "Gelu is an opset 20 operator, but the model imports opset " + g.opset);
            String approximate = g.stringAttr(n, "approximate", "none");
            if (!approximate.equals("tanh"))
                throw g.error(n, "approximate='" + approximate + "' is the exact (erf) GELU; GPT-2 models use gelu_new, "
                        + "the tanh form (approximate='tanh')");
            return new Match(g.out(n), List.of(n));
        }

        // Collect the element-wise nodes downstream of x; the value leaving them is the activation's output.
        Set<Integer> body = new TreeSet<>();
        Set<String> sinks = new LinkedHashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(x));
        while (!todo.isEmpty()) {
            String v = todo.pop();
            for (int r : g.readers(v)) {
                if (ELEMENTWISE.contains(g.op(r))) {
                    if (body.add(r)) todo.push(g.out(r));
                } else sinks.add(v);
            }
        }
        if (body.isEmpty() || sinks.size() != 1 || sinks.contains(x))
            throw g.error(after, "expected the MLP activation (gelu_new) between this layer and the next one; "
                    + g.describeReaders(x));
        String out = sinks.iterator().next();
        for (int n : body)
            for (String in : g.node(n).getInputList())
                if (!in.equals(x) && !body.contains(g.producerOf(in)) && g.scalar(in).isEmpty())
                    throw g.error(n, "in the MLP activation: input " + g.describe(in)
                            + " is neither the activation's input nor a scalar constant");

        double worstTanh = 0, worstErf = 0;
        for (double s : SAMPLES) {
            double y = evaluate(g, body, x, out, s);
            worstTanh = Math.max(worstTanh, Math.abs(y - geluTanh(s)) / Math.max(1, Math.abs(s)));
            worstErf = Math.max(worstErf, Math.abs(y - geluErf(s)) / Math.max(1, Math.abs(s)));
        }
        // a half-precision graph holds its coefficients rounded to FLOAT16 (0.044715 as 0.04474): about 1e-5 off,
        // still far from the erf GELU's 5e-4
        double tolerance = g.halfPrecision ? 1e-4 : 1e-5;
        if (worstTanh <= tolerance) return new Match(out, new ArrayList<>(body));
        int first = body.iterator().next();
        if (worstErf <= tolerance)
            throw g.error(first, "the MLP activation is the exact (erf) GELU; GPT-2 models use gelu_new, the tanh form");
        throw g.error(first, "the MLP activation's " + body.size() + " nodes do not compute gelu_new (0.5 x (1 + tanh("
                + "sqrt(2/pi) (x + 0.044715 x^3)))): off by up to " + String.format(java.util.Locale.ROOT, "%.3g", worstTanh));
    }

    /** Runs the element-wise nodes (in graph order, which is topological) on one scalar input. */
    private static double evaluate(OnnxGraph g, Set<Integer> body, String x, String out, double input) {
        Map<String, Double> v = new HashMap<>();
        v.put(x, input);
        for (int n : body) {
            double a = operand(g, v, g.in(n, 0));
            double b = g.node(n).getInputCount() > 1 ? operand(g, v, g.in(n, 1)) : Double.NaN;
            double y = switch (g.op(n)) {
                case "Mul" -> a * b;
                case "Add" -> a + b;
                case "Sub" -> a - b;
                case "Div" -> a / b;
                case "Pow" -> Math.pow(a, b);
                case "Tanh" -> Math.tanh(a);
                case "Erf" -> erf(a);
                case "Sqrt" -> Math.sqrt(a);
                case "Neg" -> -a;
                case "Reciprocal" -> 1 / a;
                default -> throw new IllegalStateException(g.op(n));
            };
            // float32 intermediates, as the graph computes them
            v.put(g.out(n), (double) (float) y);
        }
        return v.get(out);
    }

    private static double operand(OnnxGraph g, Map<String, Double> v, String name) {
        Double known = v.get(name);
        if (known != null) return known;
        OptionalDouble c = g.scalar(name);
        return c.getAsDouble();
    }

    static double geluTanh(double x) {
        return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    }

    static double geluErf(double x) {
        return 0.5 * x * (1 + erf(x / Math.sqrt(2)));
    }

    /** erf by Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7): enough to tell the two GELUs apart. */
    static double erf(double x) {
        double t = 1 / (1 + 0.3275911 * Math.abs(x));
        double y = 1 - t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
                * Math.exp(-x * x);
        return Math.copySign(y, x);
    }
}
