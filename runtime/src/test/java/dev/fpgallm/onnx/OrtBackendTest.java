package dev.fpgallm.onnx;

import static dev.fpgallm.onnx.OnnxFixtures.relativeError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fpgallm.UserError;
import dev.fpgallm.backend.Backend;
import dev.fpgallm.backends.Backends;
import dev.fpgallm.backend.SequenceFullException;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.model.SyntheticCheckpoint;
import dev.fpgallm.reference.ReferenceModel;
import java.util.Arrays;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;

/** ONNX Runtime's logits equal the FP32 reference's within 1e-3 of the logits' scale, through the KV cache. */
class OrtBackendTest {
    static final double TOLERANCE = 1e-3;

    private static int[] tokens(int n, int salt) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = (int) ((i * 7919L + salt * 104729L + 13) % Gpt2Config.GPT2_VOCAB);
        return t;
    }

    /** Prefill of {@code prompt} tokens (all positions compared), then {@code steps} decode steps. */
    private static double worstError(Backend ort, Backend ref, int prompt, int steps, TestReporter report) {
        int[] t = tokens(prompt + steps, prompt);
        int[] head = Arrays.copyOf(t, prompt);
        float[][] a = ort.prefillAll(head), b = ref.prefillAll(head);
        double worst = 0;
        for (int r = 0; r < prompt; r++) worst = Math.max(worst, relativeError(a[r], b[r]));
        for (int s = prompt; s < prompt + steps; s++)
            worst = Math.max(worst, relativeError(ort.decode(t[s]), ref.decode(t[s])));
        assertEquals(ref.position(), ort.position());
        report.publishEntry(String.format(Locale.ROOT, "ort vs ref: worst relative error %.3g over %d positions", worst, prompt + steps));
        return worst;
    }

    @Test
    void tinyMatchesReferenceInEveryExportStyle(TestReporter report) {
        Gpt2Weights w = OnnxFixtures.tiny();
        for (ExportStyle style : OnnxFixtures.STYLES) {
            try (OrtBackend ort = new OrtBackend(w, 64, style); ReferenceModel ref = new ReferenceModel(w, 64)) {
                double err = worstError(ort, ref, 7, 12, report);
                assertTrue(err < TOLERANCE, style + ": relative error " + err);
            }
        }
    }

    @Test
    void tiedHeadMatchesReference(TestReporter report) {
        Gpt2Weights w = OnnxFixtures.tied(OnnxFixtures.tiny());
        try (Backend ort = Backends.open("ort", w, new Backends.Options(32)); ReferenceModel ref = new ReferenceModel(w, 32)) {
            assertEquals("ort", ort.name());
            double err = worstError(ort, ref, 3, 5, report);
            assertTrue(err < TOLERANCE, "relative error " + err);
        }
    }

    @Test
    void resetStartsOverAndTheCacheHasItsSize() {
        Gpt2Weights w = OnnxFixtures.tiny();
        try (OrtBackend ort = new OrtBackend(w, 6)) {
            int[] t = tokens(6, 1);
            float[] first = ort.prefill(Arrays.copyOf(t, 4)).clone();
            ort.decode(t[4]);
            ort.decode(t[5]);
            assertEquals(6, ort.position());
            assertThrows(SequenceFullException.class, () -> ort.decode(1));
            ort.reset();
            assertEquals(0, ort.position());
            float[] again = ort.prefill(Arrays.copyOf(t, 4));
            assertTrue(Arrays.equals(first, again), "same prompt after reset, same logits");
            assertThrows(UserError.class, () -> ort.decode(Gpt2Config.GPT2_VOCAB));
        }
    }

    /** NaN weights make NaN logits; ONNX Runtime computing them is refused in one line, never passed on. */
    @Test
    void nonFiniteLogitsAreRefused() {
        Gpt2Weights w = OnnxFixtures.tiny();
        float[] head = w.lmHead().clone();
        head[5 * w.config().nEmbd()] = Float.NaN;
        Gpt2Weights bad = new Gpt2Weights(w.config(), w.wte(), w.wpe(), w.blocks(), w.lnF(), head);
        try (OrtBackend ort = new OrtBackend(bad, 8)) {
            String msg = assertThrows(dev.fpgallm.model.ModelFormatException.class, () -> ort.prefill(tokens(3, 2))).getMessage();
            assertTrue(msg.contains("ONNX Runtime computed NaN in logits") && !msg.contains("\n"), msg);
        }
    }

    /** The expensive one: synthetic DistilGPT2, a prefill of 3 and 3 decode steps. */
    @Test
    void distilGpt2MatchesReference(TestReporter report) {
        Gpt2Weights w = SyntheticCheckpoint.generate(Gpt2Config.distilgpt2(), 0);
        try (OrtBackend ort = new OrtBackend(w, 16); ReferenceModel ref = new ReferenceModel(w, 16)) {
            double err = worstError(ort, ref, 3, 3, report);
            assertTrue(err < TOLERANCE, "relative error " + err);
        }
    }
}
