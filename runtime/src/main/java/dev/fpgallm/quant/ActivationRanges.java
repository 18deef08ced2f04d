package dev.fpgallm.quant;

import dev.fpgallm.reference.ActivationObserver;

/** Absolute maxima of every quantized activation, gathered while the FP32 reference runs calibration text. */
public final class ActivationRanges implements ActivationObserver {
    final double[] residual, mid, ln1, q, k, v, attention, ln2, fc, gelu;
    double lnF, logits;
    private final int d;

    public ActivationRanges(int nLayer, int nEmbd) {
        d = nEmbd;
        residual = new double[nLayer + 1];
        mid = new double[nLayer];
        ln1 = new double[nLayer];
        q = new double[nLayer];
        k = new double[nLayer];
        v = new double[nLayer];
        attention = new double[nLayer];
        ln2 = new double[nLayer];
        fc = new double[nLayer];
        gelu = new double[nLayer];
    }

    public int layers() {
        return mid.length;
    }

    @Override
    public void observe(Point point, int l, float[] x, int rows, int width) {
        switch (point) {
            case RESIDUAL -> residual[l] = Math.max(residual[l], absMax(x, rows, width, 0, width));
            case RESIDUAL_MID -> mid[l] = Math.max(mid[l], absMax(x, rows, width, 0, width));
            case LN1 -> ln1[l] = Math.max(ln1[l], absMax(x, rows, width, 0, width));
            case QKV -> {
                q[l] = Math.max(q[l], absMax(x, rows, width, 0, d));
                k[l] = Math.max(k[l], absMax(x, rows, width, d, 2 * d));
                v[l] = Math.max(v[l], absMax(x, rows, width, 2 * d, 3 * d));
            }
            case ATTENTION -> attention[l] = Math.max(attention[l], absMax(x, rows, width, 0, width));
            case LN2 -> ln2[l] = Math.max(ln2[l], absMax(x, rows, width, 0, width));
            case FC -> fc[l] = Math.max(fc[l], absMax(x, rows, width, 0, width));
            case GELU -> gelu[l] = Math.max(gelu[l], absMax(x, rows, width, 0, width));
            case LN_F -> lnF = Math.max(lnF, absMax(x, rows, width, 0, width));
            case LOGITS -> logits = Math.max(logits, absMax(x, rows, width, 0, width));
        }
    }

    public double logitsAbsMax() {
        return logits;
    }

    /** The ranges as a JSON-ready map (for the calibration cache). */
    public java.util.Map<String, Object> toMap() {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("d", (long) d);
        m.put("residual", list(residual));
        m.put("mid", list(mid));
        m.put("ln1", list(ln1));
        m.put("q", list(q));
        m.put("k", list(k));
        m.put("v", list(v));
        m.put("attention", list(attention));
        m.put("ln2", list(ln2));
        m.put("fc", list(fc));
        m.put("gelu", list(gelu));
        m.put("ln_f", lnF);
        m.put("logits", logits);
        return m;
    }

    /** The ranges from the calibration cache's map, checked against the model's shape and for plausible values. */
    public static ActivationRanges fromMap(java.util.Map<String, Object> m, int nLayer, int nEmbd) {
        if (!(m.get("d") instanceof Long d) || d != nEmbd) throw invalid("d is " + m.get("d") + ", the model's n_embd " + nEmbd);
        if (!m.keySet().equals(new ActivationRanges(nLayer, nEmbd).toMap().keySet()))
            throw invalid("keys " + m.keySet());
        ActivationRanges r = new ActivationRanges(nLayer, nEmbd);
        read(m, "residual", r.residual);
        read(m, "mid", r.mid);
        read(m, "ln1", r.ln1);
        read(m, "q", r.q);
        read(m, "k", r.k);
        read(m, "v", r.v);
        read(m, "attention", r.attention);
        read(m, "ln2", r.ln2);
        read(m, "fc", r.fc);
        read(m, "gelu", r.gelu);
        r.lnF = value(m.get("ln_f"), "ln_f");
        r.logits = value(m.get("logits"), "logits");
        return r;
    }

    /**
     * The first range that is not a finite, non-negative number, as "point of layer L", or null. Calibration of a
     * model whose FP32 activations overflow (weights near FLT_MAX) yields infinities: no NPU scale represents those.
     */
    public String firstNonFinite() {
        String[] names = {"residual", "mid", "ln1", "q", "k", "v", "attention", "ln2", "fc", "gelu"};
        double[][] all = {residual, mid, ln1, q, k, v, attention, ln2, fc, gelu};
        for (int a = 0; a < all.length; a++)
            for (int l = 0; l < all[a].length; l++)
                if (!(all[a][l] >= 0 && Double.isFinite(all[a][l]))) return names[a] + " of layer " + l;
        if (!(lnF >= 0 && Double.isFinite(lnF))) return "ln_f";
        if (!(logits >= 0 && Double.isFinite(logits))) return "logits";
        return null;
    }

    /** A 64-bit checksum of every range, so that a cache entry edited or damaged on disk is noticed. */
    public long checksum() {
        long h = 0x9E3779B97F4A7C15L * (d + 31L * layers());
        for (double[] a : new double[][] {residual, mid, ln1, q, k, v, attention, ln2, fc, gelu})
            for (double x : a) h = CalibrationCache.mix(h ^ Double.doubleToLongBits(x));
        h = CalibrationCache.mix(h ^ Double.doubleToLongBits(lnF));
        return CalibrationCache.mix(h ^ Double.doubleToLongBits(logits));
    }

    private static java.util.List<Object> list(double[] a) {
        java.util.List<Object> l = new java.util.ArrayList<>();
        for (double v : a) l.add(v);
        return l;
    }

    private static void read(java.util.Map<String, Object> m, String key, double[] into) {
        if (!(m.get(key) instanceof java.util.List<?> l) || l.size() != into.length)
            throw invalid(key + " must be a list of " + into.length + " numbers");
        for (int i = 0; i < into.length; i++) into[i] = value(l.get(i), key + "[" + i + "]");
    }

    /** A range is an absolute maximum: a finite number >= 0. */
    private static double value(Object v, String what) {
        if (!(v instanceof Number n) || !(n.doubleValue() >= 0) || !Double.isFinite(n.doubleValue()))
            throw invalid(what + " is " + v + ", not a finite number >= 0");
        return n.doubleValue();
    }

    private static IllegalArgumentException invalid(String what) {
        return new IllegalArgumentException(what);
    }

    private static double absMax(float[] x, int rows, int width, int from, int to) {
        double m = 0;
        for (int r = 0; r < rows; r++)
            for (int i = from; i < to; i++) m = Math.max(m, Math.abs(x[r * width + i]));
        return m;
    }
}
