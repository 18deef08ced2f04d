package dev.fpgallm.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fpgallm.io.Npy;
import dev.fpgallm.json.Json;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.SyntheticCheckpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15's flags: one name, one meaning in every command, with llama.cpp's short forms, the old spellings kept,
 * the defaults that follow the model, and error hints that name the command once.
 */
class FlagsCliTest {
    /** A small GPT-2 with 128 positions, like real checkpoints trained on short contexts. */
    static final Gpt2Config P128 = new Gpt2Config("p128", 1, 64, 4, 128, Gpt2Config.GPT2_VOCAB, 1e-5, "gelu_new");

    @TempDir
    static Path dir;
    static Path p128;
    static Path onnx;

    @BeforeAll
    static void models() throws IOException {
        TemporaryHome.use(dir.resolve("home"));
        p128 = dir.resolve("p128");
        SyntheticCheckpoint.write(P128, 5, p128);
        onnx = dir.resolve("p128.onnx");
        CliRunner e = CliRunner.run("export-onnx", "-m", p128.toString(), "--out", onnx.toString());
        assertEquals(0, e.code(), e.err());
    }

    @AfterAll
    static void restoreHome() {
        TemporaryHome.restore();
    }

    private static CliRunner ok(String... args) {
        CliRunner r = CliRunner.run(args);
        assertEquals(0, r.code(), String.join(" ", args) + ": " + r.err());
        return r;
    }

    private static Object outputIds(CliRunner r) {
        return Json.parseObject(r.out().strip()).get("output_ids");
    }

    /** The check, and the same run spelled out in long options and as a positional prompt. */
    @Test
    void llamaCppShortOptionsMeanTheLongOnes() throws IOException {
        CliRunner shortForm = ok("generate", "-m", "tiny", "-n", "4", "-s", "1", "-p", "Hello");
        assertTrue(shortForm.out().startsWith("Hello"), shortForm.out());
        assertTrue(shortForm.out().contains("generated tokens:              4"), shortForm.out());
        Object a = outputIds(ok("generate", "-m", "tiny", "-n", "4", "-s", "1", "--temp", "0.9", "--top-k", "20", "-t", "1",
                "-p", "Hello", "--json"));
        Object b = outputIds(ok("generate", "--model", "tiny", "--max-new-tokens", "4", "--seed", "1", "--temperature", "0.9",
                "--top-k", "20", "--threads", "1", "--json", "Hello"));
        assertEquals(a, b, "-m -n -s -t -p and --temp are --model --max-new-tokens --seed --threads PROMPT --temperature");
        Path prompt = Files.writeString(dir.resolve("prompt.txt"), "Hello\n");
        assertEquals(a, outputIds(ok("generate", "-m", "tiny", "-n", "4", "-s", "1", "--temp", "0.9", "--top-k", "20",
                "-f", prompt.toString(), "--json")), "-f reads the prompt, its last newline dropped");
        CliRunner.run("generate", "-m", "tiny", "-p", "Hello", "world").assertOneLineError("give the prompt once");
        CliRunner.run("generate", "-m", "tiny").assertOneLineError("no prompt: give it as PROMPT, -p TEXT or -f FILE");
        CliRunner.run("generate", "-m", "tiny", "-f", dir.resolve("none.txt").toString()).assertOneLineError("cannot read -f");
    }

    @Test
    void tokenizeAndLogitsTakeTheirTextAsPOrFAndTheOldText(@TempDir Path out) throws IOException {
        Path text = Files.writeString(out.resolve("t.txt"), "Hello world\n");
        for (String[] form : List.of(new String[] {"-p", "Hello world"}, new String[] {"--prompt", "Hello world"},
                new String[] {"-f", text.toString()}, new String[] {"--text", "Hello world"}))
            assertEquals("15496,995", ok("tokenize", form[0], form[1]).out().strip(), form[0]);
        CliRunner.run("tokenize", "-p", "a", "--text", "b").assertOneLineError("give the prompt once");
        ok("logits", "-m", "tiny", "--backend", "ref", "-p", "Hello world", "--out", out.resolve("p.npy").toString());
        ok("logits", "-m", "tiny", "--backend", "ref", "--text", "Hello world", "--out", out.resolve("t.npy").toString());
        ok("logits", "-m", "tiny", "--backend", "ref", "--ids", "15496,995", "--out", out.resolve("i.npy").toString());
        float[][] p = Npy.readFloat32(out.resolve("p.npy"));
        assertArrayEquals(p[1], Npy.readFloat32(out.resolve("t.npy"))[1]);
        assertArrayEquals(p[1], Npy.readFloat32(out.resolve("i.npy"))[1]);
        CliRunner.run("logits", "-m", "tiny", "--ids", "1", "-p", "x", "--out", out.resolve("x.npy").toString())
                .assertOneLineError("give the prompt once");
        CliRunner.run("logits", "-m", "tiny", "--out", out.resolve("x.npy").toString()).assertOneLineError("no tokens");
    }

