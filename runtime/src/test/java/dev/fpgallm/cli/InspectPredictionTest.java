package dev.fpgallm.cli;

import dev.fpgallm.CacheHome;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fpgallm.json.Json;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** inspect's prediction on the tiny preset: the band in text and --json, --position and --tokens, bad values refused. */
class InspectPredictionTest {
    @TempDir
    static Path home;
    private static String shared;

    @BeforeAll
    static void useTemporaryHome() {
        shared = System.getProperty(CacheHome.PROPERTY, "");
        System.setProperty(CacheHome.PROPERTY, home.toString());
    }

    @AfterAll
    static void restoreHome() {
        System.setProperty(CacheHome.PROPERTY, shared);
    }

    @Test
    void textShowsTheBandWithItsAssumptionsAndBreakdown() {
        CliRunner r = CliRunner.run("inspect", "--model", "tiny", "--max-seq", "64");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("decode step at position 63: "), r.out());
        assertTrue(r.out().contains("predicted from the kernel's modelled schedule (not synthesized)"), r.out());
        assertTrue(r.out().contains("optimistic: 64-cycle AXI latency") && r.out().contains("pessimistic: 80-cycle"), r.out());
        for (String kind : List.of("GEMM", "LM_HEAD", "ATTENTION", "LAYERNORM", "launch"))
            assertTrue(r.out().lines().anyMatch(l -> l.trim().startsWith(kind + " ")), kind + " in\n" + r.out());
    }

    @Test
    void jsonHasTheModelTheBandAndEveryInstruction() {
        CliRunner r = CliRunner.run("inspect", "--model", "tiny", "--max-seq", "64", "--json", "--position", "10");
        assertEquals(0, r.code(), r.err());
        Map<String, Object> j = Json.parseObject(r.out().strip());
        assertTrue(((String) j.get("model")).contains("tiny"), j.toString());
        assertEquals(10L, j.get("position"));
        Map<?, ?> band = (Map<?, ?>) j.get("band");
        double low = ((Number) band.get("low_ms")).doubleValue(), high = ((Number) band.get("high_ms")).doubleValue();
        assertTrue(low > 0 && high > low, band.toString());
        assertEquals(1000 / high, ((Number) band.get("low_tokens_per_sec")).doubleValue(), 1e-9);
        List<?> segments = (List<?>) j.get("segments");
        List<?> instructions = (List<?>) ((Map<?, ?>) segments.getFirst()).get("instructions");
        assertEquals(2 * 7 + 2, instructions.size(), "tiny: 2 layers of 7 instructions, final LN, LM head");
        double cycles = 0;
        for (Object o : instructions) {
            Map<?, ?> i = (Map<?, ?>) o;
            long opt = ((Number) i.get("optimistic_cycles")).longValue(), pess = ((Number) i.get("pessimistic_cycles")).longValue();
            assertTrue(opt > 0 && pess >= opt, i.toString());
            cycles += opt;
        }
        List<?> launch = (List<?>) ((Map<?, ?>) segments.getFirst()).get("launch_cycles");
        double clock = ((Number) ((Map<?, ?>) ((List<?>) ((Map<?, ?>) j.get("board")).get("figures")).getFirst()).get("value")).doubleValue();
        assertEquals(low, 1000 * (cycles + ((Number) launch.getFirst()).doubleValue()) / clock + 0.040, 1e-3,
                "the band's low end is the instructions' and the launch's optimistic cycles plus one launch overhead");
    }

    @Test
    void aLongerPositionIsSlowerAndAPrefillIsPredictedToo() {
        double early = lowMs("--position", "0"), late = lowMs("--position", "63");
        assertTrue(late > early, early + " vs " + late);
        assertTrue(lowMs("--position", "0", "--tokens", "32") > late, "a 32-token prefill costs more than one decode step");
    }

    @Test
    void badValuesAreRefusedInOneLine() {
        CliRunner.run("inspect", "--model", "tiny", "--max-seq", "64", "--position", "64").assertOneLineError("--position 64");
        CliRunner.run("inspect", "--model", "tiny", "--max-seq", "64", "--position", "60", "--tokens", "8").assertOneLineError("does not fit");
        CliRunner.run("inspect", "--model", "tiny", "--max-seq", "64", "--tokens", "0").assertOneLineError("--tokens");
    }

    private static double lowMs(String... args) {
        String[] all = new String[args.length + 6];
        System.arraycopy(new String[] {"inspect", "--model", "tiny", "--max-seq", "64", "--json"}, 0, all, 0, 6);
        System.arraycopy(args, 0, all, 6, args.length);
        CliRunner r = CliRunner.run(all);
        assertEquals(0, r.code(), r.err());
        return ((Number) ((Map<?, ?>) Json.parseObject(r.out().strip()).get("band")).get("low_ms")).doubleValue();
    }
}
