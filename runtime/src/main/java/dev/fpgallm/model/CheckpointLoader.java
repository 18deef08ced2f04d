package dev.fpgallm.model;

import dev.fpgallm.io.AtomicWrite;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loads a Hugging Face GPT-2 checkpoint folder ({@code config.json} + {@code model.safetensors}) into FP32
 * {@link Gpt2Weights}. Tensor names may carry the {@code transformer.} prefix (GPT2LMHeadModel) or not
 * (GPT2Model); Conv1D weights are [in, out] and are transposed to [out, in]; the {@code attn.bias} /
 * {@code attn.masked_bias} mask buffers are ignored. The file must hold exactly the model config.json describes:
 * n_layer blocks, no tensor fpga-llm would not use, and an LM head that agrees with {@code tie_word_embeddings}
 * (tied: no lm_head.weight, or one equal to wte; untied: lm_head.weight present). Every weight must be finite.
 */
public final class CheckpointLoader {
    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";
    private static final Pattern BLOCK = Pattern.compile("h\\.(\\d+)\\.(.+)");
    private static final List<String> BLOCK_TENSORS = List.of("ln_1.weight", "ln_1.bias", "attn.c_attn.weight",
            "attn.c_attn.bias", "attn.c_proj.weight", "attn.c_proj.bias", "ln_2.weight", "ln_2.bias",
            "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias");
    /** Buffers Hugging Face stores beside the weights (the causal mask); not parameters. */
    private static final Set<String> BLOCK_BUFFERS = Set.of("attn.bias", "attn.masked_bias");

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
        Gpt2Config.Parsed config = Gpt2Config.parse(configFile);
        try (SafetensorsFile st = SafetensorsFile.open(weightsFile)) {
            return read(config.config(), config.tieWordEmbeddings(), st);
        }
    }

    /** Reads every GPT-2 tensor, after checking that the file holds exactly the model {@code c} describes. */
    public static Gpt2Weights read(Gpt2Config c, boolean tiedHead, SafetensorsFile st) {
        String p = st.has("transformer.wte.weight") ? "transformer." : "";
        checkTensorNames(c, tiedHead, st, p);
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
        float[] lmHead = wte;
        if (st.has("lm_head.weight")) {
            float[] head = st.floats("lm_head.weight", c.vocabSize(), d);
            if (!tiedHead) lmHead = head;
            else if (!Arrays.equals(head, wte))
                throw new ModelFormatException(st.path() + ": lm_head.weight differs from wte, but config.json ties "
                        + "them (tie_word_embeddings true or absent, so Hugging Face would ignore it): set "
                        + "tie_word_embeddings to false to use this LM head");
        }
        return new Gpt2Weights(c, wte, wpe, blocks, lnF, lmHead);
    }

    /** Every tensor the config needs is there, and nothing else is: a different model is refused, not guessed. */
    private static void checkTensorNames(Gpt2Config c, boolean tiedHead, SafetensorsFile st, String p) {
        Set<String> expected = new LinkedHashSet<>(List.of(p + "wte.weight", p + "wpe.weight"));
        for (int l = 0; l < c.nLayer(); l++)
            for (String t : BLOCK_TENSORS) expected.add(p + "h." + l + "." + t);
        expected.add(p + "ln_f.weight");
        expected.add(p + "ln_f.bias");
        int lastBlock = -1;
        String beyond = null;
        for (String name : st.tensors().keySet()) {
            if (expected.contains(name) || name.equals("lm_head.weight")) continue;
            Matcher m = name.startsWith(p) ? BLOCK.matcher(name.substring(p.length())) : null;
            if (m != null && m.matches() && m.group(1).length() < 6) {
                int l = Integer.parseInt(m.group(1));
                if (l < c.nLayer() && BLOCK_BUFFERS.contains(m.group(2))) continue;
                if (l >= c.nLayer()) {
                    if (l > lastBlock) beyond = name;
                    lastBlock = Math.max(lastBlock, l);
                    continue;
                }
            }
            throw new ModelFormatException(st.path() + ": unexpected tensor '" + name + "': not a GPT-2 LM weight "
                    + "(fpga-llm reads GPT2LMHeadModel / GPT2Model checkpoints, names " + (p.isEmpty() ? "without" : "with")
                    + " the 'transformer.' prefix)");
        }
        if (beyond != null)
            throw new ModelFormatException(st.path() + ": holds blocks up to h." + lastBlock + " (tensor '" + beyond
                    + "') but config.json says n_layer " + c.nLayer() + ": the config does not describe these weights");
        for (String name : expected)
            if (!st.has(name)) {
                Matcher m = name.startsWith(p) ? BLOCK.matcher(name.substring(p.length())) : null;
                String hint = m != null && m.matches() && !st.has(p + "h." + m.group(1) + ".ln_1.weight")
                        ? " (config.json says n_layer " + c.nLayer() + ", the file has fewer blocks)" : "";
                throw new ModelFormatException(st.path() + ": missing tensor '" + name + "'" + hint);
            }
        if (!tiedHead && !st.has("lm_head.weight"))
            throw new ModelFormatException(st.path() + ": config.json sets tie_word_embeddings false, but there is no "
                    + "lm_head.weight");
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
        save(w, dir, note, dev.fpgallm.Progress.Sink.NONE, WEIGHTS);
    }

    /** As above, with the bytes written to model.safetensors as the progress of a step called {@code label}. */
    public static void save(Gpt2Weights w, Path dir, String note, dev.fpgallm.Progress.Sink progress, String label)
            throws java.io.IOException {
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
        try (dev.fpgallm.Progress p = progress.start(label, out.dataBytes(), dev.fpgallm.Progress.BYTES)) {
            out.write(dir.resolve(WEIGHTS), p::advance);
        }
        AtomicWrite.replace(dir.resolve(CONFIG), c.toJson(w.tiedLmHead()).getBytes(StandardCharsets.UTF_8));
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
