package dev.fpgallm.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Loads a Hugging Face GPT-2 checkpoint folder ({@code config.json} + {@code model.safetensors}) into FP32
 * {@link Gpt2Weights}. Tensor names may carry the {@code transformer.} prefix (GPT2LMHeadModel) or not
 * (GPT2Model); Conv1D weights are [in, out] and are transposed to [out, in]; the LM head is tied to wte unless
 * {@code lm_head.weight} is present; the {@code attn.bias} / {@code attn.masked_bias} mask buffers are ignored.
 */
public final class CheckpointLoader {
    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";

    private CheckpointLoader() {
    }

    /** True when {@code dir} looks like a Hugging Face GPT-2 folder. */
    public static boolean isCheckpointFolder(Path dir) {
        return Files.isRegularFile(dir.resolve(CONFIG)) && Files.isRegularFile(dir.resolve(WEIGHTS));
    }

    public static Gpt2Weights load(Path dir) {
        if (!Files.isDirectory(dir)) throw new ModelFormatException(dir + ": not a folder");
        Path configFile = dir.resolve(CONFIG);
        if (!Files.isRegularFile(configFile)) throw new ModelFormatException(dir + ": no " + CONFIG);
        Path weightsFile = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(weightsFile)) {
            String hint = Files.exists(dir.resolve("pytorch_model.bin"))
                    ? " (only pytorch_model.bin found: download model.safetensors instead)" : "";
            throw new ModelFormatException(dir + ": no " + WEIGHTS + hint);
        }
        Gpt2Config config = Gpt2Config.read(configFile);
        try (SafetensorsFile st = SafetensorsFile.open(weightsFile)) {
            return read(config, st);
        }
    }

    /** Reads every GPT-2 tensor from an open safetensors file. */
    public static Gpt2Weights read(Gpt2Config c, SafetensorsFile st) {
        String p = st.has("transformer.wte.weight") ? "transformer." : "";
        long d = c.nEmbd();
        float[] wte = st.floats(p + "wte.weight", c.vocabSize(), d);
        float[] wpe = st.floats(p + "wpe.weight", c.nPositions(), d);
        List<Block> blocks = new ArrayList<>();
        for (int l = 0; l < c.nLayer(); l++) {
            String h = p + "h." + l + ".";
            blocks.add(new Block(
                    layerNorm(st, h + "ln_1", d),
                    conv1D(st, h + "attn.c_attn", d, 3 * d),
                    conv1D(st, h + "attn.c_proj", d, d),
                    layerNorm(st, h + "ln_2", d),
                    conv1D(st, h + "mlp.c_fc", d, 4 * d),
                    conv1D(st, h + "mlp.c_proj", 4 * d, d)));
        }
        LayerNormWeights lnF = layerNorm(st, p + "ln_f", d);
        float[] lmHead = st.has("lm_head.weight") ? st.floats("lm_head.weight", c.vocabSize(), d) : wte;
        return new Gpt2Weights(c, wte, wpe, blocks, lnF, lmHead);
    }

    private static LayerNormWeights layerNorm(SafetensorsFile st, String prefix, long d) {
        return new LayerNormWeights(st.floats(prefix + ".weight", d), st.floats(prefix + ".bias", d));
    }

    private static Linear conv1D(SafetensorsFile st, String prefix, long in, long out) {
        float[] w = st.floats(prefix + ".weight", in, out);
        float[] b = st.floats(prefix + ".bias", out);
        return Linear.fromConv1D((int) in, (int) out, w, b);
    }

    /** Writes weights as a Hugging Face folder (config.json + F32 model.safetensors, GPT2LMHeadModel names). */
    public static void save(Gpt2Weights w, Path dir, String note) throws java.io.IOException {
        Gpt2Config c = w.config();
        long d = c.nEmbd();
        SafetensorsWriter out = new SafetensorsWriter().metadata("format", "pt");
        if (note != null) out.metadata("fpga_llm", note);
        out.put("transformer.wte.weight", w.wte(), c.vocabSize(), d);
        out.put("transformer.wpe.weight", w.wpe(), c.nPositions(), d);
        for (int l = 0; l < c.nLayer(); l++) {
            Block b = w.blocks().get(l);
            String h = "transformer.h." + l + ".";
            putLayerNorm(out, h + "ln_1", b.ln1());
            putConv1D(out, h + "attn.c_attn", b.attnQkv());
            putConv1D(out, h + "attn.c_proj", b.attnProj());
            putLayerNorm(out, h + "ln_2", b.ln2());
            putConv1D(out, h + "mlp.c_fc", b.mlpFc());
            putConv1D(out, h + "mlp.c_proj", b.mlpProj());
        }
        putLayerNorm(out, "transformer.ln_f", w.lnF());
        if (!w.tiedLmHead()) out.put("lm_head.weight", w.lmHead(), c.vocabSize(), d);
        Files.createDirectories(dir);
        out.write(dir.resolve(WEIGHTS));
        Path tmp = dir.resolve(CONFIG + ".tmp");
        Files.writeString(tmp, c.toJson());
        Files.move(tmp, dir.resolve(CONFIG), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static void putLayerNorm(SafetensorsWriter out, String prefix, LayerNormWeights ln) {
        out.put(prefix + ".weight", ln.gamma(), ln.gamma().length);
        out.put(prefix + ".bias", ln.beta(), ln.beta().length);
    }

    private static void putConv1D(SafetensorsWriter out, String prefix, Linear l) {
        out.put(prefix + ".weight", l.toConv1D(), l.in(), l.out());
        out.put(prefix + ".bias", l.bias(), l.out());
    }
}
