package dev.fpgallm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fpgallm.json.Json;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.store.ModelStore;
import dev.fpgallm.model.SafetensorsFile;
import dev.fpgallm.model.SyntheticCheckpoint;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14's classes end to end through the CLI: each bad input is exit 2 with one line naming what is wrong (never
 * exit 1, a stack trace or a silently wrong model), and nothing is written.
 */
class BadInputCliTest {
    /** One layer, 64 wide, 4 heads (head_dim 16: the NPU runs it), GPT-2's vocabulary, 64 positions. */
    static final Gpt2Config SMALL = new Gpt2Config("small", 1, 64, 4, 64, Gpt2Config.GPT2_VOCAB, 1e-5, "gelu_new");

    @TempDir
    static Path dir;
    static Path small;

    @BeforeAll
    static void models() throws IOException {
        TemporaryHome.use(dir.resolve("home"));
        small = dir.resolve("small");
        SyntheticCheckpoint.write(SMALL, 3, small);
    }

    @AfterAll
    static void restoreHome() {
        TemporaryHome.restore();
    }

    /** A copy of the small model to break. */
    private static Path copy(String name) throws IOException {
        Path to = Files.createDirectories(dir.resolve(name));
        for (String f : new String[] {"config.json", "model.safetensors"})
            Files.copy(small.resolve(f), to.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        return to;
    }

    private static void config(Path folder, String key, Object value) throws IOException {
        Map<String, Object> m = Json.parseObject(Files.readString(folder.resolve("config.json")));
        m.put(key, value);
        Files.writeString(folder.resolve("config.json"), Json.writePretty(m));
    }

    /** Fills a tensor's F32 values with {@code value}, or with random bytes when it is null. */
    private static void fill(Path folder, String tensor, Float value) throws IOException {
        Path file = folder.resolve("model.safetensors");
        long begin, bytes, header;
        try (SafetensorsFile f = SafetensorsFile.open(file); FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer h = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(h, 0);
            header = 8 + h.getLong(0);
            begin = f.info(tensor).begin();
            bytes = f.info(tensor).end() - begin;
        }
        ByteBuffer b = ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (value == null) new SplittableRandom(14).nextBytes(b.array());
        else while (b.hasRemaining()) b.putFloat(value);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(b.rewind(), header + begin);
        }
    }

