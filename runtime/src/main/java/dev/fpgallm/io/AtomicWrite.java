package dev.fpgallm.io;

import dev.fpgallm.UserError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Writes a file beside its target and renames it into place: a reader never sees half a file. */
public final class AtomicWrite {
    private AtomicWrite() {
    }

    /** Replaces {@code file} with {@code bytes}; a failure is one clear error and leaves nothing behind. */
    public static void replace(Path file, byte[] bytes) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        try {
            Files.write(tmp, bytes);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort
            }
            throw new UserError("cannot write " + file + ": " + e.getMessage());
        }
    }
}
