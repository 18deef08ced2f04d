package dev.fpgallm.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.fpgallm.model.Block;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.model.LayerNormWeights;
import dev.fpgallm.model.Linear;
import dev.fpgallm.model.SyntheticCheckpoint;
import dev.fpgallm.onnx.proto.Onnx.ModelProto;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.List;

/** Models and files shared by the ONNX tests. */
public final class OnnxFixtures {
    private static Gpt2Weights tiny;

    private OnnxFixtures() {
    }

    /** Synthetic tiny (2 x 64 x 4 heads, full vocabulary, untied head), made once per test JVM. */
    static synchronized Gpt2Weights tiny() {
        if (tiny == null) tiny = SyntheticCheckpoint.generate(Gpt2Config.tiny(), 3);
        return tiny;
    }

    /** The same weights with the LM head tied to wte, as real GPT-2 checkpoints are. */
    static Gpt2Weights tied(Gpt2Weights w) {
        return new Gpt2Weights(w.config(), w.wte(), w.wpe(), w.blocks(), w.lnF(), w.wte());
    }

    static final List<ExportStyle> STYLES = List.of(
            ExportStyle.OPTIMUM,
            new ExportStyle(17, true, true, false, false, false),  // anonymous names, unfused LayerNorm, tanh-formula GELU
            new ExportStyle(20, true, false, true, true, false),   // anonymous, Gelu node, Gemm layers
            new ExportStyle(18, false, true, false, true, false),  // ReduceMean axes as an input, Gemm layers
            new ExportStyle(17, true, true, false, true, true));   // like a PyTorch trace: run-time shapes and scale

    static Path write(Gpt2Weights w, ExportStyle style, Path file) {
        try (Arena arena = Arena.ofConfined()) {
            OnnxFile.write(OnnxExporter.export(w, style, arena), file);
        }
        return file;
    }

    /** Exports, lets {@code edit} change the protobuf, writes the result. */
    static Path writeEdited(Gpt2Weights w, ExportStyle style, Path file, java.util.function.UnaryOperator<ModelProto> edit) {
        try (Arena arena = Arena.ofConfined()) {
            OnnxFile.write(edit.apply(OnnxExporter.export(w, style, arena)), file);
        }
        return file;
    }

    /** Every weight bit-identical, the config equal up to its name. */
    static void assertSameWeights(Gpt2Weights expected, Gpt2Weights actual) {
        Gpt2Config e = expected.config(), a = actual.config();
        assertEquals(e.withName("x"), a.withName("x"), "config");
        assertArrayEquals(expected.wte(), actual.wte(), "wte");
        assertArrayEquals(expected.wpe(), actual.wpe(), "wpe");
        for (int l = 0; l < e.nLayer(); l++) {
            Block x = expected.blocks().get(l), y = actual.blocks().get(l);
            String h = "h." + l + ".";
            assertLayerNorm(x.ln1(), y.ln1(), h + "ln_1");
            assertLinear(x.attnQkv(), y.attnQkv(), h + "attn.c_attn");
            assertLinear(x.attnProj(), y.attnProj(), h + "attn.c_proj");
            assertLayerNorm(x.ln2(), y.ln2(), h + "ln_2");
            assertLinear(x.mlpFc(), y.mlpFc(), h + "mlp.c_fc");
            assertLinear(x.mlpProj(), y.mlpProj(), h + "mlp.c_proj");
        }
        assertLayerNorm(expected.lnF(), actual.lnF(), "ln_f");
        assertArrayEquals(expected.lmHead(), actual.lmHead(), "lm_head");
        assertEquals(expected.tiedLmHead(), actual.tiedLmHead(), "tied LM head");
        if (actual.tiedLmHead()) assertSame(actual.wte(), actual.lmHead());
    }

    private static void assertLayerNorm(LayerNormWeights x, LayerNormWeights y, String what) {
        assertArrayEquals(x.gamma(), y.gamma(), what + " gamma");
        assertArrayEquals(x.beta(), y.beta(), what + " beta");
    }

    private static void assertLinear(Linear x, Linear y, String what) {
        assertEquals(x.in(), y.in(), what + " in");
        assertEquals(x.out(), y.out(), what + " out");
        assertArrayEquals(x.weight(), y.weight(), what + " weight");
        assertArrayEquals(x.bias(), y.bias(), what + " bias");
    }

    /** max |a - b| over max |b|: the error relative to the logits' scale. */
    public static double relativeError(float[] actual, float[] expected) {
        double maxDiff = 0, maxRef = 0;
        for (int i = 0; i < expected.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
            maxRef = Math.max(maxRef, Math.abs(expected[i]));
        }
        return maxDiff / maxRef;
    }
}
