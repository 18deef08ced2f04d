package dev.fpgallm.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fpgallm.UserError;
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

    @Test
    void sameSeedSameChoices() {
        assertArrayEquals(run(new Sampler(false, 0.9, 50, 0.95, 42), 64), run(new Sampler(false, 0.9, 50, 0.95, 42), 64));
        assertNotEquals(java.util.Arrays.toString(run(new Sampler(false, 1.5, 0, 1, 1), 64)),
                java.util.Arrays.toString(run(new Sampler(false, 1.5, 0, 1, 2), 64)));
    }

    @Test
    void greedyAndItsLimits() {
        float[] l = logits(5);
        int best = Sampler.argmax(l);
        assertEquals(best, Sampler.greedy().sample(l));
        assertEquals(best, new Sampler(false, 1, 1, 1, 9).sample(l), "top-k 1 is greedy");
        assertEquals(best, new Sampler(false, 1, 0, 1e-6, 9).sample(l), "a tiny top-p is greedy");
    }

    @Test
    void topKKeepsOnlyTheKBest() {
        float[] l = logits(6);
        Sampler s = new Sampler(false, 5.0, 3, 1, 3);
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int i = 0; i < 500; i++) seen.add(s.sample(l));
        assertEquals(3, seen.size());
        int[] sorted = java.util.stream.IntStream.range(0, l.length).boxed()
                .sorted((a, b) -> Float.compare(l[b], l[a])).mapToInt(Integer::intValue).limit(3).toArray();
        for (int id : sorted) assertTrue(seen.contains(id));
    }

    @Test
    void rejectsBadSettings() {
        assertThrows(UserError.class, () -> new Sampler(false, 0, 0, 1, 0));
        assertThrows(UserError.class, () -> new Sampler(false, 1, -1, 1, 0));
        assertThrows(UserError.class, () -> new Sampler(false, 1, 0, 1.5, 0));
    }
}
