package dev.fpgallm.tokenizer;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import dev.fpgallm.UserError;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * GPT-2's byte-level BPE. jtokkit's {@code r50k_base} is the same vocabulary and merges as GPT-2's
 * vocab.json/merges.txt. {@code <|endoftext|>} anywhere in a prompt becomes id 50256 (the text between is encoded
 * as ordinary text, so no other special handling can be injected).
 */
public final class Gpt2Tokenizer {
    public static final int VOCAB_SIZE = 50257;
    public static final int END_OF_TEXT = 50256;
    public static final String END_OF_TEXT_TEXT = "<|endoftext|>";

    private static final Gpt2Tokenizer INSTANCE = new Gpt2Tokenizer();

    private final Encoding encoding;

    private Gpt2Tokenizer() {
        encoding = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
    }

    public static Gpt2Tokenizer gpt2() {
        return INSTANCE;
    }

    public int[] encode(String text) {
        IntArrayList out = new IntArrayList();
        int from = 0;
        while (true) {
            int at = text.indexOf(END_OF_TEXT_TEXT, from);
            String part = at < 0 ? text.substring(from) : text.substring(from, at);
            if (!part.isEmpty()) {
                IntArrayList ids = encoding.encodeOrdinary(part);
                for (int i = 0; i < ids.size(); i++) out.add(ids.get(i));
            }
            if (at < 0) break;
            out.add(END_OF_TEXT);
            from = at + END_OF_TEXT_TEXT.length();
        }
        return out.toArray();
    }

    /** The UTF-8 bytes the ids stand for; a single id may be part of a multi-byte character. */
    public byte[] decodeBytes(int... ids) {
        IntArrayList list = new IntArrayList(ids.length);
        for (int id : ids) {
            if (id < 0 || id >= VOCAB_SIZE)
                throw new UserError("token id " + id + " is outside GPT-2's vocabulary 0.." + (VOCAB_SIZE - 1));
            list.add(id);
        }
        return encoding.decodeBytes(list);
    }

    /** Decodes ids to text; invalid UTF-8 (a split character at the end) becomes U+FFFD. */
    public String decode(int... ids) {
        return new String(decodeBytes(ids), StandardCharsets.UTF_8);
    }

    /** Parses "1,2,3" (spaces allowed) into ids, each checked against the vocabulary. */
    public static int[] parseIds(String csv) {
        String s = csv.strip();
        if (s.isEmpty()) throw new UserError("no token ids given");
        try {
            int[] ids = Arrays.stream(s.split(",")).map(String::strip).mapToInt(Integer::parseInt).toArray();
            for (int id : ids)
                if (id < 0 || id >= VOCAB_SIZE)
                    throw new UserError("token id " + id + " is outside GPT-2's vocabulary 0.." + (VOCAB_SIZE - 1));
            return ids;
        } catch (NumberFormatException e) {
            throw new UserError("token ids must be integers separated by commas, got '" + csv + "'");
        }
    }
}
