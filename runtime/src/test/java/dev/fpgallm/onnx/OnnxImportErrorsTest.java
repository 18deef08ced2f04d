package dev.fpgallm.onnx;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fpgallm.UserError;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.ModelFormatException;
import dev.fpgallm.onnx.proto.Onnx.AttributeProto;
import dev.fpgallm.onnx.proto.Onnx.GraphProto;
import dev.fpgallm.onnx.proto.Onnx.ModelProto;
import dev.fpgallm.onnx.proto.Onnx.NodeProto;
import dev.fpgallm.onnx.proto.Onnx.OperatorSetIdProto;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Malformed and unsupported graphs are refused with a message that names the node and what was expected. */
class OnnxImportErrorsTest {
    @TempDir
    Path dir;

    private String refusal(ExportStyle style, UnaryOperator<ModelProto> edit) {
        Path file = OnnxFixtures.writeEdited(OnnxFixtures.tiny(), style, dir.resolve("bad.onnx"), edit);
        return assertThrows(ModelFormatException.class, () -> OnnxImporter.load(file, "bad")).getMessage();
    }

    private static void assertSays(String message, String... parts) {
        for (String p : parts) assertTrue(message.contains(p), "'" + message + "' should say '" + p + "'");
        assertTrue(!message.contains("\n"), "one line: " + message);
    }

    /** Replaces the first node named {@code name} by {@code change(node)}. */
    private static UnaryOperator<ModelProto> editNode(String name, UnaryOperator<NodeProto> change) {
        return m -> {
            GraphProto.Builder g = m.getGraph().toBuilder();
            for (int i = 0; i < g.getNodeCount(); i++)
                if (g.getNode(i).getName().equals(name)) {
                    g.setNode(i, change.apply(g.getNode(i)));
                    return m.toBuilder().setGraph(g).build();
                }
            throw new AssertionError("no node " + name);
        };
    }

