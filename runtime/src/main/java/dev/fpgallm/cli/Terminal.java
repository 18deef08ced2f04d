package dev.fpgallm.cli;

import java.io.FileDescriptor;
import java.io.FileNotFoundException;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether stderr is a terminal, so that progress may redraw its line in place. The launcher knows best: it filters
 * the JVM's stderr through a pipe (to drop the incubator warning), so when its own stderr is a terminal it hands the
 * JVM that terminal as a file ({@value #TTY_PROPERTY}, /dev/fd/N), and fpga-llm writes its stderr there, unfiltered and
 * unbuffered. Without the launcher, Linux tells through /proc/self/fd/2. CI (the CI variable set) is never a terminal.
 */
final class Terminal {
    static final String TTY_PROPERTY = "fpga.llm.stderr.tty";

    private Terminal() {
    }

    /** Where stderr goes and whether it is a terminal. */
    record Stderr(OutputStream stream, boolean terminal) {
    }

    static Stderr stderr() {
        OutputStream plain = new FileOutputStream(FileDescriptor.err);
        if (System.getenv("CI") != null) return new Stderr(plain, false);
        String tty = System.getProperty(TTY_PROPERTY);
        if (tty != null && !tty.isBlank()) {
            try {
                return new Stderr(new FileOutputStream(tty, true), true);
            } catch (FileNotFoundException | SecurityException e) {
                return new Stderr(plain, false);
            }
        }
        return new Stderr(plain, isTerminal(Path.of("/proc/self/fd/2")));
    }

    /** A file descriptor's link names a terminal device (/dev/pts/N, /dev/ttyN). */
    static boolean isTerminal(Path fdLink) {
        try {
            String target = Files.readSymbolicLink(fdLink).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }
}
