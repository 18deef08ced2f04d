package dev.fpgallm.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void parsesAndWritesBack() {
        String text = "{\"a\":1,\"b\":[1.5,true,null,\"x\\n\\u00e9\"],\"c\":{}}";
        Map<String, Object> m = Json.parseObject(text);
        assertEquals(1L, m.get("a"));
        assertEquals(List.of(1.5, true, "x\né"), ((List<?>) m.get("b")).stream().filter(v -> v != null).toList());
        assertEquals(m, Json.parseObject(Json.write(m)));
        assertEquals(m, Json.parseObject(Json.writePretty(m)));
    }

    @Test
    void rejectsMalformed() {
        for (String bad : new String[] {"{", "{\"a\":}", "[1,]", "{\"a\":1}x", "{\"a\":1,\"a\":2}", "\"\\q\"", "nul"})
            assertThrows(Json.JsonException.class, () -> Json.parse(bad), bad);
    }
}
