package dev.fpgallm.io;

import dev.fpgallm.UserError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * An output file (any {@code --out}): checked before any work, so that a bad path costs one line and nothing else.
 * fpga-llm writes only regular files: an existing target must be one (or a symbolic link to one, which is then
 * written through, keeping the link), never a folder, device, pipe or socket; the folder it goes in must exist.
 */
public final class OutputPath {
    private OutputPath() {
    }

    /**
     * @param file the path the user gave
     * @param what how to name it in messages, e.g. {@code --out}
     * @return the file to write: {@code file} itself, or the regular file its symbolic link points to
     */
    public static Path check(Path file, String what) {
        Path target = resolve(file, what);
        Path parent = target.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent))
            throw new UserError("no folder " + (parent == null ? file : parent) + " for " + what + " " + file
                    + " (create it first)");
        if (!Files.isWritable(parent))
            throw new UserError(what + " " + file + ": cannot write in folder " + parent + " (permission denied)");
        return target;
    }

    /** The regular file to write for {@code file}, following a symbolic link; refuses every other kind of file. */
    static Path resolve(Path file, String what) {
        if (file.getFileName() == null) throw new UserError(what + " " + file + " is not a file name");
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) return file;
        Path target = file;
        if (Files.isSymbolicLink(file)) {
            try {
                target = file.toRealPath();
            } catch (IOException e) {
                throw new UserError(what + " " + file + " is a symbolic link to nothing; remove it or give another name");
            }
        }
        String via = target.equals(file) ? "" : " (a link to " + target + ")";
        if (Files.isDirectory(target))
            throw new UserError(what + " " + file + via + " is a folder; give a file name");
        if (!Files.isRegularFile(target))
            throw new UserError(what + " " + file + via + " is not a regular file (a device, pipe or socket); "
                    + "fpga-llm writes only regular files");
        if (!Files.isWritable(target)) throw new UserError(what + " " + file + via + " is read-only");
        return target;
    }
}