    /** generate on {@code model} with {@code backend}, 8 new tokens unless {@code more} says otherwise. */
    private static CliRunner generate(Path model, String backend, String... more) {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("generate", "--model", model.toString(),
                "--backend", backend, "--max-seq", "32"));
        args.addAll(java.util.List.of(more));
        if (!args.contains("--max-new-tokens")) args.addAll(java.util.List.of("--max-new-tokens", "8"));
        args.add("hi");
        return CliRunner.run(args.toArray(String[]::new));
    }

    @Test
    void userNumbersCannotOverflow() {
        CliRunner.run("generate", "--model", "tiny", "--max-new-tokens", "2147483647", "hello")
                .assertOneLineError("= 2147483648 exceeds --max-seq 256");
        CliRunner.run("bench", "--model", "tiny", "--gen", "2147483647")
                .assertOneLineError("the longest prompt + --max-new-tokens = 2147483903 positions exceeds the model's n_positions 1024");
        CliRunner.run("bench", "-m", "tiny", "-n", "2147483647")
                .assertOneLineError("the longest prompt + --max-new-tokens = 2147483903 positions exceeds the model's n_positions 1024");
        CliRunner.run("bench", "--model", "tiny", "--prompt-lens", "2147483647")
                .assertOneLineError("= 2147483679 positions exceeds");
        CliRunner.run("bench", "--model", "tiny", "--repeats", "2147483647").assertOneLineError("-r/--repetitions must be in 1..100000");
        CliRunner.run("generate", "--model", "tiny", "--max-seq", "2147483647", "hi").assertOneLineError("--max-seq 2147483647 must be in 1..1024");
        CliRunner.run("eval", "--model", "tiny", "--sequences", "2147483647")
                .assertOneLineError("scored tokens need");
        CliRunner.run("generate", "--model", "tiny", "--device", "-1", "hi").assertOneLineError("--device must be >= 0");
        CliRunner.run("generate", "--model", "tiny", "-t", "2147483647", "hi").assertOneLineError("'--threads': must be in 1..");
        CliRunner.run("generate", "--model", "tiny", "-t", "0", "hi").assertOneLineError("must be in 1..");
        CliRunner.run("generate", "--model", "tiny", "--repeat-last-n", "-2", "hi").assertOneLineError("--repeat-last-n must be >= -1");
    }

    @Test
    void samplingOptionsAreCheckedNotIgnored() {
        CliRunner.run("generate", "--model", "tiny", "--top-k", "-5", "hi").assertOneLineError("--top-k must be >= 0 (0 = all tokens), got -5");
        CliRunner.run("generate", "--model", "tiny", "--top-p", "1.5", "hi").assertOneLineError("--top-p must be in (0, 1]");
        CliRunner.run("generate", "--model", "tiny", "--top-p", "NaN", "hi").assertOneLineError("got NaN");
        CliRunner.run("generate", "--model", "tiny", "--temperature", "NaN", "hi").assertOneLineError("--temp must be a finite number >= 0");
        CliRunner.run("generate", "--model", "tiny", "--temp", "NaN", "hi").assertOneLineError("--temp must be a finite number >= 0");
        CliRunner.run("generate", "--model", "tiny", "--min-p", "1.5", "hi").assertOneLineError("--min-p must be in [0, 1]");
        CliRunner.run("generate", "--model", "tiny", "--min-p", "NaN", "hi").assertOneLineError("--min-p must be in [0, 1]");
        CliRunner.run("generate", "--model", "tiny", "--repeat-penalty", "0", "hi").assertOneLineError("--repeat-penalty must be a finite number > 0");
        CliRunner.run("generate", "--model", "tiny", "--repeat-penalty", "Infinity", "hi").assertOneLineError("--repeat-penalty");
        CliRunner.run("generate", "--model", "tiny", "--greedy", "--min-p", "-1", "hi").assertOneLineError("--min-p");
        CliRunner.run("generate", "--model", "tiny", "--temperature", "-1", "hi").assertOneLineError("--temp");
        CliRunner.run("generate", "--model", "tiny", "--temperature", "Infinity", "hi").assertOneLineError("--temp");
        CliRunner zero = CliRunner.run("generate", "--model", small.toString(), "--backend", "ref", "--max-seq", "32",
                "--max-new-tokens", "4", "--temperature", "0", "--json", "hi");
        CliRunner greedy = CliRunner.run("generate", "--model", small.toString(), "--backend", "ref", "--max-seq", "32",
                "--max-new-tokens", "4", "--json", "hi");
        assertEquals(0, zero.code(), zero.err());
        assertEquals(Json.parseObject(greedy.out().strip()).get("output_ids"), Json.parseObject(zero.out().strip()).get("output_ids"),
                "temperature 0 is greedy");
    }

    @Test
    void outputsAreRegularFilesOrAbsent() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("out-folder"));
        Path toNull = Files.createSymbolicLink(dir.resolve("to-null.npy"), Path.of("/dev/null"));
        String[] outs = {folder.toString(), "/dev/null", toNull.toString(), dir.resolve("no/such/x.npy").toString()};
        String[] says = {"is a folder", "not a regular file", "a link to /dev/null", "no folder"};
        for (int i = 0; i < outs.length; i++)
            CliRunner.run("logits", "--model", "tiny", "--ids", "1,2", "--out", outs[i]).assertOneLineError(says[i]);
        assertTrue(Files.isSymbolicLink(toNull) && !Files.isRegularFile(Path.of("/dev/null")), "/dev/null and the link intact");
        CliRunner.run("export-onnx", "--model", "tiny", "--out", toNull.toString().replace(".npy", ".onnx")).code();
        CliRunner.run("bench", "--model", "tiny", "--out", dir.resolve("b.csv").toString(), "--plot", folder + "/p.png", "--gen", "1")
                .assertOneLineError("--max-new-tokens must be at least 2");
        CliRunner.run("synth-model", "--preset", "tiny", "--out", dir.resolve("no/such/m").toString()).assertOneLineError("no folder");
        CliRunner.run("synth-model", "--preset", "tiny", "--out", toNull.toString()).assertOneLineError("not to a folder");
        CliRunner.run("npu-vectors", "--out", small.resolve("config.json").toString()).assertOneLineError("is not a folder");
        assertFalse(Files.exists(dir.resolve("b.csv")));
    }

    @Test
    void npuLimitsAreCheckedAtLoadNamingTheBackendsThatCanRunTheModel() throws IOException {
        Path hd8 = dir.resolve("hd8");
        SyntheticCheckpoint.write(new Gpt2Config("hd8", 1, 64, 8, 64, Gpt2Config.GPT2_VOCAB, 1e-5, "gelu_new"), 3, hd8);
        generate(hd8, "emu").assertOneLineError("head_dim 8 (n_embd 64 / n_head 8) is not a multiple of 16 in 16..256, "
                + "which the NPU's ATTENTION needs: the NPU backends (emu, xrt) cannot run this model; the FP32 backends "
                + "can (--backend ref or ort)");
        CliRunner ref = generate(hd8, "ref", "--max-new-tokens", "3");
        assertEquals(0, ref.code(), "ref computes it faithfully: " + ref.err());
        Path vocab = copy("vocab");
        config(vocab, "vocab_size", 1000L);
        generate(vocab, "ref").assertOneLineError("the prompt holds token id 5303, outside vocab's vocabulary of 1000 ids "
                + "(smaller than GPT-2's tokenizer, 50257 ids)");
    }

    @Test
    void configJsonIsStrictAndMustDescribeTheTensors() throws IOException {
        Path f = copy("cfg");
        config(f, "n_inner", "x");
        generate(f, "ref").assertOneLineError("n_inner must be an integer, got the string \"x\"");
        f = copy("cfg");
        config(f, "layer_norm_epsilon", "1e-5");
        generate(f, "ref").assertOneLineError("layer_norm_epsilon must be a number");
        f = copy("cfg");
        config(f, "activation_function", 3L);
        generate(f, "ref").assertOneLineError("activation_function must be a string");
        f = copy("cfg");
        config(f, "n_embd", null);
        generate(f, "ref").assertOneLineError("n_embd is null");
        f = copy("cfg");
        config(f, "n_layer", 3L);
        generate(f, "emu").assertOneLineError("missing tensor 'transformer.h.1.ln_1.weight' (config.json says n_layer 3");
    }

    @Test
    void corruptOrNonFiniteWeightsAreRefusedAtLoad() throws IOException {
        Path nan = copy("nan");
        fill(nan, "transformer.h.0.attn.c_proj.bias", Float.NaN);
        generate(nan, "ref").assertOneLineError("tensor 'transformer.h.0.attn.c_proj.bias' holds NaN at [0]: every weight must be finite");
        Path random = copy("random");
        fill(random, "transformer.h.0.mlp.c_fc.weight", null);
        generate(random, "emu").assertOneLineError("tensor 'transformer.h.0.mlp.c_fc.weight' holds");
        Path trailing = copy("trailing");
        Files.write(trailing.resolve("model.safetensors"), new byte[3], StandardOpenOption.APPEND);
        generate(trailing, "ref").assertOneLineError("3 bytes after the last tensor belong to no tensor");
    }

    @Test
    void extremeWeightsAreRefusedNotComputedIntoGarbage() throws IOException {
        Path huge = copy("huge");
        fill(huge, "transformer.h.0.mlp.c_fc.weight", 1e38f); // finite, but FP32 overflows on the way
        generate(huge, "ref").assertOneLineError("the FP32 forward pass overflowed");
        // emu: found by calibration, which runs the FP32 reference (after its one-line notice), before any NPU work
        CliRunner emu = generate(huge, "emu");
        assertEquals(2, emu.code(), emu.err());
        assertTrue(emu.err().strip().endsWith("the weights are too large to compute in FP32") && !emu.err().contains("\tat "), emu.err());
        Path tiny = copy("denormal");
        fill(tiny, "transformer.h.0.attn.c_proj.weight", 1e-40f); // denormal: FP32 computes it fine
        CliRunner ref = generate(tiny, "ref", "--max-new-tokens", "2");
        assertEquals(0, ref.code(), ref.err());
        CliRunner denormalEmu = generate(tiny, "emu", "--max-new-tokens", "2");
        assertTrue(denormalEmu.code() == 0 || denormalEmu.code() == 2 && denormalEmu.err().contains("--backend ref"),
                "runs, or is refused naming the backends that can: " + denormalEmu.err());
    }

    @Test
    void anAtSignIsTextNotAnArgumentFile() {
        // picocli read @FILE as arguments; an @ naming a folder threw past every handler (exit 1: CliFuzzTest found it)
        CliRunner.run("tokenize", "@" + dir).assertOneLineError("Unmatched argument at index 1: '@" + dir + "'");
        CliRunner t = CliRunner.run("tokenize", "--text", "@" + small);
        assertEquals(0, t.code(), t.err());
        assertEquals(java.util.Arrays.stream(dev.fpgallm.tokenizer.Gpt2Tokenizer.gpt2().encode("@" + small))
                .mapToObj(Integer::toString).collect(java.util.stream.Collectors.joining(",")), t.out().strip(),
                "the literal text, not the folder's files");
    }

    @Test
    void messagesAreOnePrintableLine() {
        CliRunner r = CliRunner.run("generate", "--model", "tiny", "--backend", "x\ny\u0000z", "hi");
        r.assertOneLineError("unknown backend 'x\\ny\\u0000z'");
    }
}
