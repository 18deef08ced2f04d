package dev.fpgallm.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;

/**
 * Keeps the figures tests publish with JUnit's TestReporter (agreement, errors, counts; tests never print) in
 * target/test-figures/CLASS.txt, one line per entry, rewritten whenever the class runs again: where documents cite
 * a test's figure, that file is where it is read after {@code ./mvnw verify}. Shared with the modules above through
 * ffi-bindings' test jar; each module registers it in its test resources (META-INF/services).
 */
public final class TestFigures implements TestExecutionListener {
    private static final Path DIR = Path.of("target", "test-figures");
    private final Set<String> started = ConcurrentHashMap.newKeySet();

    @Override
    public void reportingEntryPublished(TestIdentifier test, ReportEntry entry) {
        String cls = "unknown", method = test.getLegacyReportingName();
        if (test.getSource().orElse(null) instanceof MethodSource m) {
            cls = m.getJavaClass().getSimpleName();
            method = m.getMethodName();
        } else if (test.getSource().orElse(null) instanceof ClassSource c) {
            cls = c.getJavaClass().getSimpleName();
            method = "all"; // @BeforeAll / @AfterAll
        }
        StringBuilder line = new StringBuilder(method);
        entry.getKeyValuePairs().forEach((k, v) -> line.append(k.equals("value") ? ": " : " " + k + "=").append(v));
        Path file = DIR.resolve(cls + ".txt");
        try {
            Files.createDirectories(DIR);
            StandardOpenOption mode = started.add(cls) ? StandardOpenOption.TRUNCATE_EXISTING : StandardOpenOption.APPEND;
            Files.writeString(file, line.append('\n'), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, mode);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
