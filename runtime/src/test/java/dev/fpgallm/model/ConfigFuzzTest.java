package dev.fpgallm.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.fpgallm.UserError;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * config.json parsing and its consistency with the tensors, on a micro GPT-2 checkpoint the fuzzer mutates: the
 * input is a config.json (its length in two little-endian bytes first) then a model.safetensors. Each is refused with a {@link UserError} (a
 * {@link ModelFormatException} for the file) or accepted; an accepted pair loads into weights whose shapes are the
 * config's, and an accepted config survives a toJson/parse round trip. Anything else is a finding.
 */
class ConfigFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void checkpoint(byte[] input) {
        if (input.length < 2) return;
        int n = Math.min(input.length - 2, (input[0] & 0xFF) | (input[1] & 0xFF) << 8);
        byte[] configJson = java.util.Arrays.copyOfRange(input, 2, 2 + n);
        byte[] weights = java.util.Arrays.copyOfRange(input, 2 + n, input.length);
        Gpt2Config.Parsed parsed;
        try {
            parsed = Gpt2Config.parse("config.json", configJson, "fuzz");
        } catch (UserError refused) {
            return;
        }
        Gpt2Config c = parsed.config();
        assertTrue(c.nEmbd() % c.nHead() == 0 && c.nLayer() >= 1 && c.vocabSize() >= 1, c.toString());
        Gpt2Config.Parsed again = Gpt2Config.parse("again", c.toJson(parsed.tieWordEmbeddings())
                .getBytes(StandardCharsets.UTF_8), "fuzz");
        assertEquals(parsed, again, "toJson/parse round trip");
        Gpt2Weights w;
        try (SafetensorsFile st = SafetensorsFile.of(Path.of("model.safetensors"), weights)) {
            w = CheckpointLoader.read(c, parsed.tieWordEmbeddings(), st);
        } catch (UserError refused) {
            return;
        }
        assertEquals((long) c.vocabSize() * c.nEmbd(), w.wte().length);
        assertEquals(c.nLayer(), w.blocks().size());
        assertEquals(parsed.tieWordEmbeddings(), w.tiedLmHead());
    }
}
