package dev.fpgallm.onnx;

import static dev.fpgallm.onnx.OnnxFixtures.assertSameWeights;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.onnx.proto.Onnx.GraphProto;
import dev.fpgallm.onnx.proto.Onnx.ModelProto;
import dev.fpgallm.onnx.proto.Onnx.NodeProto;
import dev.fpgallm.onnx.proto.Onnx.TensorProto;
import dev.fpgallm.onnx.proto.Onnx.ValueInfoProto;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** export -> import gives the same weights, whatever names and operator patterns the graph uses. */
class OnnxRoundTripTest {
    @TempDir
    Path dir;

    @Test
    void everyExportStyleImportsToIdenticalWeights() {
        Gpt2Weights w = OnnxFixtures.tiny();
        for (ExportStyle style : OnnxFixtures.STYLES) {
            Path file = OnnxFixtures.write(w, style, dir.resolve("m.onnx"));
            assertSameWeights(w, OnnxImporter.load(file, "tiny"));
        }
    }

    @Test
    void tiedHeadStaysTiedInEveryStyle() {
        Gpt2Weights w = OnnxFixtures.tied(OnnxFixtures.tiny());
        for (ExportStyle style : OnnxFixtures.STYLES) {
            Gpt2Weights back = OnnxImporter.load(OnnxFixtures.write(w, style, dir.resolve("t.onnx")), "tiny");
            assertTrue(back.tiedLmHead(), "tied in " + style);
            assertSameWeights(w, back);
        }
    }

    @Test
    void optimumInterfaceNames() {
        Gpt2Weights w = OnnxFixtures.tiny();
        ModelProto m = OnnxFile.read(OnnxFixtures.write(w, ExportStyle.OPTIMUM, dir.resolve("m.onnx")), x -> x);
        GraphProto g = m.getGraph();
        List<String> inputs = g.getInputList().stream().map(ValueInfoProto::getName).toList();
        List<String> outputs = g.getOutputList().stream().map(ValueInfoProto::getName).toList();
        assertEquals(List.of("input_ids", "attention_mask", "position_ids", "past_key_values.0.key",
                "past_key_values.0.value", "past_key_values.1.key", "past_key_values.1.value"), inputs);
        assertEquals(List.of("logits", "present.0.key", "present.0.value", "present.1.key", "present.1.value"), outputs);
        // [batch, n_head, past, head_dim]
        var dims = g.getInput(3).getType().getTensorType().getShape().getDimList();
        assertEquals("batch_size", dims.get(0).getDimParam());
        assertEquals(4, dims.get(1).getDimValue());
        assertEquals("past_sequence_length", dims.get(2).getDimParam());
        assertEquals(16, dims.get(3).getDimValue());
        assertEquals(17, m.getOpsetImport(0).getVersion());
        assertTrue(g.getNodeList().stream().anyMatch(n -> n.getOpType().equals("LayerNormalization")));
        assertTrue(g.getInitializerList().stream().anyMatch(t -> t.getName().equals("transformer.h.0.attn.c_attn.weight")));
    }

    @Test
    void anonymousStyleReallyHasNoNames() {
        ModelProto m = OnnxFile.read(OnnxFixtures.write(OnnxFixtures.tiny(), OnnxFixtures.STYLES.get(1),
                dir.resolve("a.onnx")), x -> x);
        assertTrue(m.getGraph().getInitializerList().stream().allMatch(t -> t.getName().startsWith("onnx::")));
        assertTrue(m.getGraph().getNodeList().stream().allMatch(n -> n.getName().isEmpty()));
        assertTrue(m.getGraph().getNodeList().stream().noneMatch(n -> n.getOpType().equals("LayerNormalization")));
    }

    /**
     * Q, K and V are told apart by what the graph does with them: swap the Split's first two parts and the
     * matching weight columns, and the import still yields Q | K | V.
     */
    @Test
    void splitOrderIsReadFromTheGraphNotAssumed() {
        Gpt2Weights w = OnnxFixtures.tiny();
        int d = w.config().nEmbd();
        Path file = OnnxFixtures.writeEdited(w, ExportStyle.OPTIMUM, dir.resolve("kqv.onnx"), m -> {
            GraphProto.Builder g = m.getGraph().toBuilder();
            for (int i = 0; i < g.getNodeCount(); i++) {
                NodeProto n = g.getNode(i);
                if (!n.getName().equals("/transformer/h.0/attn/Split")) continue;
                g.setNode(i, n.toBuilder().setOutput(0, n.getOutput(1)).setOutput(1, n.getOutput(0)));
            }
            for (int i = 0; i < g.getInitializerCount(); i++) {
                TensorProto t = g.getInitializer(i);
                if (t.getName().equals("transformer.h.0.attn.c_attn.weight"))
                    g.setInitializer(i, TensorData.floats(t.getName(), swapColumnBlocks(TensorData.toFloats(t), d, 3 * d, d), d, 3 * d));
                if (t.getName().equals("transformer.h.0.attn.c_attn.bias"))
                    g.setInitializer(i, TensorData.floats(t.getName(), swapColumnBlocks(TensorData.toFloats(t), 1, 3 * d, d), 3 * d));
            }
            return m.toBuilder().setGraph(g).build();
        });
        assertSameWeights(w, OnnxImporter.load(file, "tiny"));
    }

    /** Swaps columns [0, d) and [d, 2d) of a [rows][cols] matrix. */
    private static float[] swapColumnBlocks(float[] a, int rows, int cols, int d) {
        float[] out = a.clone();
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < d; c++) {
                out[r * cols + c] = a[r * cols + d + c];
                out[r * cols + d + c] = a[r * cols + c];
            }
        return out;
    }

    @Test
    void everyStyleUsesItsOwnOperators() {
        Gpt2Weights w = OnnxFixtures.tiny();
        Set<Set<String>> opSets = new HashSet<>();
        for (ExportStyle style : OnnxFixtures.STYLES) {
            ModelProto m = OnnxFile.read(OnnxFixtures.write(w, style, dir.resolve("s.onnx")), x -> x);
            opSets.add(Set.copyOf(m.getGraph().getNodeList().stream().map(NodeProto::getOpType).toList()));
        }
        assertEquals(OnnxFixtures.STYLES.size(), opSets.size(), "the styles differ in the operators they use");
    }
}
