package dev.fpgallm.cli;

import dev.fpgallm.CacheHome;
import static dev.fpgallm.onnx.OnnxFixtures.relativeError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fpgallm.io.Npy;
import dev.fpgallm.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** export-onnx, --model FILE.onnx, inspect's partition report and --backend ort, end to end on tiny. */
class OnnxCliTest {
    @TempDir
    static Path home;
    @TempDir
    static Path exports;
    static Path model;

    @BeforeAll
    static void exportTiny() {
        System.setProperty(CacheHome.PROPERTY, home.toString());
        model = exports.resolve("tiny.onnx");
        CliRunner r = CliRunner.run("export-onnx", "--model", "tiny", "--out", model.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("wrote " + model), r.out());
        assertTrue(r.out().contains("opset 17"), r.out());
    }

    @AfterAll
    static void restoreHome() {
        System.clearProperty(CacheHome.PROPERTY);
    }

    @Test
    void exportLeavesOnlyTheFile() throws Exception {
        try (Stream<Path> s = Files.list(exports)) {
            assertEquals(List.of(model), s.toList(), "no temporary files left beside the model");
        }
    }

    @Test
    void inspectPrintsThePartitionReport() {
        CliRunner r = CliRunner.run("inspect", "--model", model.toString(), "--max-seq", "128");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("ONNX partition of " + model.toAbsolutePath()), r.out());
        assertTrue(r.out().contains("/transformer/h.1/attn/Softmax"), r.out());
        assertTrue(r.out().contains("NPU ATTENTION"), r.out());
        assertTrue(r.out().contains("with 128 positions"), r.out());
        assertTrue(r.out().contains("offloaded to the NPU:"), r.out());
    }

    @Test
    void ortAndRefGenerateTheSameFromTheOnnxFile() {
        String[] ref = {"generate", "--model", model.toString(), "--backend", "ref", "--max-new-tokens", "6", "--json", "Hello, my name is"};
        String[] ort = ref.clone();
        ort[4] = "ort";
        String[] fromPreset = ref.clone();
        fromPreset[2] = "tiny";
        CliRunner a = CliRunner.run(ref), b = CliRunner.run(ort), c = CliRunner.run(fromPreset);
        assertEquals(0, a.code(), a.err());
        assertEquals(0, b.code(), b.err());
        Object refIds = Json.parseObject(a.out().strip()).get("output_ids");
        assertEquals(refIds, Json.parseObject(b.out().strip()).get("output_ids"), "ort generates what ref generates");
        assertEquals(refIds, Json.parseObject(c.out().strip()).get("output_ids"), "the ONNX file is the tiny preset");
        assertEquals("ort", ((java.util.Map<?, ?>) Json.parseObject(b.out().strip()).get("metrics")).get("backend"));
    }

    @Test
    void ortLogitsEqualRefLogits(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("ref.npy"), b = dir.resolve("ort.npy");
        CliRunner r = CliRunner.run("logits", "--model", model.toString(), "--backend", "ref", "--ids", "15496,995,11,1", "--out", a.toString());
        CliRunner o = CliRunner.run("logits", "--model", model.toString(), "--backend", "ort", "--ids", "15496,995,11,1",
                "--out", b.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(0, o.code(), o.err());
        float[][] x = Npy.readFloat32(a), y = Npy.readFloat32(b);
        for (int i = 0; i < x.length; i++) assertTrue(relativeError(y[i], x[i]) < 1e-3, "position " + i + ": " + relativeError(y[i], x[i]));
    }

    @Test
    void aFolderHoldingModelOnnxIsAModel(@TempDir Path dir) throws Exception {
        Files.copy(model, dir.resolve("model.onnx"));
        CliRunner r = CliRunner.run("generate", "--model", dir.toString(), "--max-new-tokens", "2", "--json", "Hi");
        assertEquals(0, r.code(), r.err());
        assertEquals(dir.getFileName().toString(),
                ((java.util.Map<?, ?>) Json.parseObject(r.out().strip()).get("metrics")).get("model"));
        Files.copy(model, dir.resolve("other.onnx"));
        assertEquals(0, CliRunner.run("inspect", "--model", dir.toString()).code(), "model.onnx wins");
        Files.delete(dir.resolve("model.onnx"));
        Files.copy(model, dir.resolve("third.onnx"));
        CliRunner.run("inspect", "--model", dir.toString()).assertOneLineError("several ONNX files");
    }

    @Test
    void badInputIsOneLine(@TempDir Path dir) throws Exception {
        CliRunner.run("export-onnx", "--model", "tiny", "--out", dir.resolve("m.bin").toString()).assertOneLineError("must end in .onnx");
        CliRunner.run("export-onnx", "--model", "tiny", "--out", dir.resolve("no/such/m.onnx").toString()).assertOneLineError("no folder");
        CliRunner.run("export-onnx", "--model", "tiny", "--gelu-op", "--out", dir.resolve("g.onnx").toString())
                .assertOneLineError("needs --opset 20");
        CliRunner.run("export-onnx", "--model", "tiny", "--opset", "12", "--out", dir.resolve("o.onnx").toString())
                .assertOneLineError("--opset 12");
        byte[] bytes = Files.readAllBytes(model);
        Path cut = Files.write(dir.resolve("cut.onnx"), Arrays.copyOf(bytes, bytes.length / 3));
        CliRunner.run("generate", "--model", cut.toString(), "--backend", "ort", "hi").assertOneLineError("truncated");
        CliRunner.run("inspect", "--model", cut.toString()).assertOneLineError("not a valid ONNX file");
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(cut), s.toList(), "nothing written on bad input");
        }
        assertFalse(Files.exists(dir.resolve("g.onnx")));
    }

    /** A committed torch.onnx.export fixture (src/test/resources/onnx). */
    static Path fixture(String name) throws Exception {
        return Path.of(OnnxCliTest.class.getResource("/onnx/" + name).toURI());
    }

    /** optimum's folder (merged, with-past, no-past files): the merged model is taken; ort and ref agree with torch. */
    @Test
    void optimumFolderFromTheCommandLine(@TempDir Path dir) throws Exception {
        Path folder = fixture("optimum-opset17");
        float[][] torch = Npy.readFloat32(folder.resolve("decoder_model_merged.logits.npy"));
        String ids = "11,48,85,122,31,68,105,14,51,88,125,34"; // the fixture's probe (fixtures.json)
        for (String backend : List.of("ort", "ref")) {
            Path out = dir.resolve(backend + ".npy");
            CliRunner r = CliRunner.run("logits", "--model", folder.toString(), "--backend", backend, "--max-seq", "32",
                    "--ids", ids, "--out", out.toString());
            assertEquals(0, r.code(), r.err());
            float[][] got = Npy.readFloat32(out);
            for (int i = 0; i < got.length; i++)
                assertTrue(relativeError(got[i], torch[i]) < 1e-4, backend + " position " + i + ": " + relativeError(got[i], torch[i]));
        }
        CliRunner s = CliRunner.run("inspect", "--model", folder.toString(), "--summary", "--max-seq", "32");
        assertEquals(0, s.code(), s.err());
        assertTrue(s.out().contains("decoder_model_merged.onnx") && s.out().contains("the merged model's branch with past inputs"), s.out());
        for (String part : List.of("h.0 attn.c_attn", "h.1 attn ", "h.1 ln_2", "lm_head", "embedding", "shape/mask plumbing", "constant"))
            assertTrue(s.out().contains(part), part + " in\n" + s.out());
        assertTrue(s.out().lines().count() < 60, "a summary: " + s.out().lines().count() + " lines");
    }

    @Test
    void refusedExportsAreOneLineExitTwo() throws Exception {
        CliRunner.run("inspect", "--model", fixture("refuse-no-causal-mask.onnx").toString())
                .assertOneLineError("attention without a causal mask is not a GPT-2 decoder");
        CliRunner.run("generate", "--model", fixture("refuse-erf-gelu.onnx").toString(), "--backend", "ort", "Hello")
                .assertOneLineError("exact (erf) GELU");
        CliRunner.run("logits", "--model", fixture("refuse-opset12.onnx").toString(), "--ids", "1,2", "--out", "x.npy")
                .assertOneLineError("opset 12 is older than the supported 13");
    }

    @Test
    void exportStylesFromTheCommandLine(@TempDir Path dir) {
        Path f = dir.resolve("anon.onnx");
        CliRunner r = CliRunner.run("export-onnx", "--model", model.toString(), "--opset", "20", "--anonymous",
                "--unfused-layernorm", "--gelu-op", "--gemm", "--out", f.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("opset 20 (IR 9)"), r.out());
        CliRunner i = CliRunner.run("inspect", "--model", f.toString());
        assertEquals(0, i.code(), i.err());
        assertTrue(i.out().contains("Gemm") && i.out().contains("Gelu") && i.out().contains("ReduceMean"), i.out());
        assertEquals(0, CliRunner.run("export-onnx", "--help").code());
    }
}
