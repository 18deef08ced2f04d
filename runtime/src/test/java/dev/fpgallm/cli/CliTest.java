package dev.fpgallm.cli;

import dev.fpgallm.CacheHome;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fpgallm.io.Npy;
import dev.fpgallm.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI end to end on the tiny preset (its synthetic weights are made once in a temporary FPGA_LLM_HOME). */
class CliTest {
    @TempDir
    static Path home;

    @BeforeAll
    static void useTemporaryHome() {
        shared = System.getProperty(CacheHome.PROPERTY, "");
        System.setProperty(CacheHome.PROPERTY, home.toString());
    }

    @AfterAll
    static void restoreHome() {
        System.setProperty(CacheHome.PROPERTY, shared);
    }

    private static String shared;

    @Test
    void generateStreamsTextThenMetrics() {
        CliRunner r = CliRunner.run("generate", "--model", "tiny", "--max-new-tokens", "8", "Hello,", "my name is");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("Hello, my name is"), r.out());
        assertTrue(r.out().contains("prompt tokens:                 5"), r.out());
        assertTrue(r.out().contains("generated tokens:              8"), r.out());
        assertTrue(r.out().contains("prefill (time to first token):"), r.out());
        assertTrue(r.out().contains("tokens/s"), r.out());
        assertTrue(r.err().contains("synthetic"), "says the weights are synthetic: " + r.err());
    }

    @Test
    void generateJsonIsOneObjectAndDeterministic() {
        String[] args = {"generate", "--model", "tiny", "--max-new-tokens", "6", "--temperature", "0.8", "--top-k", "40",
                "--seed", "7", "--json", "The answer is"};
        CliRunner a = CliRunner.run(args), b = CliRunner.run(args);
        assertEquals(0, a.code(), a.err());
        Map<String, Object> m = Json.parseObject(a.out().strip());
        assertEquals(List.of(464L, 3280L, 318L), m.get("prompt_ids"));
        assertEquals(6, ((List<?>) m.get("output_ids")).size());
        Map<?, ?> metrics = (Map<?, ?>) m.get("metrics");
        assertEquals("emu", metrics.get("backend"));
        assertTrue(((Number) metrics.get("predicted_kv260_latency_per_token_ms")).doubleValue() > 0);
        assertEquals(7L, metrics.get("seed"));
        assertTrue(((Number) metrics.get("prefill_ms")).doubleValue() > 0);
        assertEquals(m.get("output_ids"), Json.parseObject(b.out().strip()).get("output_ids"), "same seed, same tokens");
    }

    @Test
    void referenceBackendGeneratesTheSameGreedyTextOnTiny() {
        CliRunner emu = CliRunner.run("generate", "--model", "tiny", "--max-new-tokens", "8", "--json", "Hello");
        CliRunner ref = CliRunner.run("generate", "--model", "tiny", "--backend", "ref", "--max-new-tokens", "8", "--json", "Hello");
        assertEquals(0, ref.code(), ref.err());
        assertEquals(Json.parseObject(ref.out().strip()).get("output_ids"), Json.parseObject(emu.out().strip()).get("output_ids"));
        assertTrue(emu.err().contains("calibrat") || emu.err().contains("synthetic"), emu.err());
    }

    @Test
    void logitsPerPositionMatchPrefill(@TempDir Path dir) throws Exception {
        Path one = dir.resolve("one.npy"), all = dir.resolve("all.npy");
        CliRunner a = CliRunner.run("logits", "--model", "tiny", "--ids", "15496,995,11", "--out", one.toString());
        CliRunner b = CliRunner.run("logits", "--model", "tiny", "--text", "Hello world,", "--prefill", "--out", all.toString());
        assertEquals(0, a.code(), a.err());
        assertEquals(0, b.code(), b.err());
        float[][] x = Npy.readFloat32(one), y = Npy.readFloat32(all);
        assertEquals(3, x.length);
        assertEquals(50257, x[0].length);
        for (int i = 0; i < 3; i++) assertArrayEquals(y[i], x[i], 1e-4f);
        Map<String, Object> about = Json.parseObject(Files.readString(dir.resolve("one.npy.json")));
        assertEquals(dev.fpgallm.BuildInfo.current().commitLabel(), about.get("fpga_llm_commit"), "what made the array, beside it");
        assertEquals(List.of(15496L, 995L, 11L), about.get("ids"));
        assertEquals("emu", about.get("backend"));
        try (var caches = Files.list(home.resolve("calibration"))) {
            for (Path cache : caches.toList())
                assertEquals(dev.fpgallm.BuildInfo.current().commitLabel(), Json.parseObject(Files.readString(cache)).get("fpga_llm_commit"), cache.toString());
        }
    }

    @Test
    void synthModelInspectTokenize(@TempDir Path dir) {
        Path out = dir.resolve("m");
        CliRunner s = CliRunner.run("synth-model", "--preset", "tiny", "--seed", "3", "--out", out.toString());
        assertEquals(0, s.code(), s.err());
        assertTrue(Files.isRegularFile(out.resolve("config.json")) && Files.isRegularFile(out.resolve("model.safetensors")));
        String note;
        try (var st = dev.fpgallm.model.SafetensorsFile.open(out.resolve("model.safetensors"))) {
            note = st.metadata().get("fpga_llm");
        }
        assertTrue(note.contains("seed 3") && note.contains(dev.fpgallm.BuildInfo.current().describe()), note);
        CliRunner again = CliRunner.run("synth-model", "--preset", "tiny", "--out", out.toString());
        again.assertOneLineError("not empty");
        CliRunner i = CliRunner.run("inspect", "--model", out.toString());
        assertEquals(0, i.code(), i.err());
        assertTrue(i.out().contains("2 layers x 64 wide x 4 heads"), i.out());
        assertTrue(i.out().contains("F32"), i.out());
        CliRunner t = CliRunner.run("tokenize", "--text", "Hello world");
        assertEquals("15496,995", t.out().strip());
        CliRunner d = CliRunner.run("detokenize", "--ids", "15496,995");
        assertEquals("Hello world", d.out().strip());
    }

    @Test
    void badInputIsOneLineAndExitTwo(@TempDir Path dir) {
        CliRunner.run("generate", "--model", dir.resolve("nope").toString(), "hi").assertOneLineError("no model at");
        CliRunner.run("generate", "--model", "tiny", "--backend", "quantum", "hi").assertOneLineError("unknown backend");
        CliRunner.run("generate", "--model", "tiny", "--max-seq", "8", "--max-new-tokens", "6", "one two three four")
                .assertOneLineError("exceeds --max-seq 8");
        CliRunner.run("generate", "--bogus-flag", "hi").assertOneLineError("bogus");
        CliRunner.run("logits", "--model", "tiny", "--ids", "1,x", "--out", dir.resolve("x.npy").toString())
                .assertOneLineError("integers");
        CliRunner.run("synth-model", "--preset", "huge", "--out", dir.resolve("h").toString()).assertOneLineError("unknown preset");
        assertFalse(Files.exists(dir.resolve("x.npy")), "nothing written on bad input");
    }

    @Test
    void truncatePromptKeepsTheLastTokens() {
        CliRunner r = CliRunner.run("generate", "--model", "tiny", "--max-seq", "8", "--max-new-tokens", "4",
                "--truncate-prompt", "--json", "one two three four five six seven");
        assertEquals(0, r.code(), r.err());
        assertEquals(4, ((List<?>) Json.parseObject(r.out().strip()).get("prompt_ids")).size());
    }

    @Test
    void everyCommandHasHelp() {
        for (String cmd : new String[] {"generate", "logits", "inspect", "tokenize", "detokenize", "synth-model"}) {
            CliRunner r = CliRunner.run(cmd, "--help");
            assertEquals(0, r.code(), cmd);
            assertTrue(r.out().contains("Usage: fpga-llm " + cmd), r.out());
        }
    }

    /** Every command answers --version with the version and the commit the build recorded (never a silent "dev"). */
    @Test
    void everyCommandPrintsTheVersionAndCommit() {
        dev.fpgallm.BuildInfo b = dev.fpgallm.BuildInfo.current();
        assertFalse(b.version().equals(dev.fpgallm.BuildInfo.UNKNOWN), "the build wrote dev/fpgallm/build.properties");
        for (String command : List.of("generate", "bench", "eval", "logits", "inspect", "tokenize", "detokenize",
                "synth-model", "export-onnx", "npu-vectors", "devices")) {
            CliRunner r = CliRunner.run(command, "--version");
            assertEquals(0, r.code(), command + ": " + r.err());
            assertTrue(r.out().startsWith(b.describe() + "\n"), command + ": " + r.out());
            assertTrue(r.out().contains("commit:       " + b.commitLabel()) && r.out().contains("ONNX Runtime: 1."), r.out());
        }
        assertTrue(CliRunner.run("--version").out().startsWith("fpga-llm " + b.version() + " ("));
    }
}
