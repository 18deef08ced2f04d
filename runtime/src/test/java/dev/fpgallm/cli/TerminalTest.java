package dev.fpgallm.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TerminalTest {
    /** A file descriptor is a terminal when its /proc link names a terminal device; pipes and files are not. */
    @Test
    void aDescriptorIsATerminalWhenItNamesATerminalDevice(@TempDir Path dir) throws Exception {
        assertTrue(Terminal.isTerminal(Files.createSymbolicLink(dir.resolve("pts"), Path.of("/dev/pts/3"))));
        assertTrue(Terminal.isTerminal(Files.createSymbolicLink(dir.resolve("tty"), Path.of("/dev/tty1"))));
        assertFalse(Terminal.isTerminal(Files.createSymbolicLink(dir.resolve("pipe"), Path.of("pipe:[12345]"))));
        assertFalse(Terminal.isTerminal(Files.createSymbolicLink(dir.resolve("file"), dir.resolve("err.log"))));
        assertFalse(Terminal.isTerminal(dir.resolve("not-a-link")));
    }
}
