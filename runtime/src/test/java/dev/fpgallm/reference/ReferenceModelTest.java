package dev.fpgallm.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fpgallm.backend.SequenceFullException;
import dev.fpgallm.model.Block;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.model.LayerNormWeights;
import dev.fpgallm.model.Linear;
import dev.fpgallm.model.SyntheticCheckpoint;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReferenceModelTest {
    // A 1-layer model, 4 wide, 2 heads, 3 tokens of vocabulary, with weights from a simple formula.
    private static float[] w(int out, int in, int salt) {
        float[] a = new float[out * in];
        for (int o = 0; o < out; o++)
            for (int i = 0; i < in; i++) a[o * in + i] = (float) ((Math.floorMod(o * 7 + i * 3 + salt, 11) - 5) * 0.1);
        return a;
    }

    private static float[] b(int n, int salt, double plus) {
        float[] a = new float[n];
        for (int j = 0; j < n; j++) a[j] = (float) (plus + (Math.floorMod(j * 5 + salt, 7) - 3) * 0.05);
        return a;
    }

    static Gpt2Weights handModel() {
        Gpt2Config c = new Gpt2Config("hand", 1, 4, 2, 3, 3, 1e-5, "gelu_new");
        Block blk = new Block(new LayerNormWeights(b(4, 3, 1), b(4, 4, 0)),
                new Linear(4, 12, w(12, 4, 9), b(12, 10, 0)), new Linear(4, 4, w(4, 4, 11), b(4, 12, 0)),
                new LayerNormWeights(b(4, 5, 1), b(4, 6, 0)),
                new Linear(4, 16, w(16, 4, 13), b(16, 14, 0)), new Linear(16, 4, w(4, 16, 15), b(4, 16, 0)));
        float[] wte = w(3, 4, 1);
        return new Gpt2Weights(c, wte, w(3, 4, 2), List.of(blk), new LayerNormWeights(b(4, 7, 1), b(4, 8, 0)), wte);
    }

    /** Logits of tokens [2, 0, 1], computed by hand in NumPy (float64) with the same weight formulas. */
    static final float[][] HAND_LOGITS = {
            {0.046789f, 0.231164f, 0.715946f},
            {0.443214f, 0.672248f, 0.141839f},
            {0.041834f, 0.909115f, -0.073930f},
    };

    @Test
    void oneLayerModelMatchesHandComputedLogits() {
        try (ReferenceModel m = new ReferenceModel(handModel(), 3)) {
            float[][] all = m.prefillAll(new int[] {2, 0, 1});
            for (int r = 0; r < 3; r++) assertArrayEquals(HAND_LOGITS[r], all[r], 2e-6f, "position " + r);
            m.reset();
            for (int r = 0; r < 3; r++) assertArrayEquals(HAND_LOGITS[r], m.decode(new int[] {2, 0, 1}[r]), 2e-6f);
            assertThrows(SequenceFullException.class, () -> m.decode(0));
        }
    }

    @Test
    void kvCacheDecodeEqualsFullRecomputeOnTiny() {
        Gpt2Weights w = SyntheticCheckpoint.generate(Gpt2Config.tiny(), 11);
        int[] tokens = new int[40];
        for (int i = 0; i < tokens.length; i++) tokens[i] = (i * 7919 + 13) % 50257;
        try (ReferenceModel full = new ReferenceModel(w, 64); ReferenceModel cached = new ReferenceModel(w, 64)) {
            float[][] expected = full.prefillAll(tokens);
            // a prefill of the first 10, then one token at a time
            float[] last = cached.prefill(java.util.Arrays.copyOf(tokens, 10));
            assertArrayEquals(expected[9], last, 1e-4f);
            for (int t = 10; t < tokens.length; t++) {
                float[] logits = cached.decode(tokens[t]);
                float maxDiff = 0;
                for (int v = 0; v < logits.length; v++) maxDiff = Math.max(maxDiff, Math.abs(logits[v] - expected[t][v]));
                assertTrue(maxDiff < 1e-4f, "position " + t + " differs by " + maxDiff);
            }
            assertEquals(40, cached.position());
        }
    }

    @Test
    void geluIsTheTanhForm() {
        assertEquals(0.0f, ReferenceModel.gelu(0f));
        assertEquals(0.841192f, ReferenceModel.gelu(1f), 1e-6f);
        assertEquals(-0.158808f, ReferenceModel.gelu(-1f), 1e-6f);
    }
}
