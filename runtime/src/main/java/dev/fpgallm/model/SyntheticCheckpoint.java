package dev.fpgallm.model;

import dev.fpgallm.Progress;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Deterministic GPT-2 weights with the statistics of a trained model, for running and testing everything without
 * the Hugging Face hub. Not a language model: text from it is fluent-looking noise. What it does reproduce:
 * <ul>
 *   <li>GPT-2's init: N(0, 0.02) everywhere, residual output projections scaled by 1/sqrt(2 n_layer);</li>
 *   <li>a few outlier channels in the residual stream (as trained GPT-2 has), fed by the position embeddings and the
 *       output projections and damped by LayerNorm's gamma, so per-tensor activation scales feel the pressure;</li>
 *   <li>a separate (untied) LM head, see {@link #generate};</li>
 *   <li>a sharpened output distribution (ln_f gamma sized for a logit spread of about {@value #LOGIT_STD}), so the
 *       top-1 probability is often above 0.1 and greedy decoding and quantization error are meaningful.</li>
 * </ul>
 * Each tensor has its own random stream seeded from (seed, name), so the result does not depend on thread count.
 */
public final class SyntheticCheckpoint {
    /**
     * Bumped whenever the generator or the folder it writes changes, so cached synthetic folders are never stale.
     * 2: config.json says tie_word_embeddings false (the head is untied; version 1 said true).
     */
    public static final int VERSION = 2;
    static final double INIT_STD = 0.02;
    static final double LOGIT_STD = 5.0;
    static final double OUTLIER_EMBEDDING = 0.6;
    static final double OUTLIER_BIAS = 0.3;
    static final double OUTLIER_PROJ_GAIN = 8.0;

    private SyntheticCheckpoint() {
    }

    /** Writes {@code config.json} and {@code model.safetensors} (F32) into {@code dir}. */
    public static void write(Gpt2Config config, long seed, Path dir) throws IOException {
        write(config, seed, dir, Progress.Sink.NONE);
    }

    /** As above, the bytes written as progress on {@code progress}. */
    public static void write(Gpt2Config config, long seed, Path dir, Progress.Sink progress) throws IOException {
        CheckpointLoader.save(generate(config, seed), dir, "synthetic weights, preset " + config.name() + ", seed " + seed
                + ", generator v" + VERSION + ", written by " + dev.fpgallm.BuildInfo.current().describe(), progress,
                "writing synthetic " + config.name() + " weights");
    }

    public static Gpt2Weights generate(Gpt2Config c, long seed) {
        int d = c.nEmbd();
        int[] outliers = outlierChannels(d, seed);
        double projStd = INIT_STD / Math.sqrt(2.0 * c.nLayer());

        float[] wte = gaussian(seed, "wte", c.vocabSize() * d, INIT_STD);
        float[] wpe = gaussian(seed, "wpe", c.nPositions() * d, INIT_STD);
        for (int k = 0; k < outliers.length; k++) {
            float offset = (float) (sign(k) * OUTLIER_EMBEDDING);
            for (int p = 0; p < c.nPositions(); p++) wpe[p * d + outliers[k]] += offset;
        }

        List<Block> blocks = IntStream.range(0, c.nLayer()).parallel().mapToObj(l -> {
            String h = "h." + l + ".";
            Linear proj = linear(seed, h + "attn.c_proj", d, d, projStd);
            Linear mlpProj = linear(seed, h + "mlp.c_proj", 4 * d, d, projStd);
            for (int k = 0; k < outliers.length; k++) {
                amplifyRow(mlpProj, outliers[k], OUTLIER_PROJ_GAIN);
                proj.bias()[outliers[k]] = (float) (sign(k) * OUTLIER_BIAS);
            }
            return new Block(layerNorm(seed, h + "ln_1", d, 1.0, outliers),
                    linear(seed, h + "attn.c_attn", d, 3 * d, INIT_STD), proj,
                    layerNorm(seed, h + "ln_2", d, 1.0, outliers),
                    linear(seed, h + "mlp.c_fc", d, 4 * d, INIT_STD), mlpProj);
        }).toList();

        // logits = ln_f(x) . wte_row: each term ~ gamma * N(0, 0.02), d terms -> std gamma * 0.02 * sqrt(d).
        double gammaF = LOGIT_STD / (INIT_STD * Math.sqrt(d));
        LayerNormWeights lnF = layerNorm(seed, "ln_f", d, gammaF, outliers);
        // An untied head: with random weights a tied one (logits = h . wte) makes the model echo its current token,
        // since h is dominated by that token's own embedding. Real GPT-2 checkpoints are tied and load that way.
        float[] lmHead = gaussian(seed, "lm_head", c.vocabSize() * d, INIT_STD);
        return new Gpt2Weights(c, wte, wpe, new ArrayList<>(blocks), lnF, lmHead);
    }

    /** About one residual channel in 256 carries an outlier, at least one. */
    static int[] outlierChannels(int d, long seed) {
        int n = Math.max(1, d / 256);
        SplittableRandom r = random(seed, "outliers");
        int[] picked = r.ints(0, d).distinct().limit(n).toArray();
        java.util.Arrays.sort(picked);
        return picked;
    }

    private static double sign(int k) {
        return (k & 1) == 0 ? 1.0 : -1.0;
    }

    private static Linear linear(long seed, String name, int in, int out, double std) {
        return new Linear(in, out, gaussian(seed, name + ".weight", in * out, std),
                gaussian(seed, name + ".bias", out, 0.5 * INIT_STD));
    }

    private static LayerNormWeights layerNorm(long seed, String name, int d, double scale, int[] outliers) {
        float[] gamma = gaussian(seed, name + ".weight", d, 0.1 * scale);
        for (int i = 0; i < d; i++) gamma[i] += (float) scale;
        // Trained GPT-2 damps its outlier channels in LayerNorm so they do not dominate the normalised output.
        for (int o : outliers) gamma[o] = (float) (0.05 * scale);
        return new LayerNormWeights(gamma, gaussian(seed, name + ".bias", d, INIT_STD));
    }

    private static void amplifyRow(Linear l, int row, double gain) {
        for (int i = 0; i < l.in(); i++) l.weight()[row * l.in() + i] *= (float) gain;
    }

    private static float[] gaussian(long seed, String name, int n, double std) {
        SplittableRandom r = random(seed, name);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextGaussian() * std);
        return a;
    }

    private static SplittableRandom random(long seed, String name) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ name.hashCode());
    }
}
