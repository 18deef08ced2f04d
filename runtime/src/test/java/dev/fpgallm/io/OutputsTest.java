package dev.fpgallm.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.fpgallm.UserError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every --out: regular file or absent, written atomically, never through a non-regular file, nothing left behind. */
class OutputsTest {
    @TempDir
    Path dir;

    private String refused(Path p) {
        return assertThrows(UserError.class, () -> OutputPath.check(p, "--out")).getMessage();
    }

    @Test
    void refusesFoldersDevicesDanglingLinksAndMissingParents() throws IOException {
        assertTrue(refused(dir).contains("is a folder"), refused(dir));
        assumeTrue(Files.exists(Path.of("/dev/null")));
        assertTrue(refused(Path.of("/dev/null")).contains("not a regular file"));
        Path toNull = Files.createSymbolicLink(dir.resolve("null.csv"), Path.of("/dev/null"));
        assertTrue(refused(toNull).contains("a link to /dev/null"), refused(toNull));
        Path dangling = Files.createSymbolicLink(dir.resolve("dangling.csv"), dir.resolve("nothing"));
        assertTrue(refused(dangling).contains("symbolic link to nothing"));
        assertTrue(refused(dir.resolve("no/such/x.csv")).contains("no folder " + dir.resolve("no/such")));
        assertTrue(refused(Path.of("/")).contains("not a file name"));
        // and the writer itself refuses the same, whoever calls it
        assertThrows(UserError.class, () -> AtomicWrite.replace(toNull, new byte[] {1}));
        assertTrue(Files.isSymbolicLink(toNull) && !Files.isRegularFile(Path.of("/dev/null")), "/dev/null untouched");
    }

    @Test
    void writesThroughALinkToARegularFileKeepingTheLink() throws IOException {
        Path real = Files.writeString(dir.resolve("real.csv"), "old");
        Path link = Files.createSymbolicLink(dir.resolve("link.csv"), real);
        assertEquals(real.toRealPath(), OutputPath.check(link, "--out"));
        AtomicWrite.replace(link, "new".getBytes());
        assertTrue(Files.isSymbolicLink(link));
        assertEquals("new", Files.readString(real));
        assertEquals(2, count(dir), "no temporary left");
    }

    @Test
    void aFailedWriteLeavesNothingAndSaysWhy() throws IOException {
        Path out = dir.resolve("x.csv");
        UserError e = assertThrows(UserError.class, () -> AtomicWrite.write(out, o -> {
            o.write(new byte[100_000]);
            throw new IOException("No space left on device");
        }));
        assertEquals("cannot write " + out + ": No space left on device", e.getMessage());
        assertEquals(0, count(dir), "neither the file nor its temporary");
        Files.writeString(out, "kept");
        assertThrows(UserError.class, () -> AtomicWrite.write(out, o -> {
            throw new IOException("boom");
        }));
        assertEquals("kept", Files.readString(out), "a failed write leaves the old file as it was");
    }

    @Test
    void refusesAReadOnlyFileAndAnUnwritableFolder() throws IOException {
        Path ro = Files.writeString(dir.resolve("ro.csv"), "x");
        assumeTrue(ro.toFile().setWritable(false) && !Files.isWritable(ro), "root writes anything");
        assertTrue(refused(ro).contains("read-only"));
        Path locked = Files.createDirectories(dir.resolve("locked"));
        assumeTrue(locked.toFile().setWritable(false));
        assertTrue(refused(locked.resolve("x.csv")).contains("permission denied"));
        locked.toFile().setWritable(true);
    }

    @Test
    void staleTemporariesOfDeadOrOldOwnersAreCleanedOthersKept() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        long dead = p.pid();
        Path out = dir.resolve("r.csv");
        Path fromDead = Files.writeString(dir.resolve("r.csv.tmp-" + dead), "half");
        Path deadFolder = Files.createDirectories(dir.resolve("r.csv.tmp-" + (dead + 1_000_000))); // no such pid
        Files.writeString(deadFolder.resolve("inner"), "x");
        long alive = ProcessHandle.current().parent().orElseThrow().pid();
        Path fromLive = Files.writeString(dir.resolve("r.csv.tmp-" + alive), "in progress");
        Path oldLive = Files.writeString(dir.resolve("other.csv.tmp-" + alive), "a reused pid");
        Files.setLastModifiedTime(oldLive, FileTime.from(Instant.now().minus(2, ChronoUnit.DAYS)));
        Path notOurs = Files.writeString(dir.resolve("r.csv.tmp-notapid"), "someone else's");

        AtomicWrite.replace(out, "ok".getBytes());
        assertArrayEquals("ok".getBytes(), Files.readAllBytes(out));
        assertFalse(Files.exists(fromDead) || Files.exists(deadFolder), "temporaries of a gone process removed");
        assertTrue(Files.exists(fromLive), "a live process's temporary is kept");
        assertTrue(Files.exists(oldLive), "only the target's own temporaries are touched");
        assertTrue(Files.exists(notOurs), "names not of the form <name>.tmp-<pid> are never removed");
        Temporaries.cleanStaleIn(dir);
        assertFalse(Files.exists(oldLive), "in fpga-llm's own folders, a day-old temporary goes even if its pid lives");
        assertTrue(Files.exists(fromLive));
    }

    private static long count(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }
}
