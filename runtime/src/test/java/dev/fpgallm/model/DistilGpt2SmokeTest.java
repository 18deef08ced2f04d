package dev.fpgallm.model;

import static dev.fpgallm.eval.Evaluation.argmax;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fpgallm.reference.ReferenceModel;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The one test on the full DistilGPT2 shape: synthetic weights load, run, and have the promised statistics. */
class DistilGpt2SmokeTest {
    @Test
    void syntheticDistilGpt2RunsWithSharpOutputs() {
        Gpt2Weights w = SyntheticCheckpoint.generate(Gpt2Config.distilgpt2(), 0);
        assertEquals(81_912_576L + 50257L * 768, countParameters(w), "untied head adds vocab x 768");
        int[] prompt = {15496, 11, 616, 1438, 318, 1757, 290, 314};
        double[] top1 = new double[prompt.length + 8];
        try (ReferenceModel m = new ReferenceModel(w, 256)) {
            float[][] all = m.prefillAll(prompt);
            for (int i = 0; i < prompt.length; i++) top1[i] = topProbability(all[i]);
            int next = argmax(all[prompt.length - 1]);
            for (int i = 0; i < 8; i++) {
                float[] logits = m.decode(next);
                for (float v : logits) assertTrue(Float.isFinite(v));
                top1[prompt.length + i] = topProbability(logits);
                next = argmax(logits);
            }
        }
        double[] sorted = top1.clone();
        Arrays.sort(sorted);
        double median = sorted[sorted.length / 2];
        assertTrue(median > 0.1, "median top-1 probability " + median + " should exceed 0.1: " + Arrays.toString(top1));
        assertTrue(sorted[sorted.length - 1] < 0.999, "not degenerate: " + Arrays.toString(top1));
    }

    private static long countParameters(Gpt2Weights w) {
        long n = w.wte().length + w.wpe().length + w.lnF().gamma().length * 2L + (w.tiedLmHead() ? 0 : w.lmHead().length);
        for (Block b : w.blocks())
            for (Linear l : new Linear[] {b.attnQkv(), b.attnProj(), b.mlpFc(), b.mlpProj()}) n += l.weight().length + l.out();
        return n + w.blocks().size() * 4L * w.config().nEmbd();
    }

    static double topProbability(float[] l) {
        double max = l[argmax(l)], sum = 0;
        for (float v : l) sum += Math.exp(v - max);
        return 1 / sum;
    }
}
