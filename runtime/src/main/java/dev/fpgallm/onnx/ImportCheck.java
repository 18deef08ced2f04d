package dev.fpgallm.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.model.ModelFormatException;
import dev.fpgallm.onnx.proto.Onnx.GraphProto;
import dev.fpgallm.onnx.proto.Onnx.ModelProto;
import dev.fpgallm.onnx.proto.Onnx.TensorProto.DataType;
import dev.fpgallm.onnx.proto.Onnx.TypeProto;
import dev.fpgallm.onnx.proto.Onnx.ValueInfoProto;
import dev.fpgallm.reference.ActivationObserver;
import dev.fpgallm.reference.ReferenceModel;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The numerical check of an import: ONNX Runtime runs the file's own graph on a few probe tokens, with the residual
 * stream after every block and every attention's probabilities added as outputs, and the reconstructed FP32 model
 * runs the same tokens in the reference backend. The first block whose output differs beyond tolerance is named
 * and the import refused; so is an attention that lets a position see a later one. A graph with a KV cache is run
 * twice more: a prefill, then two tokens fed through the cache it returned (for optimum's merged model, its
 * no-past branch, then its with-past branch), so the cache path is checked too.
 */
final class ImportCheck {
    /** Relative to the largest value of the tensor compared: float32 rounding is about 1e-6 here. */
    static final double TOLERANCE = 1e-3;
    /** For graphs that compute in FLOAT16 (each node rounds to 11 bits, 5e-4): what it computes, not more. */
    static final double HALF_TOLERANCE = 1e-2;
    static final int PROBE_TOKENS = 8;
    /** A probability above this for a later position is attention to the future. */
    static final double FUTURE = 1e-6;

    /** A decoder graph with its recognized model: where its residual stream and probabilities are. */
    record Branch(GraphProto graph, OnnxGraph canonical, Gpt2Matcher.Result match) {
    }

    private final DecoderModel m;
    private final Gpt2Config c;
    private final int[] ids;
    private final float[][][] residuals;   // [l][position][d], l = 0 (embeddings) .. n_layer (entering ln_f)
    private final float[][] logits;
    private final double tolerance;
    private double worst;

    private ImportCheck(DecoderModel m, Gpt2Weights w, boolean half) {
        this.m = m;
        this.c = w.config();
        int n = Math.min(PROBE_TOKENS, c.nPositions());
        ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = (int) ((i * 7919L + 13) % c.vocabSize());
        residuals = new float[c.nLayer() + 1][n][];
        tolerance = half ? HALF_TOLERANCE : TOLERANCE;
        try (ReferenceModel ref = new ReferenceModel(w, n)) {
            ref.observe((point, layer, values, rows, width) -> {
                if (point == ActivationObserver.Point.RESIDUAL && rows == n)
                    for (int r = 0; r < n; r++) residuals[layer][r] = Arrays.copyOfRange(values, r * width, (r + 1) * width);
            });
            logits = ref.prefillAll(ids);
        }
    }

    /**
     * Runs the check; returns the largest relative difference seen.
     *
     * @param withPast the graph the weights were read from
     * @param noPast   a merged model's other branch, recognized the same way (null otherwise)
     * @throws ModelFormatException naming the first block that differs, or the attention that is not causal
     */
    static double verify(DecoderModel m, Branch withPast, Branch noPast) {
        Gpt2Weights w = withPast.match().weights();
        boolean half = withPast.canonical().halfPrecision || (noPast != null && noPast.canonical().halfPrecision);
        ImportCheck check = new ImportCheck(m, w, half);
        check.run(withPast, noPast);
        return check.worst;
    }

    private void run(Branch withPast, Branch noPast) {
        int n = ids.length, k = Math.max(1, n - 2);
        Branch first = noPast != null ? noPast : withPast;
        try (OrtDecoder a = session(first)) {
            try (OrtSession.Result all = a.run(ids, 0, null, extras(first))) {
                compare(first, a, all, 0, n, "a prefill of " + n + " tokens");
            }
            if (noPast == null && !a.cached()) return;
            try (OrtSession.Result prefix = a.run(Arrays.copyOf(ids, k), 0, null, Set.of())) {
                int[] rest = Arrays.copyOfRange(ids, k, n);
                if (noPast == null) {
                    try (OrtSession.Result step = a.run(rest, k, prefix, extras(first))) {
                        compare(first, a, step, k, n - k, (n - k) + " tokens after " + k + " through the KV cache");
                    }
                } else {
                    try (OrtDecoder b = session(withPast); OrtSession.Result step = b.run(rest, k, prefix, extras(withPast))) {
                        compare(withPast, b, step, k, n - k, (n - k) + " tokens after " + k
                                + " through the KV cache (the with-past branch)");
                    }
                }
            }
        }
    }

