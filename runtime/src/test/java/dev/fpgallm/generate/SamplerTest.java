package dev.fpgallm.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fpgallm.UserError;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SamplerTest {
    private static float[] logits(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] l = new float[1000];
        for (int i = 0; i < l.length; i++) l[i] = (float) r.nextGaussian() * 3;
        return l;
    }

    private static int[] run(Sampler s, int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = s.sample(logits(i));
        return out;
    }

    private static Sampler sampler(double temp, int topK, double topP, double minP, long seed) {
        return new Sampler(new Sampler.Settings(temp, topK, topP, minP, 1, 64), seed);
    }

    private static Set<Integer> drawn(Sampler s, float[] l, int draws) {
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < draws; i++) seen.add(s.sample(l));
        return seen;
    }

    @Test
    void sameSeedSameChoices() {
        assertArrayEquals(run(sampler(0.9, 50, 0.95, 0.05, 42), 64), run(sampler(0.9, 50, 0.95, 0.05, 42), 64));
        assertNotEquals(java.util.Arrays.toString(run(sampler(1.5, 0, 1, 0, 1), 64)),
                java.util.Arrays.toString(run(sampler(1.5, 0, 1, 0, 2), 64)));
    }

    @Test
    void greedyAndItsLimits() {
        float[] l = logits(5);
        int best = Sampler.argmax(l);
        assertEquals(best, Sampler.greedy().sample(l));
        assertEquals(best, sampler(0, 0, 1, 0, 9).sample(l), "temperature 0 is greedy");
        assertEquals(best, sampler(1, 1, 1, 0, 9).sample(l), "top-k 1 is greedy");
        assertEquals(best, sampler(1, 0, 1e-6, 0, 9).sample(l), "a tiny top-p is greedy");
        assertEquals(best, sampler(1, 0, 1, 1, 9).sample(l), "min-p 1 is greedy (no tie here)");
    }

    @Test
    void topKKeepsOnlyTheKBest() {
        float[] l = logits(6);
        Set<Integer> seen = drawn(sampler(5.0, 3, 1, 0, 3), l, 500);
        assertEquals(3, seen.size());
        int[] sorted = java.util.stream.IntStream.range(0, l.length).boxed()
                .sorted((a, b) -> Float.compare(l[b], l[a])).mapToInt(Integer::intValue).limit(3).toArray();
        for (int id : sorted) assertTrue(seen.contains(id));
    }

    /** min-p as llama.cpp defines it: keep p >= min_p x p_max, on the logits before the temperature. */
    @Test
    void minPKeepsTokensAtLeastThatLikelyRelativeToTheBest() {
        // p proportional to exp(logit): token 1 is exp(-0.5) = 0.61 of token 0, token 2 exp(-1) = 0.37, token 3 0.14
        float[] l = {3.0f, 2.5f, 2.0f, 1.0f};
        assertEquals(Set.of(0, 1), drawn(sampler(1, 0, 1, 0.5, 1), l, 400));
        assertEquals(Set.of(0, 1, 2), drawn(sampler(1, 0, 1, 0.3, 1), l, 400));
        // a high temperature flattens the draw, not the filter: still only what passed min-p
        assertEquals(Set.of(0, 1), drawn(sampler(50, 0, 1, 0.5, 1), l, 400));
        assertEquals(Set.of(0, 1, 2, 3), drawn(sampler(1, 0, 1, 0, 1), l, 4000), "0 keeps all");
    }

    /** top-p also reads the probabilities before the temperature, as in llama.cpp's chain. */
    @Test
    void topPIsAppliedBeforeTheTemperature() {
        float[] l = {4.0f, 0.0f, 0.0f, 0.0f}; // p0 = 0.948 before temperature; 0.25 each at a huge temperature
        assertEquals(Set.of(0), drawn(sampler(1000, 0, 0.9, 0, 2), l, 300));
    }

    /** The repeat penalty as llama.cpp defines it: positive logits divided, negative ones multiplied, once per token. */
    @Test
    void repeatPenaltyDiscouragesTokensOfTheWindow() {
        float[] l = {2.0f, 1.9f, -1.0f, -1.05f};
        Sampler s = new Sampler(new Sampler.Settings(0, 0, 1, 0, 1.1, 64), 0);
        assertEquals(0, s.sample(l));
        s.accept(0);
        s.accept(0); // counted once: 2.0 / 1.1 = 1.82, not 2.0 / 1.21
        assertEquals(1, s.sample(l), "2.0 / 1.1 < 1.9: greedy takes the other token");
        s.accept(1);
        assertEquals(0, s.sample(l), "both penalized: 1.82 > 1.73");
        assertArrayEquals(new float[] {2.0f, 1.9f, -1.0f, -1.05f}, l, "the backend's logits are not changed");

        Sampler negative = new Sampler(new Sampler.Settings(0, 0, 1, 0, 1.1, 64), 0);
        float[] all = {-1.0f, -1.05f};
        negative.accept(0);
        assertEquals(1, negative.sample(all), "-1.0 x 1.1 = -1.1 < -1.05");

        Sampler window = new Sampler(new Sampler.Settings(0, 0, 1, 0, 1.1, 1), 0);
        window.accept(0);
        window.accept(2); // the window is the last token only: token 0 is out of it
        assertEquals(0, window.sample(l));
        Sampler off = new Sampler(new Sampler.Settings(0, 0, 1, 0, 1.1, 0), 0);
        off.accept(0);
        assertEquals(0, off.sample(l), "--repeat-last-n 0 turns the penalty off");
    }

    @Test
    void rejectsBadSettings() {
        assertThrows(UserError.class, () -> sampler(-1, 0, 1, 0, 0));
        assertThrows(UserError.class, () -> sampler(Double.NaN, 0, 1, 0, 0));
        assertThrows(UserError.class, () -> sampler(1, -1, 1, 0, 0));
        assertThrows(UserError.class, () -> sampler(1, 0, 1.5, 0, 0));
        assertThrows(UserError.class, () -> sampler(1, 0, 0, 0, 0));
        assertTrue(assertThrows(UserError.class, () -> sampler(1, 0, 1, 1.5, 0)).getMessage().startsWith("--min-p must be in [0, 1]"));
        assertThrows(UserError.class, () -> sampler(1, 0, 1, Double.NaN, 0));
        assertTrue(assertThrows(UserError.class, () -> new Sampler.Settings(1, 0, 1, 0, 0, 64)).getMessage()
                .startsWith("--repeat-penalty must be a finite number > 0"));
        assertThrows(UserError.class, () -> new Sampler.Settings(1, 0, 1, 0, Double.POSITIVE_INFINITY, 64));
        assertThrows(UserError.class, () -> new Sampler.Settings(1, 0, 1, 0, 1.1, -2));
    }
}
