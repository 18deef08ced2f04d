package dev.fpgallm.io;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Temporary files and folders are written beside their final name as {@code <name>.tmp-<pid>}, then renamed into
 * place. A run killed on the way (kill -9, power cut) leaves such a temporary behind; the next run that writes the
 * same name removes it once it is stale: its owner process is gone, or it has not changed for a day (a reused pid).
 * Only names of exactly that form are ever removed.
 */
public final class Temporaries {
    /** A temporary untouched for this long is stale even if a process with its pid exists (pids are reused). */
    static final Duration MAX_AGE = Duration.ofHours(24);
    private static final Pattern NAME = Pattern.compile("(.+)\\.tmp-(\\d{1,18})");

    private Temporaries() {
    }

    /** This process's temporary name for {@code target}. */
    public static Path beside(Path target) {
        return target.resolveSibling(target.getFileName() + ".tmp-" + ProcessHandle.current().pid());
    }

    /** Removes stale temporaries of {@code target} (its siblings named {@code <name>.tmp-<pid>}). */
    public static void cleanStale(Path target) {
        Path dir = target.toAbsolutePath().getParent();
        if (dir == null || target.getFileName() == null) return;
        clean(dir, target.getFileName().toString());
    }

    /** Removes every stale temporary in {@code dir}: for fpga-llm's own cache folders, where every name is ours. */
    public static void cleanStaleIn(Path dir) {
        clean(dir, null);
    }

    private static void clean(Path dir, String only) {
        if (!Files.isDirectory(dir)) return;
        String glob = only == null ? "*.tmp-*" : escapeGlob(only) + ".tmp-*";
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, glob)) {
            for (Path p : s) {
                Matcher m = NAME.matcher(p.getFileName().toString());
                if (!m.matches() || (only != null && !m.group(1).equals(only))) continue;
                if (isStale(p, Long.parseLong(m.group(2)))) deleteTree(p);
            }
        } catch (IOException | RuntimeException ignored) {
            // best effort: a temporary that stays is harmless, and the next run tries again
        }
    }

    static boolean isStale(Path p, long pid) {
        if (pid == ProcessHandle.current().pid()) return false;
        if (ProcessHandle.of(pid).isEmpty()) return true;
        return newestChange(p).isBefore(Instant.now().minus(MAX_AGE));
    }

    /** The latest modification time of a file, or of a folder and everything in it. */
    private static Instant newestChange(Path p) {
        try (Stream<Path> s = Files.walk(p)) {
            return s.map(Temporaries::modified).max(Comparator.naturalOrder()).orElse(Instant.now());
        } catch (IOException | RuntimeException e) {
            return Instant.now();
        }
    }

    private static Instant modified(Path p) {
        try {
            FileTime t = Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS);
            return t.toInstant();
        } catch (IOException e) {
            return Instant.now();
        }
    }

    /** Deletes a file or a folder tree without following symbolic links; best effort. */
    public static void deleteTree(Path p) {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException | RuntimeException ignored) {
            // best effort
        }
    }

    private static String escapeGlob(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            if ("*?[]{}\\".indexOf(c) >= 0) sb.append('\\');
            sb.append(c);
        }
        return sb.toString();
    }
}