    private OrtDecoder session(Branch b) {
        return OrtDecoder.of(probeModel(b), m.file + (m.merged() ? " (branch '" + b.graph().getName() + "')" : ""),
                c.nLayer(), c.nHead(), c.headDim(), false);
    }

    private static Set<String> extras(Branch b) {
        Set<String> s = new LinkedHashSet<>(b.match().residuals());
        s.addAll(b.match().probabilities());
        return s;
    }

    /** The branch's graph with the residual stream and the probabilities as extra outputs (ORT returns only outputs). */
    private ModelProto probeModel(Branch b) {
        GraphProto.Builder g = b.graph().toBuilder();
        Set<String> have = new HashSet<>();
        for (ValueInfoProto v : g.getOutputList()) have.add(v.getName());
        for (String name : extras(b)) {
            if (!have.add(name)) continue;
            int type = b.canonical().facts(name).dtype();
            TypeProto.Tensor.Builder t = TypeProto.Tensor.newBuilder()
                    .setElemType(Facts.isFloat(type) ? type : DataType.FLOAT_VALUE);
            g.addOutput(ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(t)));
        }
        return m.model.toBuilder().setGraph(g).build();
    }

    /** Rows start .. start + count of the probe, in ORT's result, against the reference. */
    private void compare(Branch b, OrtDecoder ort, OrtSession.Result r, int start, int count, String run) {
        int d = c.nEmbd();
        // attention to the future first: it says what is wrong in the model's terms, not only where
        for (String p : b.match().probabilities()) causal(b, r, p, start, count);
        List<String> res = b.match().residuals();
        for (int l = 0; l < res.size(); l++) {
            float[][] got = ort.rows(r, res.get(l), count, d, "the residual stream");
            String part = l == 0 ? "the embeddings (wte + wpe)" : "block h." + (l - 1);
            check(b, got, residuals[l], start, part, res.get(l), run);
        }
        check(b, ort.logits(r, count, c.vocabSize()), logits, start, "the final LayerNorm and LM head", null, run);
    }

    private void check(Branch b, float[][] got, float[][] expected, int start, String part, String value, String run) {
        double maxDiff = 0, maxRef = 0;
        int at = 0;
        for (int i = 0; i < got.length; i++) {
            float[] e = expected[start + i];
            for (int j = 0; j < e.length; j++) {
                double diff = Math.abs(got[i][j] - e[j]);
                if (diff > maxDiff) {
                    maxDiff = diff;
                    at = start + i;
                }
                maxRef = Math.max(maxRef, Math.abs(e[j]));
            }
        }
        double rel = maxDiff / Math.max(maxRef, 1e-30);
        worst = Math.max(worst, rel);
        if (rel > tolerance) {
            int node = value == null ? -1 : b.canonical().producerOf(value);
            throw new ModelFormatException(String.format(Locale.ROOT, "%s: ONNX Runtime running the file and the "
                            + "imported model differ from %s%s on (%s: %.3g apart at position %d, %.2g of the largest "
                            + "value, tolerance %.0e); fpga-llm would compute something else than the file", m.file, part,
                    node >= 0 ? " (" + b.canonical().label(node) + ")" : "", run, maxDiff, at, rel, tolerance));
        }
    }

    /** Attention probabilities [1, heads, count, start + count]: nothing on a later position. */
    private void causal(Branch b, OrtSession.Result r, String name, int start, int count) {
        OnnxTensor t = (OnnxTensor) r.get(name).orElseThrow();
        long[] shape = t.getInfo().getShape();
        int keys = start + count;
        if (shape.length != 4 || shape[2] != count || shape[3] != keys) return; // the layout was checked by the recognizer
        FloatBuffer p = t.getFloatBuffer();
        int heads = (int) shape[1];
        for (int h = 0; h < heads; h++)
            for (int i = 0; i < count; i++)
                for (int key = start + i + 1; key < keys; key++) {
                    float v = p.get((h * count + i) * keys + key);
                    if (v > FUTURE) {
                        int node = b.canonical().producerOf(name);
                        throw new ModelFormatException(String.format(Locale.ROOT, "%s: %s: attention is not causal: "
                                + "position %d attends to the later position %d (probability %.3g, head %d); not a GPT-2 "
                                + "decoder", m.file, node >= 0 ? b.canonical().label(node) : name, start + i, key, v, h));
                    }
                }
    }
}
