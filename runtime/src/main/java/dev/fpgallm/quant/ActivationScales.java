package dev.fpgallm.quant;

/**
 * Static per-tensor activation scales (real value = integer x scale), one set per layer, from calibration.
 *
 * @param residual  residual stream entering layer l (index nLayer: entering the final LayerNorm); always INT16
 * @param mid       residual stream after layer l's attention
 * @param ln1       ln_1 output; ln2: ln_2 output
 * @param q         query / key / value segments of the QKV output
 * @param fc        MLP pre-activation (the GELU table's input, INT16)
 * @param gelu      GELU output
 * @param lnF       final LayerNorm output
 * @param logit     logits (INT32)
 */
public record ActivationScales(Precision precision, double[] residual, double[] mid, double[] ln1, double[] q,
                               double[] k, double[] v, double[] ln2, double[] fc, double[] gelu, double lnF,
                               double logit) {

    /** Logits leave the NPU as INT32 in units of 2^-16: +-32768 of range, far beyond any GPT-2 logit. */
    public static final double LOGIT_SCALE = 1.0 / 65536;
    /** INT16 scales leave 25 % headroom above the calibrated maximum. */
    static final double INT16_HEADROOM = 1.25;

    /** The attention output is a convex combination of V rows, so it keeps V's scale (requantizer = 1). */
    public double[] attention() {
        return v;
    }

    /** Scale for an activation of this precision's narrow kind from its calibrated absolute maximum. */
    static double narrow(Precision p, double absMax) {
        return p == Precision.W8A8 ? scale(absMax, 127, 1.0) : wide(absMax);
    }

    static double wide(double absMax) {
        return scale(absMax, 32767, INT16_HEADROOM);
    }

    private static double scale(double absMax, int levels, double headroom) {
        return (absMax > 0 ? absMax * headroom : 1.0) / levels;
    }

    /** Scales from calibrated ranges. */
    public static ActivationScales from(ActivationRanges r, Precision p) {
        int n = r.layers();
        double[] residual = new double[n + 1], mid = new double[n], ln1 = new double[n], q = new double[n],
                k = new double[n], v = new double[n], ln2 = new double[n], fc = new double[n], gelu = new double[n];
        for (int l = 0; l <= n; l++) residual[l] = wide(r.residual[l]);
        for (int l = 0; l < n; l++) {
            mid[l] = wide(r.mid[l]);
            ln1[l] = narrow(p, r.ln1[l]);
            q[l] = narrow(p, r.q[l]);
            k[l] = narrow(p, r.k[l]);
            v[l] = narrow(p, Math.max(r.v[l], r.attention[l]));
            ln2[l] = narrow(p, r.ln2[l]);
            fc[l] = wide(r.fc[l]);
            gelu[l] = narrow(p, r.gelu[l]);
        }
        return new ActivationScales(p, residual, mid, ln1, q, k, v, ln2, fc, gelu, narrow(p, r.lnF), LOGIT_SCALE);
    }
}
