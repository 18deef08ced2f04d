package dev.fpgallm.model;

import dev.fpgallm.UserError;
import dev.fpgallm.io.AtomicWrite;
import dev.fpgallm.json.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
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
    /** The most values one FP32 tensor may hold: a Java array's limit. */
    public static final int MAX_TENSOR_VALUES = Integer.MAX_VALUE - 8;

    public Gpt2Config {
        if (nLayer < 1 || nLayer > 256) throw new UserError("n_layer must be in 1..256, got " + nLayer);
        if (nEmbd < 1 || nHead < 1 || nEmbd % nHead != 0)
            throw new UserError("n_embd (" + nEmbd + ") must be a positive multiple of n_head (" + nHead + ")");
        if (nEmbd > 16384) throw new UserError("n_embd " + nEmbd + " is larger than fpga-llm supports (16384)");
        if (nPositions < 1) throw new UserError("n_positions must be positive, got " + nPositions);
        if (vocabSize < 1) throw new UserError("vocab_size must be positive, got " + vocabSize);
        if ((long) vocabSize * nEmbd > MAX_TENSOR_VALUES)
            throw new UserError("vocab_size x n_embd = " + (long) vocabSize * nEmbd + " values do not fit one tensor ("
                    + MAX_TENSOR_VALUES + " at most)");
        if ((long) nPositions * nEmbd > MAX_TENSOR_VALUES)
            throw new UserError("n_positions x n_embd = " + (long) nPositions * nEmbd + " values do not fit one tensor ("
                    + MAX_TENSOR_VALUES + " at most)");
        if (!(layerNormEpsilon > 0 && layerNormEpsilon < 1))
            throw new UserError("layer_norm_epsilon must be in (0, 1), got " + layerNormEpsilon);
        if (activationFunction == null || !isTanhGelu(activationFunction))
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

    /** config.json as read: the shape, and whether the LM head is tied to wte ({@code tie_word_embeddings}). */
    public record Parsed(Gpt2Config config, boolean tieWordEmbeddings) {
    }

    /** config.json is a few hundred bytes; anything near this is not one. */
    static final int MAX_CONFIG_BYTES = 1 << 20;

    /** Reads a Hugging Face {@code config.json}; see {@link #parse}. */
    public static Gpt2Config read(Path configJson) {
        return parse(configJson).config();
    }

    /**
     * Reads a Hugging Face {@code config.json} strictly: every key fpga-llm reads must have the type Hugging Face
     * writes (a JSON null is not a size), and the flags that would change GPT-2's computation must keep their GPT-2
     * values. Missing keys take the defaults Hugging Face's GPT2Config applies; the loader then checks every size
     * against the tensors.
     */
    public static Parsed parse(Path configJson) {
        byte[] bytes;
        try {
            if (Files.size(configJson) > MAX_CONFIG_BYTES)
                throw new UserError(configJson + " is larger than 1 MiB: not a GPT-2 config.json");
            bytes = Files.readAllBytes(configJson);
        } catch (IOException e) {
            throw new UserError("cannot read " + configJson + ": " + AtomicWrite.reason(e));
        }
        Path folder = configJson.toAbsolutePath().getParent();
        String name = folder == null || folder.getFileName() == null ? "model" : folder.getFileName().toString();
        return parse(configJson.toString(), bytes, name);
    }

    /** Parses config.json's bytes; {@code file} names it in messages and {@code name} labels the model. */
    public static Parsed parse(String file, byte[] bytes, String name) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new UserError(file + " is not UTF-8 text");
        }
        Map<String, Object> m;
        try {
            m = Json.parseObject(text);
        } catch (Json.JsonException e) {
            throw new UserError(file + " is not valid JSON: " + e.getMessage());
        }
        ConfigKeys k = new ConfigKeys(file, m);
        String type = k.string("model_type", null);
        if (type != null && !type.equals("gpt2"))
            throw new UserError(file + ": model_type '" + type + "' is not a GPT-2 family model (model_type gpt2)");
        int nEmbd = k.integer("n_embd", "hidden_size", 768);
        Long inner = k.optionalInteger("n_inner");
        if (inner != null && inner != 4L * nEmbd)
            throw new UserError(file + ": n_inner " + inner + " differs from 4 x n_embd (" + 4L * nEmbd
                    + "); fpga-llm runs GPT-2's MLP width only (n_inner null or 4 x n_embd)");
        k.integer("n_ctx", null, 1024); // legacy, unused by Hugging Face's GPT-2: only its type is checked
        k.requireFlag("scale_attn_weights", true, "attention scores scaled by 1/sqrt(head_dim)");
        k.requireFlag("scale_attn_by_inverse_layer_idx", false, "no per-layer 1/(layer + 1) attention scaling");
        k.requireFlag("add_cross_attention", false, "no cross-attention");
        k.flag("reorder_and_upcast_attn", false); // numerics of fp16 training only: same function
        boolean tied = k.flag("tie_word_embeddings", true);
        int nLayer = k.integer("n_layer", "num_hidden_layers", 12);
        int nHead = k.integer("n_head", "num_attention_heads", 12);
        int nPositions = k.integer("n_positions", "max_position_embeddings", 1024);
        int vocab = k.integer("vocab_size", null, GPT2_VOCAB);
        double epsilon = k.number("layer_norm_epsilon", 1e-5);
        String activation = k.string("activation_function", "gelu_new");
        try {
            return new Parsed(new Gpt2Config(name, nLayer, nEmbd, nHead, nPositions, vocab, epsilon, activation), tied);
        } catch (UserError e) {
            throw new UserError(file + ": " + e.getMessage());
        }
    }

    /** The config.json a Hugging Face GPT2LMHeadModel folder carries. */
    public String toJson() {
        return toJson(true);
    }

    /** The config.json of a GPT2LMHeadModel folder whose LM head is tied to wte or not. */
    public String toJson(boolean tiedHead) {
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
        m.put("tie_word_embeddings", tiedHead);
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
