package dev.fpgallm.tokenizer;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Turns generated token ids into text as they arrive. A GPT-2 token can end in the middle of a UTF-8 character
 * (emoji, CJK); the incomplete bytes are held back until the next token completes them.
 */
public final class TextStream {
    private final Gpt2Tokenizer tokenizer;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
    private ByteBuffer pending = ByteBuffer.allocate(64);

    public TextStream(Gpt2Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** The text that became complete with this token (possibly empty). */
    public String push(int id) {
        byte[] bytes = tokenizer.decodeBytes(id);
        if (pending.remaining() < bytes.length) {
            ByteBuffer bigger = ByteBuffer.allocate(pending.capacity() + 2 * bytes.length);
            pending.flip();
            bigger.put(pending);
            pending = bigger;
        }
        pending.put(bytes);
        pending.flip();
        CharBuffer out = CharBuffer.allocate(pending.remaining() + 1);
        decoder.decode(pending, out, false);
        pending.compact();
        out.flip();
        return out.toString();
    }

    /** Whatever is still held back, with an incomplete character replaced by U+FFFD. */
    public String finish() {
        pending.flip();
        CharBuffer out = CharBuffer.allocate(pending.remaining() + 2);
        decoder.decode(pending, out, true);
        decoder.flush(out);
        pending.clear();
        decoder.reset();
        out.flip();
        return out.toString();
    }
}
