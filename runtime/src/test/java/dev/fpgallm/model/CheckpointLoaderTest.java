package dev.fpgallm.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fpgallm.UserError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointLoaderTest {
    @TempDir
    Path dir;

    @Test
    void syntheticRoundTripIsExactAndDeterministic() throws IOException {
        Gpt2Weights w = SyntheticCheckpoint.generate(Gpt2Config.tiny(), 7);
        SyntheticCheckpoint.write(Gpt2Config.tiny(), 7, dir.resolve("a"));
        Gpt2Weights back = CheckpointLoader.load(dir.resolve("a"));
        assertEquals(2, back.config().nLayer());
        assertArrayEquals(w.wte(), back.wte());
        assertArrayEquals(w.lmHead(), back.lmHead());
        assertArrayEquals(w.blocks().get(1).attnQkv().weight(), back.blocks().get(1).attnQkv().weight());
        assertArrayEquals(w.blocks().get(0).mlpProj().bias(), back.blocks().get(0).mlpProj().bias());
        assertArrayEquals(w.lnF().gamma(), back.lnF().gamma());
        assertFalse(back.tiedLmHead());
        // same seed, same bytes; another seed, other weights
        SyntheticCheckpoint.write(Gpt2Config.tiny(), 7, dir.resolve("b"));
        assertArrayEquals(Files.readAllBytes(dir.resolve("a/model.safetensors")), Files.readAllBytes(dir.resolve("b/model.safetensors")));
        assertFalse(java.util.Arrays.equals(w.wte(), SyntheticCheckpoint.generate(Gpt2Config.tiny(), 8).wte()));
    }

    @Test
    void conv1DIsTransposedAndQkvSplitAlongOut() {
        // Conv1D [in=2][out=3]: row i holds the weights from input i to each output.
        float[] conv = {1, 2, 3, 4, 5, 6};
        Linear l = Linear.fromConv1D(2, 3, conv, new float[3]);
        assertEquals(1, l.weight(0, 0));
        assertEquals(4, l.weight(0, 1));
        assertEquals(3, l.weight(2, 0));
        assertEquals(6, l.weight(2, 1));
        assertArrayEquals(conv, l.toConv1D());
    }

    @Test
    void namesWithoutPrefixAndTiedHead() throws IOException {
        Gpt2Weights w = SyntheticCheckpoint.generate(Gpt2Config.tiny(), 3);
        // Rewrite as GPT2Model names (no "transformer." prefix) with no lm_head, plus the mask buffers HF stores.
        Path folder = dir.resolve("plain");
        Files.createDirectories(folder);
        SafetensorsWriter out = new SafetensorsWriter();
        try (SafetensorsFile f = syntheticFile(w)) {
            for (var t : f.tensors().values()) {
                if (t.name().equals("lm_head.weight")) continue;
                out.put(t.name().replace("transformer.", ""), f.floats(t.name(), t.shape()), t.shape());
            }
        }
        out.put("h.0.attn.bias", new float[4], 1, 1, 2, 2).put("h.0.attn.masked_bias", new float[1], 1);
        out.write(folder.resolve("model.safetensors"));
        Files.writeString(folder.resolve("config.json"), Gpt2Config.tiny().toJson());
        Gpt2Weights back = CheckpointLoader.load(folder);
        assertTrue(back.tiedLmHead());
        assertSame(back.wte(), back.lmHead());
        assertArrayEquals(w.wpe(), back.wpe());
    }

    private SafetensorsFile syntheticFile(Gpt2Weights w) throws IOException {
        Path f = dir.resolve("src");
        CheckpointLoader.save(w, f, null);
        return SafetensorsFile.open(f.resolve("model.safetensors"));
    }

    @Test
    void configValidation() throws IOException {
        Path folder = dir.resolve("cfg");
        Files.createDirectories(folder);
        Files.writeString(folder.resolve("config.json"), "{\"model_type\":\"llama\"}");
        assertTrue(assertThrows(UserError.class, () -> Gpt2Config.read(folder.resolve("config.json"))).getMessage().contains("llama"));
        Files.writeString(folder.resolve("config.json"), "{\"n_embd\":100,\"n_head\":12}");
        assertThrows(UserError.class, () -> Gpt2Config.read(folder.resolve("config.json")));
        Files.writeString(folder.resolve("config.json"), "{\"activation_function\":\"relu\"}");
        assertThrows(UserError.class, () -> Gpt2Config.read(folder.resolve("config.json")));
        Files.writeString(folder.resolve("config.json"), "{\"n_layer\":6,\"n_embd\":768,\"n_head\":12}");
        Gpt2Config c = Gpt2Config.read(folder.resolve("config.json"));
        assertEquals(Gpt2Config.distilgpt2().nLayer(), c.nLayer());
        assertEquals(64, c.headDim());
    }

    @Test
    void missingFilesAreNamed() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertTrue(assertThrows(ModelFormatException.class, () -> CheckpointLoader.load(empty)).getMessage().contains("config.json"));
        Files.writeString(empty.resolve("config.json"), "{}");
        assertTrue(assertThrows(ModelFormatException.class, () -> CheckpointLoader.load(empty)).getMessage().contains("model.safetensors"));
    }

    @Test
    void parameterCountsMatchHuggingFace() {
        assertEquals(81_912_576L, Gpt2Config.distilgpt2().parameterCount());
        assertEquals(124_439_808L, Gpt2Config.gpt2().parameterCount());
    }
}
