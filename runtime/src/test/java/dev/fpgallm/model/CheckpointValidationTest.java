package dev.fpgallm.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fpgallm.UserError;
import dev.fpgallm.json.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 14's checkpoint classes: corrupt files, wrong config types, configs that do not describe the tensors. */
class CheckpointValidationTest {
    /** Two layers, 16 wide: small enough to write for every case. */
    static final Gpt2Config MICRO = new Gpt2Config("micro", 2, 16, 1, 8, 32, 1e-5, "gelu_new");

    @TempDir
    Path dir;

    private Path micro(String name) throws IOException {
        Path folder = dir.resolve(name);
        SyntheticCheckpoint.write(MICRO, 1, folder);
        return folder;
    }

    private static String refused(Path folder) {
        UserError e = assertThrows(UserError.class, () -> CheckpointLoader.load(folder));
        return e.getMessage();
    }

    /** Rewrites config.json with {@code key} set to {@code json} (a JSON value's text; null removes the key). */
    private static void setConfig(Path folder, String key, String json) throws IOException {
        Map<String, Object> m = Json.parseObject(Files.readString(folder.resolve("config.json")));
        if (json == null) m.remove(key);
        else m.put(key, Json.parse(json));
        Files.writeString(folder.resolve("config.json"), Json.writePretty(m));
    }

    @Test
    void dataSectionMustBeExactlyTiled() throws IOException {
        Path shifted = micro("shifted");
        byte[] st = Files.readAllBytes(shifted.resolve("model.safetensors"));
        long n = ByteBuffer.wrap(st).order(ByteOrder.LITTLE_ENDIAN).getLong();
        Map<String, Object> header = Json.parseObject(new String(st, 8, (int) n, StandardCharsets.UTF_8).strip());
        for (Object t : header.values())
            if (t instanceof Map<?, ?> m && m.get("data_offsets") instanceof List<?> off) {
                @SuppressWarnings("unchecked") List<Object> o = (List<Object>) off;
                o.set(0, (Long) o.get(0) + 1);
                o.set(1, (Long) o.get(1) + 1);
            }
        byte[] h = Json.write(header).getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + h.length + 1 + st.length - 8 - (int) n).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(h.length).put(h).put((byte) 0).put(st, 8 + (int) n, st.length - 8 - (int) n);
        Files.write(shifted.resolve("model.safetensors"), out.array());
        assertTrue(refused(shifted).contains("data bytes [0, 1) before tensor"), refused(shifted));

