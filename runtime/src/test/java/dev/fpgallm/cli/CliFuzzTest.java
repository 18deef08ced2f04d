package dev.fpgallm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.fpgallm.model.Gpt2Config;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The CLI's option handling, in-process through {@link Main}'s exit-code mapping. The input is a command line, one
 * argument per line (so the seeds read as command lines). Every run is check-only ({@link Main#CHECK_ONLY}): a
 * command that accepts its input exits 0 at {@link Main#checked()}, before any long work, so the fuzzer spends its
 * time on the checks. Paths never leave a sandbox folder: every value of a path option is mapped into it, where a few
 * entries wait (model folders with good and bad config.json files, a folder, links to /dev/null and to nothing ...).
 * Every command has its check-only point, inspect included.
 * <p>
 * Findings: an exit code other than 0 or 2, anything thrown out of Main.run, or a bad-input exit whose stderr is not
 * exactly one line without a stack trace.
 */
class CliFuzzTest {
    private static final Set<String> PATH_OPTIONS = Set.of("-m", "--model", "--out", "--text", "-f", "--prompt-file",
            "--plot", "--xclbin", "--sysfs-root", "--xrt-lib", "--board-calibration");
    private static final Set<String> MODEL_NAMES = Set.of("tiny", "distilgpt2", "gpt2", "synthetic:tiny",
            "synthetic:gpt2", "synthetic:", "synthetic:huge");
    private static Path sandbox;

    @FuzzTest(maxDuration = "30s")
    @DictionaryEntries({"generate", "bench", "eval", "logits", "inspect", "tokenize", "detokenize", "synth-model", "export-onnx",
            "npu-vectors", "devices", "probe-bandwidth", "help", "--version", "--model", "--max-seq", "--backend", "--backends", "--softmax",
            "--precision", "--fp16-layers", "--device", "--max-new-tokens", "--temperature", "--top-k", "--top-p",
            "--seed", "--greedy", "--json", "--truncate-prompt", "--ignore-eos", "--prompt-lens", "--gen", "--repeats",
            "--warmup", "--out", "--plot", "--idle-seconds", "--subtract-idle", "--power", "--power-interval-ms",
            "--quality-sequences", "--text", "--sequences", "--stride", "--max-tokens", "--sweep", "--ids", "--prefill",
            "--preset", "--opset", "--random", "--xrt-lib", "--xclbin", "--clock-mhz", "--mib-per-port", "--burst-bytes",
            "--ports", "--debug", "--help", "-m", "-p", "-f", "-n", "-s", "-t", "-r", "-o", "--prompt", "--prompt-file",
            "--temp", "--min-p", "--repeat-penalty", "--repeat-last-n", "--threads", "--repetitions", "--corpus-seed",
            "--weights-seed", "--vector-seed", "--board", "--board-calibration", "--summary", "--position", "--tokens",
            "u250", "json", "2147483647",
            "-2147483648", "NaN", "Infinity", "auto:", "m-ok", "m-hd8", "m-vocab", "link-null", "/dev/null", "dir"})
    void commandLine(byte[] input) {
        String[] lines = new String(input, StandardCharsets.UTF_8).split("\n", -1);
        if (lines.length == 0) return;
        List<String> args = new ArrayList<>();
        for (int i = 0; i < lines.length && args.size() < 64; i++) {
            String a = lines[i];
            String previous = i > 0 ? lines[i - 1] : "";
            int eq = a.indexOf('=');
            if (a.startsWith("-") && eq > 0 && PATH_OPTIONS.contains(a.substring(0, eq)))
                a = a.substring(0, eq + 1) + confine(a.substring(0, eq), a.substring(eq + 1));
            else if (PATH_OPTIONS.contains(previous)) a = confine(previous, a);
            else if (a.startsWith("@")) a = "@" + confine("--out", a.substring(1)); // picocli's argument files
            args.add(a);
        }
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code;
        Main.CHECK_ONLY.set(true);
        try {
            code = Main.run(args.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
        } finally {
            Main.CHECK_ONLY.set(false);
        }
        if (code != Main.EXIT_OK && code != Main.EXIT_BAD_INPUT)
            fail("exit " + code + " for " + args + ": " + err);
        if (code == Main.EXIT_BAD_INPUT && !args.contains("--debug")) {
            String e = err.toString().strip();
            assertEquals(1, e.split("\n").length, "one line for " + args + ": " + e);
            assertFalse(e.contains("\tat "), "no stack trace for " + args);
            assertTrue(e.startsWith("error: "), e);
        }
    }

    /** A path option's value, inside the sandbox: a sandbox entry by name, a preset for --model, or a new name. */
    static String confine(String option, String value) {
        Path box = sandbox();
        if (option.equals("--model") && MODEL_NAMES.contains(value)) return value;
        if (value.equals("/dev/null")) return value;
        String relative = value.replaceAll("^/+", "").replace("..", "_");
        try {
            Path p = box.resolve(relative).normalize();
            return p.startsWith(box) ? p.toString() : box.resolve("elsewhere").toString();
        } catch (InvalidPathException e) {
            return value; // not a path at all (a NUL byte): picocli or the command refuses it
        }
    }

    /** The sandbox, made once per JVM under target/. */
    static synchronized Path sandbox() {
        if (sandbox != null) return sandbox;
        try {
            Path box = Path.of("target", "fuzz-sandbox").toAbsolutePath();
            dev.fpgallm.io.Temporaries.deleteTree(box);
            Files.createDirectories(box.resolve("dir"));
            Files.createDirectories(box.resolve("dir-full"));
            Files.writeString(box.resolve("dir-full/x.txt"), "x");
            Files.writeString(box.resolve("file.txt"), "The lighthouse keeper wrote in his log every evening.\n");
            Files.write(box.resolve("x.onnx"), new byte[] {8, 1, 0x12, 3, 'b', 'a', 'd'});
            Files.createSymbolicLink(box.resolve("link-null"), Path.of("/dev/null"));
            Files.createSymbolicLink(box.resolve("link-dir"), box.resolve("dir"));
            Files.createSymbolicLink(box.resolve("link-file"), box.resolve("file.txt"));
            Files.createSymbolicLink(box.resolve("link-dangling"), box.resolve("missing"));
            Gpt2Config tiny = Gpt2Config.tiny();
            model(box, "m-ok", tiny.toJson(false));
            model(box, "m-hd8", new Gpt2Config("hd8", 2, 64, 8, 1024, 50257, 1e-5, "gelu_new").toJson(false));
            model(box, "m-pos16", new Gpt2Config("pos16", 2, 64, 4, 16, 50257, 1e-5, "gelu_new").toJson(false));
            model(box, "m-vocab", new Gpt2Config("vocab", 2, 64, 4, 1024, 1000, 1e-5, "gelu_new").toJson(false));
            model(box, "m-null", "{\"model_type\": \"gpt2\", \"n_layer\": null}");
            model(box, "m-types", "{\"n_inner\": \"x\", \"layer_norm_epsilon\": \"1e-5\", \"activation_function\": 1}");
            model(box, "m-badjson", "{\"n_layer\": ");
            sandbox = box;
            return box;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A model folder whose config.json is {@code config}; checks before the check-only point read only that. */
    private static void model(Path box, String name, String config) throws IOException {
        Path dir = Files.createDirectories(box.resolve(name));
        Files.writeString(dir.resolve("config.json"), config);
        Files.write(dir.resolve("model.safetensors"), new byte[0]);
    }
}
