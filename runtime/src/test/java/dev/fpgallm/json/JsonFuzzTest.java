package dev.fpgallm.json;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * The JSON reader on arbitrary text (the input's bytes as UTF-8; the seeds are JSON files): a document is either refused with a {@link Json.JsonException} or parsed, and a
 * parsed value survives a write/parse round trip unchanged (compact and pretty). Anything else is a finding.
 */
class JsonFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void parse(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        Object value;
        try {
            value = Json.parse(text);
        } catch (Json.JsonException refused) {
            return;
        }
        assertEquals(value, Json.parse(Json.write(value)), "compact round trip");
        assertEquals(value, Json.parse(Json.writePretty(value)), "pretty round trip");
    }
}