        Path trailing = micro("trailing");
        Files.write(trailing.resolve("model.safetensors"), "garbage".getBytes(), java.nio.file.StandardOpenOption.APPEND);
        assertTrue(refused(trailing).contains("7 bytes after the last tensor"), refused(trailing));
    }

    @Test
    void everyWeightMustBeFiniteAndTheFirstBadOneIsNamed() throws IOException {
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            Path folder = micro("nonfinite" + bad);
            poke(folder, "transformer.h.1.mlp.c_fc.weight", 16 * 64 - 1, bad); // the last value: [15, 63]
            String msg = refused(folder);
            assertTrue(msg.contains("tensor 'transformer.h.1.mlp.c_fc.weight' holds " + bad + " at [15, 63]"), msg);
        }
        Path extreme = micro("extreme"); // finite, so the file itself is fine (what the backends make of it is theirs)
        poke(extreme, "transformer.wte.weight", 0, 1e38f);
        assertEquals(1e38f, CheckpointLoader.load(extreme).wte()[0]);
    }

    /** Overwrites one F32 value of a tensor in place. */
    static void poke(Path folder, String tensor, long index, float value) throws IOException {
        Path file = folder.resolve("model.safetensors");
        long at;
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            byte[] all = Files.readAllBytes(file);
            long n = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).getLong();
            at = 8 + n + f.info(tensor).begin() + 4 * index;
        }
        try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(0, value), at);
        }
    }

    @Test
    void configTypesAreStrict() throws IOException {
        Path f = micro("types");
        String[][] cases = {
                {"n_inner", "\"64\"", "n_inner must be an integer, got the string \"64\""},
                {"layer_norm_epsilon", "\"1e-5\"", "layer_norm_epsilon must be a number"},
                {"activation_function", "1", "activation_function must be a string"},
                {"n_layer", "null", "n_layer is null"},
                {"vocab_size", "null", "vocab_size is null"},
                {"n_embd", "16.0", "n_embd must be an integer"},
                {"n_layer", "0", "n_layer must be in 1..256, got 0"},
                {"tie_word_embeddings", "\"false\"", "tie_word_embeddings must be true or false"},
                {"scale_attn_weights", "false", "scale_attn_weights false is not supported"},
                {"scale_attn_by_inverse_layer_idx", "true", "scale_attn_by_inverse_layer_idx true is not supported"},
                {"add_cross_attention", "true", "add_cross_attention true is not supported"},
                {"hidden_size", "32", "n_embd 16 and its alias hidden_size 32 disagree"},
                {"n_inner", "65", "n_inner 65 differs from 4 x n_embd"},
        };
        String good = Files.readString(f.resolve("config.json"));
        for (String[] c : cases) {
            setConfig(f, c[0], c[1]);
            String msg = refused(f);
            assertTrue(msg.contains(c[2]) && msg.contains("config.json"), c[0] + " = " + c[1] + ": " + msg);
            Files.writeString(f.resolve("config.json"), good);
        }
        setConfig(f, "n_inner", "64"); // 4 x n_embd, as some exporters write it
        setConfig(f, "hidden_size", "16");
        assertEquals(16, CheckpointLoader.load(f).config().nEmbd());
    }

    @Test
    void theConfigMustDescribeTheTensors() throws IOException {
        Path f = micro("layers");
        setConfig(f, "n_layer", "1");
        assertTrue(refused(f).contains("holds blocks up to h.1 (tensor 'transformer.h.1."), refused(f));
        setConfig(f, "n_layer", "3");
        assertTrue(refused(f).contains("missing tensor 'transformer.h.2.ln_1.weight' (config.json says n_layer 3, "
                + "the file has fewer blocks)"), refused(f));
        setConfig(f, "n_layer", "2");
        setConfig(f, "vocab_size", "33");
        assertTrue(refused(f).contains("'transformer.wte.weight' has shape [32, 16], expected [33, 16]"), refused(f));
    }

    @Test
    void theLmHeadAgreesWithTieWordEmbeddings() throws IOException {
        Path f = micro("tie");
        assertEquals(false, Json.parseObject(Files.readString(f.resolve("config.json"))).get("tie_word_embeddings"),
                "a synthetic (untied) checkpoint says so");
        setConfig(f, "tie_word_embeddings", "true");
        assertTrue(refused(f).contains("lm_head.weight differs from wte, but config.json ties them"), refused(f));
        setConfig(f, "tie_word_embeddings", null); // absent: Hugging Face's default, tied
        assertTrue(refused(f).contains("differs from wte"));

        // tied, with lm_head.weight stored equal to wte (older exports): loads tied
        Gpt2Weights w = CheckpointLoader.load(micro("src"));
        Path same = dir.resolve("same");
        CheckpointLoader.save(new Gpt2Weights(w.config(), w.wte(), w.wpe(), w.blocks(), w.lnF(), w.wte().clone()), same, null);
        setConfig(same, "tie_word_embeddings", "true");
        Gpt2Weights tied = CheckpointLoader.load(same);
        assertSame(tied.wte(), tied.lmHead());

        // untied without lm_head.weight
        Path none = dir.resolve("none");
        CheckpointLoader.save(new Gpt2Weights(w.config(), w.wte(), w.wpe(), w.blocks(), w.lnF(), w.wte()), none, null);
        setConfig(none, "tie_word_embeddings", "false");
        assertTrue(refused(none).contains("tie_word_embeddings false, but there is no lm_head.weight"), refused(none));
    }

    @Test
    void unknownTensorsAreRefusedNotIgnored() throws IOException {
        Path f = micro("extra");
        SafetensorsWriter out = new SafetensorsWriter();
        try (SafetensorsFile st = SafetensorsFile.open(f.resolve("model.safetensors"))) {
            for (var t : st.tensors().values()) out.put(t.name(), st.floats(t.name(), t.shape()), t.shape());
        }
        out.put("score.weight", new float[32], 2, 16); // GPT2ForSequenceClassification's head
        out.write(f.resolve("model.safetensors"));
        assertTrue(refused(f).contains("unexpected tensor 'score.weight'"), refused(f));
    }

    @Test
    void configJsonItselfMustBeSmallUtf8Json() throws IOException {
        Path f = micro("garbled");
        Files.write(f.resolve("config.json"), new byte[] {'{', (byte) 0xFF, '}'});
        assertTrue(refused(f).contains("is not UTF-8"));
        Files.writeString(f.resolve("config.json"), "{\"n_layer\": 2, \"n_layer\": 3}");
        assertTrue(refused(f).contains("duplicate key"));
        Files.writeString(f.resolve("config.json"), " ".repeat(Gpt2Config.MAX_CONFIG_BYTES + 1));
        assertTrue(refused(f).contains("larger than 1 MiB"));
        assertTrue(Arrays.asList(Gpt2Config.PRESETS.toArray()).contains("tiny"));
    }
}