    @Test
    void truncatedFile() throws IOException {
        Path file = OnnxFixtures.write(OnnxFixtures.tiny(), ExportStyle.OPTIMUM, dir.resolve("t.onnx"));
        byte[] all = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(all, all.length / 2));
        assertSays(assertThrows(ModelFormatException.class, () -> OnnxImporter.load(file, "t")).getMessage(),
                "t.onnx", "not a valid ONNX file", "truncated");
    }

    @Test
    void notProtobufAtAll() throws IOException {
        Path file = Files.writeString(dir.resolve("text.onnx"), "this is not a model\n".repeat(50));
        assertThrows(ModelFormatException.class, () -> OnnxImporter.load(file, "t"));
        Path empty = Files.createFile(dir.resolve("empty.onnx"));
        assertSays(assertThrows(ModelFormatException.class, () -> OnnxImporter.load(empty, "e")).getMessage(), "empty");
    }

    @Test
    void wrongOpset() {
        String old = refusal(ExportStyle.OPTIMUM, m -> m.toBuilder().setOpsetImport(0,
                OperatorSetIdProto.newBuilder().setDomain("").setVersion(11)).build());
        assertSays(old, "opset 11 is older than the supported 13", "13 to 23");
        // opset 16 is readable, but LayerNormalization does not exist there
        String noLayerNorm = refusal(ExportStyle.OPTIMUM, m -> m.toBuilder().setOpsetImport(0,
                OperatorSetIdProto.newBuilder().setDomain("").setVersion(16)).build());
        assertSays(noLayerNorm, "node '/transformer/h.0/ln_1/LayerNormalization'", "opset 17 operator", "opset 16");
        String none = refusal(ExportStyle.OPTIMUM, m -> m.toBuilder().clearOpsetImport()
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("com.microsoft").setVersion(1)).build());
        assertSays(none, "no standard ONNX operator set");
    }

    @Test
    void missingInitializer() {
        String msg = refusal(ExportStyle.OPTIMUM, m -> {
            GraphProto.Builder g = m.getGraph().toBuilder();
            for (int i = 0; i < g.getInitializerCount(); i++)
                if (g.getInitializer(i).getName().equals("transformer.h.1.mlp.c_fc.weight")) {
                    g.removeInitializer(i);
                    break;
                }
            return m.toBuilder().setGraph(g).build();
        });
        assertSays(msg, "node '/transformer/h.1/mlp/c_fc/MatMul' (MatMul)", "'transformer.h.1.mlp.c_fc.weight'",
                "missing initializer");
    }

    @Test
    void unsupportedOperator() {
        String msg = refusal(ExportStyle.OPTIMUM, editNode("/transformer/h.0/attn/Softmax",
                n -> n.toBuilder().setOpType("Hardmax").build()));
        assertSays(msg, "node '/transformer/h.0/attn/Softmax' (Hardmax)", "operator Hardmax is not supported");
        String contrib = refusal(ExportStyle.OPTIMUM, editNode("/transformer/h.1/mlp/act/Tanh",
                n -> n.toBuilder().setOpType("FastGelu").setDomain("com.microsoft").build()));
        assertSays(contrib, "FastGelu of domain com.microsoft is not supported");
    }

    @Test
    void knownOperatorsInTheWrongPlace() {
        // the residual Add of layer 0's MLP turned into a Sub
        String sub = refusal(ExportStyle.OPTIMUM, editNode("/transformer/h.0/Add_mlp", n -> n.toBuilder().setOpType("Sub").build()));
        assertSays(sub, "node '/transformer/h.0/mlp/c_proj/MatMul' (MatMul)", "expected the residual Add",
                "node '/transformer/h.0/Add_mlp' (Sub)");
        // attention scores divided by the wrong constant
        String scale = refusal(ExportStyle.OPTIMUM, m -> {
            GraphProto.Builder g = m.getGraph().toBuilder();
            for (int i = 0; i < g.getInitializerCount(); i++)
                if (g.getInitializer(i).getName().startsWith("/transformer/h.1/attn/sqrt_head_dim"))
                    g.setInitializer(i, TensorData.floats(g.getInitializer(i).getName(), new float[] {8f}));
            return m.toBuilder().setGraph(g).build();
        });
        assertSays(scale, "node '/transformer/h.1/attn/MatMul_scores' (MatMul)", "scaled by 0.125", "1/sqrt(head_dim) = 0.25");
        // softmax over the wrong axis
        String axis = refusal(ExportStyle.OPTIMUM, editNode("/transformer/h.0/attn/Softmax", n -> n.toBuilder()
                .clearAttribute().addAttribute(GraphWriter.intAttr("axis", 1)).build()));
        assertSays(axis, "(Softmax)", "axis 1");
    }

    @Test
    void exactGeluIsNotGpt2sActivation() {
        ExportStyle geluNode = new ExportStyle(20, false, false, true, false, false);
        String op = refusal(geluNode, editNode("/transformer/h.0/mlp/act/Gelu", n -> n.toBuilder().clearAttribute()
                .addAttribute(GraphWriter.stringAttr("approximate", "none")).build()));
        assertSays(op, "node '/transformer/h.0/mlp/act/Gelu' (Gelu)", "exact (erf) GELU", "gelu_new");
        // the tanh formula with a wrong coefficient computes neither GELU
        String formula = refusal(ExportStyle.OPTIMUM, m -> {
            GraphProto.Builder g = m.getGraph().toBuilder();
            for (int i = 0; i < g.getInitializerCount(); i++)
                if (g.getInitializer(i).getName().startsWith("/transformer/h.1/mlp/act/c_"))
                    g.setInitializer(i, TensorData.floats(g.getInitializer(i).getName(), new float[] {0.05f}));
            return m.toBuilder().setGraph(g).build();
        });
        assertSays(formula, "/transformer/h.1/mlp/act/", "do not compute gelu_new");
    }

    @Test
    void anonymousGraphErrorsNameNodesByIndex() {
        ExportStyle anon = OnnxFixtures.STYLES.get(1);
        String msg = refusal(anon, m -> {
            GraphProto.Builder g = m.getGraph().toBuilder();
            for (int i = 0; i < g.getNodeCount(); i++)
                if (g.getNode(i).getOpType().equals("Softmax")) {
                    g.setNode(i, g.getNode(i).toBuilder().setOpType("LogSoftmax"));
                    break;
                }
            return m.toBuilder().setGraph(g).build();
        });
        assertSays(msg, "node #", "(LogSoftmax)", "not supported");
    }

    @Test
    void noGraphOrNoInputIds() {
        String empty = refusal(ExportStyle.OPTIMUM, m -> m.toBuilder().clearGraph().build());
        assertSays(empty, "no graph");
        String renamed = refusal(ExportStyle.OPTIMUM, m -> {
            GraphProto.Builder g = m.getGraph().toBuilder();
            g.setInput(0, g.getInput(0).toBuilder().setName("tokens"));
            for (int i = 0; i < g.getNodeCount(); i++) {
                NodeProto.Builder n = g.getNode(i).toBuilder();
                for (int j = 0; j < n.getInputCount(); j++) if (n.getInput(j).equals("input_ids")) n.setInput(j, "tokens");
                g.setNode(i, n);
            }
            return m.toBuilder().setGraph(g).build();
        });
        assertSays(renamed, "no input named input_ids");
    }

    /** Protobuf's 2 GiB limit: refused before any weight is touched, on export and on import. */
    @Test
    void overTwoGigabytes() throws IOException {
        Gpt2Config xl = new Gpt2Config("gpt2-xl", 48, 1600, 25, 1024, 50257, 1e-5, "gelu_new");
        UserError export = assertThrows(UserError.class, () -> OnnxFile.checkFits(OnnxExporter.estimatedBytes(xl, true)));
        assertSays(export.getMessage(), "6.23 GB", "at most 2 GiB");
        OnnxFile.checkFits(OnnxExporter.estimatedBytes(Gpt2Config.gpt2(), false)); // GPT-2 small untied fits

        Path big = dir.resolve("big.onnx");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(3L << 30); // sparse: takes no disk space
        }
        assertSays(assertThrows(ModelFormatException.class, () -> OnnxImporter.load(big, "big")).getMessage(),
                "3.22 GB", "at most 2 GiB");
    }

    @Test
    void attributeHelpersRoundTrip() {
        AttributeProto a = GraphWriter.intsAttr("perm", 0, 2, 1, 3);
        assertTrue(a.getIntsList().equals(java.util.List.of(0L, 2L, 1L, 3L)));
    }
}
