package dev.fpgallm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.fpgallm.UserError;
import java.nio.charset.StandardCharsets;

/**
 * GPT-2's tokenizer on arbitrary text (the input as UTF-8: a first line parsed as a CLI id list, the rest encoded): every id is in the vocabulary, decoding gives the text back (byte-level BPE is
 * lossless for any text UTF-8 can carry), streaming token by token gives the same text, and the CLI's id lists are
 * parsed or refused with a UserError.
 */
class TokenizerFuzzTest {
    private static final Gpt2Tokenizer TOKENIZER = Gpt2Tokenizer.gpt2();

    @FuzzTest(maxDuration = "30s")
    void roundTrip(byte[] bytes) {
        String input = new String(bytes, StandardCharsets.UTF_8);
        int nl = input.indexOf('\n');
        String ids = nl < 0 ? input : input.substring(0, nl);
        try {
            for (int id : Gpt2Tokenizer.parseIds(ids)) assertTrue(id >= 0 && id < Gpt2Tokenizer.VOCAB_SIZE, ids);
        } catch (UserError refused) {
            // a bad id list is one clear error
        }
        String text = nl < 0 ? "" : input.substring(nl + 1);
        int[] encoded = TOKENIZER.encode(text);
        for (int id : encoded) assertTrue(id >= 0 && id < Gpt2Tokenizer.VOCAB_SIZE, "id " + id);
        String utf8 = new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8); // lone surrogates: '?'
        assertEquals(utf8, TOKENIZER.decode(encoded));
        TextStream stream = new TextStream(TOKENIZER);
        StringBuilder streamed = new StringBuilder();
        for (int id : encoded) streamed.append(stream.push(id));
        streamed.append(stream.finish());
        assertEquals(utf8, streamed.toString());
    }
}