    /** bench: --backend repeated or comma-separated, --backends kept; -n and --gen; -r and --repeats. */
    @Test
    void benchSpellingsGiveTheSameRuns() {
        List<List<String>> spellings = List.of(
                List.of("--backend", "ref", "--backend", "ort", "-n", "2", "-r", "1"),
                List.of("--backend", "ref,ort", "--max-new-tokens", "2", "--repetitions", "1"),
                List.of("--backends", "ref,ort", "--gen", "2", "--repeats", "1"));
        for (List<String> s : spellings) {
            List<String> args = new ArrayList<>(List.of("bench", "-m", "tiny", "--prompt-lens", "3", "--warmup", "0",
                    "-o", "json", "-t", "1", "--power", "none"));
            args.addAll(s);
            List<?> rows = (List<?>) Json.parse(ok(args.toArray(String[]::new)).out());
            assertEquals(List.of("ref", "ort"), rows.stream().map(r -> ((Map<?, ?>) r).get("backend")).toList(), s.toString());
            for (Object r : rows) {
                assertEquals(5L, ((Map<?, ?>) r).get("seq_len"), "3 prompt + 2 generated: " + s);
                assertEquals(1L, ((Map<?, ?>) r).get("threads"), "-t is the threads the run records");
            }
        }
        CliRunner.run("bench", "-m", "tiny", "--backend", "ref", "--backend", "ref").assertOneLineError("lists a backend twice");
        CliRunner.run("bench", "-m", "tiny", "-n", "4", "--gen", "4").assertOneLineError("give it once");
    }

    /** --seed is the sampling seed; the weights' and the corpus' seeds have names of their own (old --seed kept). */
    @Test
    void seedsHaveOneMeaning(@TempDir Path out) {
        ok("synth-model", "--preset", "tiny", "--weights-seed", "4", "--out", out.resolve("a").toString());
        CliRunner legacy = ok("synth-model", "--preset", "tiny", "--seed", "4", "--out", out.resolve("b").toString());
        assertTrue(legacy.err().contains("note: synth-model --seed is now --weights-seed"), legacy.err());
        assertTrue(legacy.out().contains("seed 4"), legacy.out());
        CliRunner.run("synth-model", "--preset", "tiny", "--seed", "4", "--weights-seed", "4", "--out", out.resolve("c").toString())
                .assertOneLineError("give the seed once");
        String[] eval = {"eval", "-m", "tiny", "--backend", "ref", "--max-seq", "16", "--sequences", "1", "--json"};
        Map<String, Object> bySeed = Json.parseObject(ok(concat(eval, "--corpus-seed", "3")).out());
        CliRunner old = ok(concat(eval, "--seed", "3"));
        assertTrue(old.err().contains("note: eval --seed is now --corpus-seed"), old.err());
        assertEquals(bySeed.get("corpus"), Json.parseObject(old.out()).get("corpus"));
        assertTrue(((String) bySeed.get("corpus")).contains("seed 3"), bySeed.toString());
    }

    /** eval scores -f FILE (llama-perplexity's -f), -p TEXT, or the old --text FILE. */
    @Test
    void evalScoresAFileOrAText(@TempDir Path out) throws IOException {
        String words = "The board reads each weight once per token, so memory bandwidth decides the speed. ";
        Path text = Files.writeString(out.resolve("t.txt"), words.repeat(3));
        String[] eval = {"eval", "-m", "tiny", "--backend", "ref", "--max-seq", "32", "--json"};
        Map<String, Object> f = Json.parseObject(ok(concat(eval, "-f", text.toString())).out());
        assertEquals("t.txt", f.get("corpus"));
        CliRunner legacy = ok(concat(eval, "--text", text.toString()));
        assertTrue(legacy.err().contains("note: eval --text FILE is now -f/--prompt-file FILE"), legacy.err());
        assertEquals(f.get("rows"), Json.parseObject(legacy.out()).get("rows"));
        Map<String, Object> p = Json.parseObject(ok(concat(eval, "-p", words.repeat(3))).out());
        assertEquals(((Map<?, ?>) ((List<?>) f.get("rows")).getFirst()).get("perplexity_fp32"),
                ((Map<?, ?>) ((List<?>) p.get("rows")).getFirst()).get("perplexity_fp32"), "the same text, the same perplexity");
        CliRunner.run(concat(eval, "-f", text.toString(), "--text", text.toString())).assertOneLineError("give the text once");
    }

