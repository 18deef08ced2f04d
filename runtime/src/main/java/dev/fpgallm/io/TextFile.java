package dev.fpgallm.io;

import dev.fpgallm.UserError;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** A UTF-8 text file the user names (a prompt, a corpus), checked before anything slow: one line for each problem. */
public final class TextFile {
    /** Larger files are refused: prompts and corpora are read and tokenized whole. */
    public static final long MAX_BYTES = 64L << 20;

    private TextFile() {
    }

    /** Checks that {@code file} exists, is a regular file and is at most {@link #MAX_BYTES}; {@code option} names it. */
    public static void check(Path file, String option) {
        if (!Files.exists(file)) throw new UserError("cannot read " + option + " " + file + ": no such file");
        if (!Files.isRegularFile(file)) throw new UserError("cannot read " + option + " " + file + ": not a regular file");
        try {
            if (Files.size(file) > MAX_BYTES)
                throw new UserError(option + " " + file + " is larger than 64 MiB: give an excerpt");
        } catch (IOException e) {
            throw new UserError("cannot read " + option + " " + file + ": " + AtomicWrite.reason(e));
        }
    }

    /** The file's text, strictly UTF-8. */
    public static String read(Path file, String option) {
        check(file, option);
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (CharacterCodingException e) {
            throw new UserError(option + " " + file + " is not UTF-8 text");
        } catch (IOException e) {
            throw new UserError("cannot read " + option + " " + file + ": " + AtomicWrite.reason(e));
        }
    }
}
