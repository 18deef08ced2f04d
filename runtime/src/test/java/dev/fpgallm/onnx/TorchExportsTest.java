package dev.fpgallm.onnx;

import static dev.fpgallm.onnx.OnnxFixtures.relativeError;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fpgallm.backend.Backend;
import dev.fpgallm.backends.Backends;
import dev.fpgallm.eval.Evaluation;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.model.ModelFormatException;
import dev.fpgallm.reference.ReferenceModel;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;

/** Exports of an independent GPT-2 by the real torch.onnx.export: each imports and computes what torch did, or is refused. */
class TorchExportsTest {
    @Test
    void everyExportStyleImportsAndRefMatchesTorch(TestReporter report) {
        StringBuilder failures = new StringBuilder();
        for (TorchExports.Fixture f : TorchExports.imports()) {
            try {
                Gpt2Weights w = OnnxImporter.load(f.file(), "fixture");
                double worst = 0;
                try (ReferenceModel ref = new ReferenceModel(w, f.probe().length)) {
                    float[][] logits = ref.prefillAll(f.probe());
                    for (int i = 0; i < logits.length; i++) worst = Math.max(worst, relativeError(logits[i], f.logits()[i]));
                }
                double ort = ortAgainstTorch(w, f);
                report.publishEntry(String.format(Locale.ROOT, "%-45s ref vs torch %.2e, ort (the file, step by step) vs torch %.2e", f.name(), worst, ort));
                if (worst > 1e-4) failures.append(f.name()).append(": ref vs torch ").append(worst).append('\n');
                if (ort > ortTolerance(f)) failures.append(f.name()).append(": ort vs torch ").append(ort).append('\n');
            } catch (RuntimeException e) {
                failures.append(f.name()).append(": ").append(e).append('\n');
            }
        }
        assertTrue(failures.isEmpty(), failures.toString());
    }

    /**
     * However torch spelled the graph (opset, folding, baddbmm, SDPA-style, optimum's files), the same model imports
     * to bit-identical weights: what any backend (emu included) computes does not depend on the export style.
     */
    @Test
    void everyStyleOfOneModelImportsToIdenticalWeights() {
        java.util.Map<String, Gpt2Weights> first = new java.util.HashMap<>();
        int compared = 0;
        for (TorchExports.Fixture f : TorchExports.imports()) {
            Gpt2Weights w = OnnxImporter.load(f.file(), "fixture");
            Gpt2Weights seen = first.putIfAbsent(f.weights(), w);
            if (seen == null) continue;
            OnnxFixtures.assertSameWeights(seen, w);
            compared++;
        }
        assertTrue(compared >= 10, compared + " styles compared");
    }

    /** The file's own graph in ONNX Runtime, fed a prefill of 3 then one token at a time (through its cache if it has one). */
    static double ortAgainstTorch(Gpt2Weights w, TorchExports.Fixture f) {
        int n = f.probe().length;
        double worst = 0;
        try (OrtBackend ort = OrtBackend.open(w, n)) {
            assertTrue(OnnxImporter.sourceOf(w).isPresent(), "the ort backend runs the file itself");
            float[][] first = ort.prefillAll(java.util.Arrays.copyOf(f.probe(), 3));
            for (int i = 0; i < 3; i++) worst = Math.max(worst, relativeError(first[i], f.logits()[i]));
            for (int i = 3; i < n; i++) worst = Math.max(worst, relativeError(ort.decode(f.probe()[i]), f.logits()[i]));
        }
        return worst;
    }

    /** A graph computing in FLOAT16 rounds every node's output to 11 bits: 1e-4 of torch's FP32 is not what it computes. */
    static double ortTolerance(TorchExports.Fixture f) {
        return f.name().contains("fp16-graph") ? 2e-3 : 1e-4;
    }

    /**
     * The NPU emulator on the NPU-sized export (64 wide, 4 heads of 16, vocab 256; the smallest shape the NPU's
     * instructions take), one token at a time through its KV cache, against torch's logits.
     */
    @Test
    void emuFollowsTorchOnTheNpuSizedExport(TestReporter report) {
        TorchExports.Fixture f = TorchExports.named("npu-opset17-past.onnx");
        Gpt2Weights w = OnnxImporter.load(f.file(), "npu-fixture");
        int n = f.probe().length, agree = 0;
        double cosines = 0, worstCosine = 1;
        try (Backend emu = Backends.open("emu", w, new Backends.Options(n))) {
            for (int i = 0; i < n; i++) {
                float[] a = emu.decode(f.probe()[i]), b = f.logits()[i];
                if (Evaluation.argmax(a) == Evaluation.argmax(b)) agree++;
                double cos = Evaluation.cosine(a, b);
                cosines += cos;
                worstCosine = Math.min(worstCosine, cos);
            }
        }
        double top1 = (double) agree / n, mean = cosines / n;
        report.publishEntry(String.format(Locale.ROOT, "emu vs torch on %s: top-1 %.1f %% (%d of %d), mean cosine %.6f, worst %.6f", f.name(),
                100 * top1, agree, n, mean, worstCosine));
        assertTrue(top1 >= 0.98, "top-1 agreement " + top1);
        assertTrue(mean >= 0.999, "mean cosine " + mean);
    }

    @Test
    void refusalsSayWhatIsUnsupported(TestReporter report) {
        StringBuilder failures = new StringBuilder();
        for (TorchExports.Fixture f : TorchExports.refusals()) {
            String msg = assertThrows(ModelFormatException.class, () -> OnnxImporter.load(f.file(), "x"), f.name()).getMessage();
            report.publishEntry(String.format(Locale.ROOT, "%-45s %s", f.name(), msg));
            if (!msg.contains(f.expect()) || msg.contains("\n")) failures.append(f.name()).append(": ").append(msg).append('\n');
        }
        assertTrue(failures.isEmpty(), failures.toString());
    }
}
