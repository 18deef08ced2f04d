package dev.fpgallm.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fpgallm.backend.Backend;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.model.SyntheticCheckpoint;
import dev.fpgallm.reference.ReferenceModel;
import org.junit.jupiter.api.Test;

class GenerationTest {
    private static final Gpt2Weights TINY = SyntheticCheckpoint.generate(Gpt2Config.tiny(), 2);

    /** The first prefill of a backend in a JVM is labelled cold (it includes the JIT's warm-up), later ones are not. */
    @Test
    void theFirstPrefillOfABackendInTheJvmIsCold() {
        try (ReferenceModel model = new ReferenceModel(TINY, 16, 1); Backend ref = renamed(model, "generation-test")) {
            int[] prompt = {15496, 11};
            Generation.Result first = Generation.run(ref, prompt, 3, Sampler.greedy(), false, id -> { });
            Generation.Result second = Generation.run(ref, prompt, 3, Sampler.greedy(), false, id -> { });
            assertTrue(first.coldStart());
            assertFalse(second.coldStart());
            assertArrayEquals(first.outputIds(), second.outputIds());
        }
    }

    /** {@code b} under another name (a name no other test's generation used in this JVM). */
    private static Backend renamed(Backend b, String name) {
        return new Backend() {
            public String name() { return name; }
            public Gpt2Config config() { return b.config(); }
            public int maxSeq() { return b.maxSeq(); }
            public int position() { return b.position(); }
            public void reset() { b.reset(); }
            public float[] prefill(int[] tokens) { return b.prefill(tokens); }
            public float[][] prefillAll(int[] tokens) { return b.prefillAll(tokens); }
            public float[] decode(int token) { return b.decode(token); }
            public void close() { }
        };
    }

    /** The repeat penalty's window holds the prompt: greedy decoding with a strong penalty never repeats a token. */
    @Test
    void theRepeatPenaltySeesThePromptAndTheTokensGenerated() {
        try (ReferenceModel ref = new ReferenceModel(TINY, 64, 1)) {
            int[] prompt = {15496, 11, 616};
            Sampler penalized = new Sampler(new Sampler.Settings(0, 0, 1, 0, 1e6, -1), 0);
            int[] out = Generation.run(ref, prompt, 24, penalized, false, id -> { }).outputIds();
            java.util.Set<Integer> seen = new java.util.HashSet<>();
            for (int id : prompt) seen.add(id);
            for (int id : out) assertTrue(seen.add(id), "token " + id + " repeats in " + java.util.Arrays.toString(out));
        }
    }
}
