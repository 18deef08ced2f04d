package dev.fpgallm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.fpgallm.UserError;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class Gpt2TokenizerTest {
    private final Gpt2Tokenizer tok = Gpt2Tokenizer.gpt2();

    @Test
    void knownIds() {
        assertArrayEquals(new int[] {15496, 995}, tok.encode("Hello world"));
        assertArrayEquals(new int[] {15496, 11, 616, 1438, 318}, tok.encode("Hello, my name is"));
    }

    @Test
    void endOfTextIsOneSpecialTokenAnywhere() {
        int[] ids = tok.encode("a<|endoftext|>b<|endoftext|>");
        assertEquals(4, ids.length);
        assertEquals(50256, ids[1]);
        assertEquals(50256, ids[3]);
        assertEquals("a<|endoftext|>b<|endoftext|>", tok.decode(ids));
    }

    @ParameterizedTest
    @ValueSource(strings = {"naïve café, Zürich — 東京 и Москва", "emoji 👩‍💻🚀 and 🇰🇷", "  spaces\t\ttabs\n\n\nnewlines   ",
            "for (int i = 0; i < n; i++) { x[i] += 1; } // code", "", "\u0000\u0001 control"})
    void roundTrips(String text) {
        assertEquals(text, tok.decode(tok.encode(text)));
    }

    @Test
    void streamingHoldsBackSplitCharacters() {
        String text = "ok 🚀 東京";
        int[] ids = tok.encode(text);
        TextStream stream = new TextStream(tok);
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            String piece = stream.push(id);
            assertEquals(-1, piece.indexOf('\uFFFD'), "a partial character leaked out: " + piece);
            sb.append(piece);
        }
        sb.append(stream.finish());
        assertEquals(text, sb.toString());
        assertEquals(true, ids.length > text.codePointCount(0, text.length()) - 3, "emoji/CJK should span several tokens");
    }

    @Test
    void idsAreParsedAndChecked() {
        assertArrayEquals(new int[] {1, 2, 50256}, Gpt2Tokenizer.parseIds(" 1, 2,50256 "));
        assertThrows(UserError.class, () -> Gpt2Tokenizer.parseIds("1,x"));
        assertThrows(UserError.class, () -> Gpt2Tokenizer.parseIds("50257"));
        assertThrows(UserError.class, () -> tok.decode(-1));
    }
}
