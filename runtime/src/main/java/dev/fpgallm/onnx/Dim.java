package dev.fpgallm.onnx;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A tensor dimension, or an entry of a shape tensor, as far as it is known before run time: an integer polynomial
 * in the graph's symbolic sizes ({@code batch_size}, {@code sequence_length}, ...), e.g. 768, S, P + S, 12 B.
 * This is what lets the importer read PyTorch's shape arithmetic ({@code x.size()[:-1] + (heads, head_dim)},
 * {@code key_length - query_length}) without running it. Small by construction: a polynomial that would grow past
 * {@link #MAX_TERMS} terms or {@link #MAX_DEGREE} becomes a fresh unknown, so no input can make it expensive.
 */
final class Dim {
    static final int MAX_TERMS = 8;
    static final int MAX_DEGREE = 4;
    private static final String CONSTANT = "";

    /** monomial (symbols joined by '*', sorted; "" for the constant term) -> coefficient, never 0 */
    private final TreeMap<String, Long> terms;

    private Dim(TreeMap<String, Long> terms) {
        this.terms = terms;
    }

    private static final Dim[] SMALL = new Dim[1026];

    static {
        for (int v = -1; v <= 1024; v++) SMALL[v + 1] = make(v);
    }

    /** A known size (small ones shared: a Dim never changes). */
    static Dim of(long value) {
        return value >= -1 && value <= 1024 ? SMALL[(int) value + 1] : make(value);
    }

    private static Dim make(long value) {
        TreeMap<String, Long> t = new TreeMap<>();
        if (value != 0) t.put(CONSTANT, value);
        return new Dim(t);
    }

    /** A named size, e.g. a graph input's dim_param. */
    static Dim symbol(String name) {
        TreeMap<String, Long> t = new TreeMap<>();
        t.put(sanitize(name), 1L);
        return new Dim(t);
    }

    private static long fresh;

    /** A size nothing is known about (each call gives a new one). */
    static synchronized Dim unknown() {
        return symbol("?" + (fresh++));
    }

    private static String sanitize(String name) {
        String s = name.replace('*', '_').strip();
        if (s.length() > 64) s = s.substring(0, 64);
        return s.isEmpty() ? "?" : s;
    }

    boolean isConstant() {
        return terms.isEmpty() || (terms.size() == 1 && terms.containsKey(CONSTANT));
    }

    /** The value of a constant dim; call {@link #isConstant} first. */
    long value() {
        return terms.getOrDefault(CONSTANT, 0L);
    }

    /**
     * Known to be at least 0: every term has a positive coefficient. Symbols stand for sizes, so B S + P is; this is
     * what settles PyTorch's {@code Equal(size, -1)} tests in expand().
     */
    boolean nonNegative() {
        for (long c : terms.values()) if (c < 0) return false;
        return true;
    }

    boolean is(long v) {
        return isConstant() && value() == v;
    }

    Dim plus(Dim o) {
        TreeMap<String, Long> t = new TreeMap<>(terms);
        for (Map.Entry<String, Long> e : o.terms.entrySet()) {
            Long sum = add(t.getOrDefault(e.getKey(), 0L), e.getValue());
            if (sum == null) return unknown();
            if (sum == 0) t.remove(e.getKey());
            else t.put(e.getKey(), sum);
        }
        return bounded(t);
    }

    Dim minus(Dim o) {
        return plus(o.times(of(-1)));
    }

    Dim times(Dim o) {
        if (terms.size() * o.terms.size() > MAX_TERMS * MAX_TERMS) return unknown();
        TreeMap<String, Long> t = new TreeMap<>();
        for (Map.Entry<String, Long> a : terms.entrySet())
            for (Map.Entry<String, Long> b : o.terms.entrySet()) {
                String m = multiply(a.getKey(), b.getKey());
                if (m == null) return unknown();
                Long c;
                try {
                    c = add(t.getOrDefault(m, 0L), Math.multiplyExact(a.getValue(), b.getValue()));
                } catch (ArithmeticException e) {
                    return unknown();
                }
                if (c == null) return unknown();
                if (c == 0) t.remove(m);
                else t.put(m, c);
            }
        return bounded(t);
    }

    /**
     * This dim divided exactly by {@code o}, when {@code o} is one term (a constant times symbols) that divides every
     * term of this one; null otherwise. Enough for a Reshape's -1: (B S 768) / 768 = B S, (B H S T) / (B H S) = T.
     */
    Dim dividedBy(Dim o) {
        if (o.terms.isEmpty()) return null;
        if (o.terms.size() != 1) {
            // a one-term quotient q of a sum: q = (a term of this) / (a term of o), checked by multiplying back
            if (terms.isEmpty()) return of(0);
            Dim first = new Dim(new TreeMap<>(Map.of(terms.firstKey(), terms.firstEntry().getValue())));
            for (Map.Entry<String, Long> t : o.terms.entrySet()) {
                Dim q = first.dividedBy(new Dim(new TreeMap<>(Map.of(t.getKey(), t.getValue()))));
                if (q != null && q.times(o).equals(this)) return q;
            }
            return null;
        }
        Map.Entry<String, Long> d = o.terms.firstEntry();
        TreeMap<String, Long> t = new TreeMap<>();
        for (Map.Entry<String, Long> e : terms.entrySet()) {
            if (e.getValue() % d.getValue() != 0) return null;
            String m = divide(e.getKey(), d.getKey());
            if (m == null) return null;
            t.put(m, e.getValue() / d.getValue());
        }
        return new Dim(t);
    }

    private static Long add(long a, long b) {
        try {
            return Math.addExact(a, b);
        } catch (ArithmeticException e) {
            return null;
        }
    }

    private static Dim bounded(TreeMap<String, Long> t) {
        return t.size() > MAX_TERMS ? unknown() : new Dim(t);
    }

    private static List<String> factors(String monomial) {
        return monomial.isEmpty() ? new ArrayList<>() : new ArrayList<>(Arrays.asList(monomial.split("\\*")));
    }

    private static String multiply(String a, String b) {
        List<String> f = factors(a);
        f.addAll(factors(b));
        if (f.size() > MAX_DEGREE) return null;
        f.sort(null);
        return String.join("*", f);
    }

    private static String divide(String a, String b) {
        List<String> f = factors(a);
        for (String s : factors(b)) if (!f.remove(s)) return null;
        return String.join("*", f);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Dim d && d.terms.equals(terms);
    }

    @Override
    public int hashCode() {
        return terms.hashCode();
    }

    @Override
    public String toString() {
        if (terms.isEmpty()) return "0";
        StringBuilder s = new StringBuilder();
        for (Map.Entry<String, Long> e : terms.descendingMap().entrySet()) {
            long c = e.getValue();
            if (s.length() > 0) s.append(c < 0 ? " - " : " + ");
            else if (c < 0) s.append('-');
            long a = Math.abs(c);
            if (e.getKey().isEmpty()) s.append(a);
            else s.append(a == 1 ? "" : a + " ").append(e.getKey().replace("*", " "));
        }
        return s.toString();
    }

    static String toString(Dim[] dims) {
        if (dims == null) return "unknown";
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < dims.length; i++) s.append(i > 0 ? ", " : "").append(dims[i]);
        return s.append(']').toString();
    }

    static Dim product(Dim[] dims, int from, int to) {
        Dim p = of(1);
        for (int i = from; i < to; i++) p = p.times(dims[i]);
        return p;
    }
}
