package dev.fpgallm.eval;

import dev.fpgallm.UserError;
import dev.fpgallm.backend.Backend;
import dev.fpgallm.backends.Backends;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.quant.Calibration;
import dev.fpgallm.reference.ReferenceModel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * {@code --fp16-layers auto}: measures each layer's sensitivity to quantization and picks the worst. A layer's
 * sensitivity is how close to FP32 the model gets when only that layer falls back to FP16 (mean KL divergence from
 * the FP32 reference, lower = the layer's quantization mattered more), measured on the calibration text (not on the
 * evaluation corpus), with the NPU configuration's precision and softmax mode.
 */
public final class LayerSensitivity {
    /** Layers {@code auto} picks unless told otherwise: each run of FP16 layers costs one more launch per step. */
    public static final int DEFAULT_LAYERS = 1;
    /** Calibration tokens scored per layer. */
    static final int TOKENS = 128;

    /** A layer and the mean KL from FP32 with only that layer in FP16. */
    public record Score(int layer, double meanKl) {
    }

    private LayerSensitivity() {
    }

    /** Every layer's score, most sensitive first. */
    public static List<Score> rank(Gpt2Weights w, Backends.Options npu, String backend, Consumer<String> progress) {
        int n = Math.min(TOKENS, Math.min(npu.maxSeq(), w.config().nPositions()));
        Corpus text = new Corpus("calibration text, " + n + " tokens", List.of(Calibration.tokens(n)), false);
        Evaluation reference;
        try (Backend ref = new ReferenceModel(w, n)) {
            reference = Evaluation.reference(ref, text, n, n - 1, () -> { });
        }
        Backends.Options base = npu.withMaxSeq(n).withAllLogits(true);
        List<Score> scores = new ArrayList<>();
        for (int l = 0; l < w.config().nLayer(); l++) {
            try (Backend b = Backends.open(backend, w, base.withFp16Layers(List.of(l)))) {
                Quality q = reference.compare(b, () -> { });
                scores.add(new Score(l, q.meanKl()));
                progress.accept(String.format(Locale.ROOT, "  layer %d in FP16: mean KL %.5f nats", l, q.meanKl()));
            }
        }
        scores.sort(Comparator.comparingDouble(Score::meanKl));
        return scores;
    }

    /** The {@code count} most sensitive layers, ascending. */
    public static List<Integer> pick(List<Score> ranked, int count) {
        if (count < 1 || count > ranked.size())
            throw new UserError("auto:" + count + " asks for " + count + " FP16 layers; the model has " + ranked.size());
        return ranked.subList(0, count).stream().map(Score::layer).sorted().toList();
    }
}
