package dev.fpgallm.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fpgallm.BuildInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QualityCacheTest {
    static final BuildInfo CLEAN = new BuildInfo("1.0", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false);
    static final QualityCache.Key KEY = new QualityCache.Key("0123456789abcdef", "tiny", "emu", "w8a16+fp16:0,1", "approx", 2, 256, 0);

    @Test
    void aFigureIsReadBackForTheSameModelConfigurationAndBuild(@TempDir Path dir) {
        List<String> notices = new ArrayList<>();
        QualityCache cache = new QualityCache(dir, CLEAN);
        assertTrue(cache.read(KEY, notices::add).isEmpty(), "nothing cached yet");
        cache.write(KEY, 0.315, notices::add);
        assertEquals(OptionalDouble.of(0.315), cache.read(KEY, notices::add));
        assertEquals(List.of(), notices);
        QualityCache.Key otherSoftmax = new QualityCache.Key("0123456789abcdef", "tiny", "emu", "w8a16+fp16:0,1", "exact", 2, 256, 0);
        assertTrue(cache.read(otherSoftmax, notices::add).isEmpty(), "another configuration is another figure");
    }

    @Test
    void anotherBuildOrAMismatchedOrBrokenFileIsNotUsed(@TempDir Path dir) throws Exception {
        List<String> notices = new ArrayList<>();
        new QualityCache(dir, CLEAN).write(KEY, 1.5, notices::add);
        QualityCache newer = new QualityCache(dir, new BuildInfo("1.0", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", false));
        assertTrue(newer.read(KEY, notices::add).isEmpty(), "code changed: measured again");
        assertTrue(notices.getLast().contains("fpga_llm_commit"), notices.toString());

        QualityCache cache = new QualityCache(dir, CLEAN);
        Path file = cache.file(KEY);
        Files.writeString(file, Files.readString(file).replace("\"corpus_window\": 256", "\"corpus_window\": 128"));
        assertTrue(cache.read(KEY, notices::add).isEmpty(), "validated when read, not trusted by its name");
        assertTrue(notices.getLast().contains("corpus_window"), notices.toString());
        Files.writeString(file, "{\"quality_drop");
        assertTrue(cache.read(KEY, notices::add).isEmpty());
        assertTrue(notices.getLast().startsWith("note: ignoring quality cache"), notices.toString());
    }

    @Test
    void aBuildWithUncommittedChangesDoesNotUseTheCache(@TempDir Path dir) throws Exception {
        QualityCache dirty = new QualityCache(dir, new BuildInfo("1.0", CLEAN.commit(), true));
        assertTrue(dirty.unavailable().orElseThrow().contains("uncommitted"));
        dirty.write(KEY, 1.0, s -> { });
        assertFalse(Files.exists(dirty.file(KEY)));
        assertTrue(new QualityCache(dir, new BuildInfo("1.0", BuildInfo.UNKNOWN, false)).unavailable().isPresent());
    }
}