    /** --max-seq follows the model: min(256, n_positions), so a 128-position checkpoint runs without it. */
    @Test
    void maxSeqDefaultsToWhatTheModelHolds(@TempDir Path out) {
        ok("generate", "-m", p128.toString(), "--backend", "ref", "-n", "2", "-p", "Hello");
        ok("generate", "-m", p128.toString(), "-n", "2", "-p", "Hello");
        ok("logits", "-m", p128.toString(), "--backend", "ref", "-p", "Hello", "--out", out.resolve("l.npy").toString());
        CliRunner inspect = ok("inspect", "-m", p128.toString());
        assertTrue(inspect.out().contains("max 128 positions"), inspect.out());
        assertTrue(inspect.out().contains("decode step at position 127"), inspect.out());
        Map<String, Object> eval = Json.parseObject(ok("eval", "-m", p128.toString(), "--backend", "ref", "-p",
                "The board reads each weight once per token. ".repeat(4), "--json").out());
        assertEquals(128L, eval.get("window"));
        CliRunner.run("generate", "-m", p128.toString(), "--max-seq", "256", "-p", "Hello")
                .assertOneLineError("--max-seq 256 must be in 1..128 (the model's n_positions)");
        CliRunner.run("generate", "-m", p128.toString(), "-n", "200", "-p", "Hello").assertOneLineError("exceeds --max-seq 128");
    }

    /** Every command that takes --model takes an ONNX export. */
    @Test
    void everyModelOptionTakesAnOnnxFile(@TempDir Path out) {
        ok("generate", "-m", onnx.toString(), "--backend", "ort", "-n", "2", "-p", "Hello");
        ok("generate", "-m", onnx.toString(), "--backend", "emu", "-n", "2", "-p", "Hello");
        ok("logits", "-m", onnx.toString(), "--backend", "ref", "-p", "Hello", "--out", out.resolve("l.npy").toString());
        ok("eval", "-m", onnx.toString(), "--backend", "ort", "--max-seq", "16", "--sequences", "1");
        List<?> rows = (List<?>) Json.parse(ok("bench", "-m", onnx.toString(), "--backend", "ort", "--prompt-lens", "3",
                "-n", "2", "-r", "1", "--warmup", "0", "-o", "json", "--power", "none").out());
        assertEquals("p128", ((Map<?, ?>) rows.getFirst()).get("model"));
        assertTrue(ok("inspect", "-m", onnx.toString()).out().startsWith("ONNX partition of"));
        ok("export-onnx", "-m", onnx.toString(), "--out", out.resolve("again.onnx").toString());
    }

    /** Options that mean nothing for a command are not offered: inspect runs no backend. */
    @Test
    void inspectOffersNoBackendOptions() {
        for (String option : List.of("--xclbin", "--xrt-lib", "--device", "--backend", "--threads", "--prompt"))
            CliRunner.run("inspect", "-m", "tiny", option, "x").assertOneLineError("Unknown option");
        String help = ok("inspect", "--help").out();
        assertFalse(help.contains("--xclbin") || help.contains("--device") || help.contains("--backend"), help);
        assertTrue(help.contains("--precision") && help.contains("--softmax") && help.contains("--fp16-layers"), help);
    }

    /** A bad option's hint names the command once: "see: fpga-llm tokenize --help". */
    @Test
    void errorHintsNameTheCommandOnce() {
        for (String command : List.of("generate", "bench", "eval", "logits", "inspect", "tokenize", "detokenize",
                "synth-model", "export-onnx", "npu-vectors", "devices", "probe-bandwidth")) {
            CliRunner r = CliRunner.run(command, "--no-such-option");
            r.assertOneLineError("(see: fpga-llm " + command + " --help)");
            assertFalse(r.err().contains("fpga-llm fpga-llm"), r.err());
        }
        CliRunner.run().assertOneLineError("error: missing command (see: fpga-llm --help)");
    }

    /** The help of every command that generates or runs a model shows llama.cpp's names. */
    @Test
    void helpShowsTheShortForms() {
        String generate = ok("generate", "--help").out();
        for (String flag : List.of("-m, --model", "-p, --prompt", "-f, --prompt-file", "-n, --max-new-tokens", "-s, --seed",
                "-t, --threads", "--temp, --temperature", "--top-k", "--top-p", "--min-p", "--repeat-penalty", "--repeat-last-n"))
            assertTrue(generate.contains(flag), flag + " in\n" + generate);
        String bench = ok("bench", "--help").out();
        for (String flag : List.of("-m, --model", "-n, --max-new-tokens", "-r, --repetitions", "-t, --threads",
                "--backend, --backends", "-o, --output"))
            assertTrue(bench.contains(flag), flag + " in\n" + bench);
        assertFalse(ok("synth-model", "--help").out().contains("--seed="), "--seed is the sampling seed's name");
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
