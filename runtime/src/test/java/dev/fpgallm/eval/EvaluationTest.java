package dev.fpgallm.eval;

import dev.fpgallm.CacheHome;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fpgallm.backend.Backend;
import dev.fpgallm.backends.Backends;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.model.SyntheticCheckpoint;
import dev.fpgallm.quant.Precision;
import dev.fpgallm.reference.ReferenceModel;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Perplexity and agreement on tiny: the FP32 reference against itself, the emulator, and hand-checkable cases. */
class EvaluationTest {
    @TempDir
    static Path home;
    static Gpt2Weights weights;
    static Corpus corpus;

    @BeforeAll
    static void model() {
        System.setProperty(CacheHome.PROPERTY, home.toString()); // calibration cache
        weights = SyntheticCheckpoint.generate(Gpt2Config.tiny(), 1);
        corpus = Corpus.sampled(weights, 2, 40, 5, () -> { });
    }

    @AfterAll
    static void restore() {
        System.clearProperty(CacheHome.PROPERTY);
    }

    @Test
    void fp32AgainstItselfIsExactlyZeroDrop() {
        try (Backend ref = new ReferenceModel(weights, 32)) {
            Evaluation e = Evaluation.reference(ref, corpus, 32, 16, () -> { });
            assertEquals(2 * 39, e.scoredTokens(), "every token after the first of each sequence, once");
            Quality q = e.compare(ref, () -> { });
            assertEquals(0.0, q.dropPercent(), "exactly 0 %");
            assertEquals(q.perplexityFp32(), q.perplexity());
            assertEquals(1.0, q.top1Agreement());
            assertEquals(0.0, q.meanKl());
            assertEquals(1.0, q.meanCosine(), 1e-12);
            assertTrue(q.perplexity() > 1 && q.perplexity() < Gpt2Config.GPT2_VOCAB, "perplexity " + q.perplexity());
        }
    }

    /** The reference pass feeds each window in chunks through the KV cache (progress); compare feeds it whole. */
    @Test
    void theChunkedReferencePassIsBitIdenticalToWholeWindows() {
        try (Backend ref = new ReferenceModel(weights, 40)) {
            long[] fed = {0};
            Evaluation e = Evaluation.reference(ref, corpus, 40, 20, n -> fed[0] += n);
            assertEquals(Evaluation.tokenCount(corpus, 40, 20), fed[0], "every token fed is reported");
            Quality q = e.compare(ref, () -> { });
            assertEquals(q.perplexityFp32(), q.perplexity());
            assertEquals(0.0, q.meanKl());
            assertEquals(1.0, q.top1Agreement());
        }
    }

    @Test
    void emulatorDriftsLittleFromFp32() {
        try (Backend ref = new ReferenceModel(weights, 32);
             Backend emu = Backends.open("emu", weights, new Backends.Options(32, Precision.W8A16, true, true, s -> { }))) {
            Quality q = Evaluation.reference(ref, corpus, 32, 16, () -> { }).compare(emu, () -> { });
            assertTrue(Math.abs(q.dropPercent()) < 2, "drop " + q.dropPercent());
            assertTrue(q.top1Agreement() > 0.9, "agreement " + q.top1Agreement());
            assertTrue(q.meanKl() > 0 && q.meanKl() < 0.01, "KL " + q.meanKl());
            assertTrue(q.meanCosine() > 0.999, "cosine " + q.meanCosine());
        }
    }

    @Test
    void uniformLogitsHavePerplexityEqualToTheVocabulary() {
        int vocab = 1000;
        Backend uniform = new FixedLogits(new float[vocab]);
        float[] peaked = new float[vocab];
        peaked[3] = (float) Math.log(vocab); // token 3 gets 1000 / (1000 + 999) of the mass
        Corpus threes = new Corpus("threes", List.of(new int[] {3, 3, 3, 3, 3}), false);
        Evaluation e = Evaluation.reference(uniform, threes, 5, 4, () -> { });
        Quality q = e.compare(new FixedLogits(peaked), () -> { });
        assertEquals(vocab, q.perplexityFp32(), 1e-9 * vocab);
        assertEquals(1.999, q.perplexity(), 1e-5, "1 / p(target)");
        assertEquals(100 * (1.999 / vocab - 1), q.dropPercent(), 1e-4);
        assertEquals(0.0, q.top1Agreement(), "argmax 0 vs 3");
    }

    @Test
    void slidingWindowsScoreEveryTargetOnceWithContext() {
        Corpus c = new Corpus("two", List.of(new int[10], new int[5]), false);
        List<Window> ws = Window.over(c, 4, 2);
        int[][] scored = {new int[10], new int[5]};
        for (Window w : ws) {
            assertTrue(w.end() - w.begin() <= 4);
            assertTrue(w.scoreFrom() > w.begin(), "a target is predicted from a token inside the window");
            if (w.begin() > 0) assertTrue(w.scoreFrom() - w.begin() >= 4 - 2, "later windows keep window - stride of context");
            for (int j = w.scoreFrom(); j < w.end(); j++) scored[w.sequence()][j]++;
        }
        assertArrayEquals(new int[] {0, 1, 1, 1, 1, 1, 1, 1, 1, 1}, scored[0]);
        assertArrayEquals(new int[] {0, 1, 1, 1, 1}, scored[1]);
        assertEquals(ws.size(), Evaluation.windowCount(c, 4, 2));
    }

    @Test
    void sampledCorpusIsDeterministic() {
        Corpus again = Corpus.sampled(weights, 2, 40, 5, () -> { });
        for (int i = 0; i < 2; i++) assertArrayEquals(corpus.sequences().get(i), again.sequences().get(i));
        assertEquals(Gpt2Config.END_OF_TEXT, corpus.sequences().getFirst()[0]);
        assertFalse(java.util.Arrays.equals(corpus.sequences().get(0), corpus.sequences().get(1)), "each sequence its own seed");
        assertTrue(corpus.fromModel());
    }

    /** A backend whose logits are the same at every position. */
    record FixedLogits(float[] logits) implements Backend {
        @Override
        public String name() {
            return "fixed";
        }

        @Override
        public Gpt2Config config() {
            return Gpt2Config.tiny();
        }

        @Override
        public int maxSeq() {
            return 1024;
        }

        @Override
        public int position() {
            return 0;
        }

        @Override
        public void reset() {
        }

        @Override
        public float[] prefill(int[] tokens) {
            return logits;
        }

        @Override
        public float[][] prefillAll(int[] tokens) {
            float[][] out = new float[tokens.length][];
            for (int i = 0; i < tokens.length; i++) out[i] = logits.clone();
            return out;
        }

        @Override
        public float[] decode(int token) {
            return logits;
        }

        @Override
        public void close() {
        }
    }
}
