package dev.fpgallm.quant;

import dev.fpgallm.CacheHome;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.model.SyntheticCheckpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The calibration cache: keyed by everything it depends on, checked when read, recomputed (with a note) when bad. */
class CalibrationCacheTest {
    /** One layer, 16 wide (GPT-2's vocabulary: calibration feeds real token ids): each calibration is quick. */
    private static final Gpt2Weights TINY = SyntheticCheckpoint.generate(
            new Gpt2Config("cal", 1, 16, 1, 64, Gpt2Config.GPT2_VOCAB, 1e-5, "gelu_new"), 5);

    @TempDir
    Path home;
    private String previous;
    private final List<String> notices = new ArrayList<>();

    @BeforeEach
    void useTemporaryHome() {
        previous = System.getProperty(CacheHome.PROPERTY, "");
        System.setProperty(CacheHome.PROPERTY, home.toString());
    }

    @AfterEach
    void restoreHome() {
        System.setProperty(CacheHome.PROPERTY, previous);
    }

    private Path entry() throws IOException {
        try (Stream<Path> s = Files.list(home.resolve("calibration"))) {
            return s.filter(p -> p.toString().endsWith(".json")).findFirst().orElseThrow();
        }
    }

    @Test
    void poisonedEntriesAreRecomputedWithANoteNeverUsed() throws IOException {
        ActivationRanges clean = CalibrationCache.ranges(TINY, notices::add);
        assertTrue(notices.getFirst().startsWith("calibrating"), notices.toString());
        notices.clear();
        assertEquals(clean.checksum(), CalibrationCache.ranges(TINY, notices::add).checksum());
        assertTrue(notices.isEmpty(), "read from the cache: " + notices);

        Path file = entry();
        String good = Files.readString(file);
        String firstRange = good.substring(good.indexOf("\"residual\": [") + 13).split("[,\\]]")[0];
        String[][] poisons = {
                {good.replace("\"residual\": [" + firstRange, "\"residual\": [null"), "residual[0] is null"},
                {good.replace("\"residual\": [" + firstRange, "\"residual\": [-1.0"), "residual[0] is -1.0"},
                {good.replace("\"residual\": [" + firstRange, "\"residual\": [" + (firstRange.equals("1.0") ? "2.0" : "1.0")),
                        "checksum mismatch"}, // plausible values, edited
                {good.replace("\"residual\": [" + firstRange + ",", "\"residual\": ["), "residual must be a list of 2"},
                {good.replace("\"d\": 16", "\"d\": 32"), "the model's n_embd 16"},
                {good.replaceFirst("\"key\": \"[0-9a-f]+\"", "\"key\": \"0000000000000000\""), "its key is not this model's"},
                {good.replace("\"format\": 2", "\"format\": 1"), "format 1"},
                {good.substring(0, good.length() / 2), "at offset"},
                {"[]", "expected a JSON object"},
        };
        for (String[] p : poisons) {
            Files.writeString(file, p[0]);
            notices.clear();
            ActivationRanges r = CalibrationCache.ranges(TINY, notices::add);
            assertEquals(clean.checksum(), r.checksum(), "recomputed, not the poisoned values: " + p[1]);
            assertFalse(notices.isEmpty(), "a note for " + p[1] + " in " + p[0]);
            assertTrue(notices.getFirst().startsWith("note: recalibrating: the cached calibration ")
                    && notices.getFirst().contains(p[1]), p[1] + ": " + notices);
            assertEquals(good, Files.readString(file), "the bad entry is replaced by a good one");
        }
    }

    @Test
    void theKeyCoversEpsilonActivationAndTheHead() {
        Gpt2Config c = TINY.config();
        String base = CalibrationCache.key(TINY);
        assertEquals(base, CalibrationCache.key(with(c.withName("renamed"))), "a label is not part of the model");
        assertNotEquals(base, CalibrationCache.key(with(new Gpt2Config(c.name(), c.nLayer(), c.nEmbd(), c.nHead(),
                c.nPositions(), c.vocabSize(), 1e-6, c.activationFunction()))), "layer_norm_epsilon");
        assertNotEquals(base, CalibrationCache.key(with(new Gpt2Config(c.name(), c.nLayer(), c.nEmbd(), c.nHead(),
                c.nPositions(), c.vocabSize(), c.layerNormEpsilon(), "gelu_pytorch_tanh"))), "activation_function");
        assertNotEquals(base, CalibrationCache.key(new Gpt2Weights(c, TINY.wte(), TINY.wpe(), TINY.blocks(), TINY.lnF(),
                TINY.wte())), "tying the head");
    }

    private static Gpt2Weights with(Gpt2Config c) {
        return new Gpt2Weights(c, TINY.wte(), TINY.wpe(), TINY.blocks(), TINY.lnF(), TINY.lmHead());
    }

    @Test
    void anUnwritableCacheIsANoteAndLeavesNothing() throws IOException {
        Files.writeString(home.resolve("calibration"), "a file where the folder goes");
        ActivationRanges r = CalibrationCache.ranges(TINY, notices::add);
        assertTrue(notices.getLast().startsWith("note: cannot cache calibration in"), notices.toString());
        assertNull(r.firstNonFinite());
        try (Stream<Path> s = Files.list(home)) {
            assertEquals(1, s.count(), "no temporary left");
        }
    }

    @Test
    void nonFiniteRangesAreNamed() {
        ActivationRanges r = new ActivationRanges(2, 4);
        assertFalse(r.firstNonFinite() != null);
        r.fc[1] = Double.POSITIVE_INFINITY;
        assertEquals("fc of layer 1", r.firstNonFinite());
    }

    private static void assertNull(Object o) {
        org.junit.jupiter.api.Assertions.assertNull(o);
    }
}
