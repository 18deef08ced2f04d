package dev.fpgallm.io;

import dev.fpgallm.UserError;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes a file beside its target ({@link Temporaries}) and renames it into place: a reader never sees half a file,
 * a failure (full disk, no permission) leaves nothing behind, and the target is only ever a regular file: a symbolic
 * link to one is written through, anything else is refused ({@link OutputPath}).
 */
public final class AtomicWrite {
    private AtomicWrite() {
    }

    /** What goes into the file. */
    @FunctionalInterface
    public interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Replaces {@code file} with {@code bytes}; a failure is one clear error and leaves nothing behind. */
    public static void replace(Path file, byte[] bytes) {
        write(file, out -> out.write(bytes));
    }

    /** Replaces {@code file} with what {@code body} writes; a failure is one clear error and leaves nothing behind. */
    public static void write(Path file, Body body) {
        Path target = OutputPath.resolve(file, "output");
        Temporaries.cleanStale(target);
        Path tmp = Temporaries.beside(target);
        try {
            try (FileChannel ch = create(tmp)) {
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
                body.writeTo(out);
                out.flush();
                ch.force(true); // on disk before the rename, so that a power cut cannot leave an empty file behind
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UserError("cannot write " + file + ": " + reason(e));
        } finally {
            Temporaries.deleteTree(tmp);
        }
    }

    /** A new file (never through an existing name, which could be a planted link); a leftover of this pid is replaced. */
    private static FileChannel create(Path tmp) throws IOException {
        try {
            return FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException e) {
            Temporaries.deleteTree(tmp);
            return FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        }
    }

    /** An I/O error in a few words: "No space left on device", "permission denied", ... */
    public static String reason(IOException e) {
        if (e instanceof AccessDeniedException) return "permission denied";
        if (e instanceof NoSuchFileException) return "no such file or folder";
        if (e instanceof FileSystemException f && f.getReason() != null) return f.getReason();
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
