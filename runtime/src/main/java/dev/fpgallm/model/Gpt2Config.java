package dev.fpgallm.model;

import dev.fpgallm.UserError;
import dev.fpgallm.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The shape of a GPT-2 family model, as Hugging Face's {@code config.json} names it.
 *
 * @param name                a label for reports (preset name or folder name)
 * @param nLayer              transformer blocks
 * @param nEmbd               residual width
 * @param nHead               attention heads (head_dim = nEmbd / nHead)
 * @param nPositions          learned positions (the longest context the model knows)
 * @param vocabSize           token ids
 * @param layerNormEpsilon    LayerNorm epsilon
 * @param activationFunction  MLP activation; GPT-2 uses gelu_new (the tanh form)
 */
public record Gpt2Config(String name, int nLayer, int nEmbd, int nHead, int nPositions, int vocabSize,
                         double layerNormEpsilon, String activationFunction) {

    /** GPT-2's vocabulary: 50,000 merges + 256 byte tokens + {@code <|endoftext|>}. */
    public static final int GPT2_VOCAB = 50257;
    public static final int END_OF_TEXT = 50256;

    public Gpt2Config {
        if (nLayer < 1 || nLayer > 256) throw new UserError("n_layer must be in 1..256, got " + nLayer);
        if (nEmbd < 1 || nHead < 1 || nEmbd % nHead != 0)
            throw new UserError("n_embd (" + nEmbd + ") must be a positive multiple of n_head (" + nHead + ")");
        if (nEmbd > 16384) throw new UserError("n_embd " + nEmbd + " is larger than fpga-llm supports (16384)");
        if (nPositions < 1) throw new UserError("n_positions must be positive, got " + nPositions);
        if (vocabSize < 1) throw new UserError("vocab_size must be positive, got " + vocabSize);
        if (!(layerNormEpsilon > 0 && layerNormEpsilon < 1))
            throw new UserError("layer_norm_epsilon must be in (0, 1), got " + layerNormEpsilon);
        if (!isTanhGelu(activationFunction))
            throw new UserError("activation_function '" + activationFunction
                    + "' is not supported; GPT-2 models use gelu_new");
    }

    /** 2 layers, 64 wide, 4 heads, GPT-2's full vocabulary: fast tests that still exercise the real LM head. */
    public static Gpt2Config tiny() {
        return new Gpt2Config("tiny", 2, 64, 4, 1024, GPT2_VOCAB, 1e-5, "gelu_new");
    }

    /** DistilGPT2: 6 x 768 x 12. */
    public static Gpt2Config distilgpt2() {
        return new Gpt2Config("distilgpt2", 6, 768, 12, 1024, GPT2_VOCAB, 1e-5, "gelu_new");
    }

    /** GPT-2 small: 12 x 768 x 12. */
    public static Gpt2Config gpt2() {
        return new Gpt2Config("gpt2", 12, 768, 12, 1024, GPT2_VOCAB, 1e-5, "gelu_new");
    }

    public static final List<String> PRESETS = List.of("tiny", "distilgpt2", "gpt2");

    /** A preset by name, or a clear error listing the presets. */
    public static Gpt2Config preset(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "tiny" -> tiny();
            case "distilgpt2" -> distilgpt2();
            case "gpt2" -> gpt2();
            default -> throw new UserError("unknown preset '" + name + "'; presets are " + String.join(", ", PRESETS));
        };
    }

    public int headDim() {
        return nEmbd / nHead;
    }

    /** The MLP's hidden width; GPT-2 always uses 4 x n_embd. */
    public int nInner() {
        return 4 * nEmbd;
    }

    /** Parameters counted as Hugging Face does (tied LM head counted once). */
    public long parameterCount() {
        long d = nEmbd;
        long perLayer = 2 * 2 * d            // ln_1, ln_2
                + d * 3 * d + 3 * d          // c_attn
                + d * d + d                  // attn c_proj
                + d * 4 * d + 4 * d          // c_fc
                + 4 * d * d + d;             // mlp c_proj
        return (long) vocabSize * d + (long) nPositions * d + nLayer * perLayer + 2 * d;
    }

    static boolean isTanhGelu(String f) {
        return "gelu_new".equals(f) || "gelu_pytorch_tanh".equals(f) || "gelu_fast".equals(f);
    }

    /** Reads a Hugging Face {@code config.json}; missing GPT-2 keys fall back to GPT-2's defaults. */
    public static Gpt2Config read(Path configJson) {
        String text;
        try {
            text = Files.readString(configJson);
        } catch (IOException e) {
            throw new UserError("cannot read " + configJson + ": " + e.getMessage());
        }
        Map<String, Object> m;
        try {
            m = Json.parseObject(text);
        } catch (Json.JsonException e) {
            throw new UserError(configJson + " is not valid JSON: " + e.getMessage());
        }
        Object type = m.get("model_type");
        if (type != null && !"gpt2".equals(type))
            throw new UserError(configJson + ": model_type '" + type + "' is not a GPT-2 family model");
        Object inner = m.get("n_inner");
        int nEmbd = intKey(m, "n_embd", 768, configJson);
        if (inner != null && ((Number) inner).intValue() != 4 * nEmbd)
            throw new UserError(configJson + ": n_inner " + inner + " differs from 4 x n_embd; not supported");
        String name = configJson.toAbsolutePath().getParent().getFileName().toString();
        return new Gpt2Config(name,
                intKey(m, "n_layer", 12, configJson),
                nEmbd,
                intKey(m, "n_head", 12, configJson),
                intKey(m, "n_positions", 1024, configJson),
                intKey(m, "vocab_size", GPT2_VOCAB, configJson),
                m.get("layer_norm_epsilon") instanceof Number n ? n.doubleValue() : 1e-5,
                m.get("activation_function") instanceof String s ? s : "gelu_new");
    }

    private static int intKey(Map<String, Object> m, String key, int fallback, Path file) {
        Object v = m.get(key);
        if (v == null) return fallback;
        if (!(v instanceof Long l) || l < 0 || l > Integer.MAX_VALUE)
            throw new UserError(file + ": " + key + " must be a non-negative integer, got " + v);
        return (int) (long) l;
    }

    /** The config.json a Hugging Face GPT2LMHeadModel folder carries. */
    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("architectures", List.of("GPT2LMHeadModel"));
        m.put("model_type", "gpt2");
        m.put("activation_function", activationFunction);
        m.put("bos_token_id", (long) END_OF_TEXT);
        m.put("eos_token_id", (long) END_OF_TEXT);
        m.put("layer_norm_epsilon", layerNormEpsilon);
        m.put("n_ctx", (long) nPositions);
        m.put("n_embd", (long) nEmbd);
        m.put("n_head", (long) nHead);
        m.put("n_inner", null);
        m.put("n_layer", (long) nLayer);
        m.put("n_positions", (long) nPositions);
        m.put("vocab_size", (long) vocabSize);
        m.put("tie_word_embeddings", Boolean.TRUE);
        m.put("torch_dtype", "float32");
        return Json.writePretty(m);
    }

    public Gpt2Config withName(String newName) {
        return new Gpt2Config(newName, nLayer, nEmbd, nHead, nPositions, vocabSize, layerNormEpsilon, activationFunction);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s: %d layers x %d wide x %d heads (head_dim %d), vocab %d, n_positions %d",
                name, nLayer, nEmbd, nHead, headDim(), vocabSize, nPositions);
    }
}
