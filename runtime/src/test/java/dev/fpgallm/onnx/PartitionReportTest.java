package dev.fpgallm.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.onnx.Placement.Unit;
import dev.fpgallm.onnx.proto.Onnx.ModelProto;
import dev.fpgallm.onnx.proto.Onnx.NodeProto;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The partition report covers every node once and its totals follow from the model's shape. */
class PartitionReportTest {
    @TempDir
    Path dir;

    /** Per decode token at S positions: L (12 d^2 + 2 d S) in the blocks (spec section 10) + vocab x d in the LM head. */
    static long expectedMacs(Gpt2Config c, int s) {
        long d = c.nEmbd();
        return c.nLayer() * (12 * d * d + 2 * d * s) + (long) c.vocabSize() * d;
    }

    @Test
    void everyNodeIsPlacedAndTheTotalsAddUp() {
        Gpt2Weights w = OnnxFixtures.tiny();
        Gpt2Config c = w.config();
        for (ExportStyle style : OnnxFixtures.STYLES) {
            Path file = OnnxFixtures.write(w, style, dir.resolve("m.onnx"));
            ModelProto m = OnnxFile.read(file, x -> x);
            PartitionReport r = OnnxImporter.partition(file, "tiny", 256);

            assertEquals(m.getGraph().getNodeCount(), r.rows().size(), style + ": one row per node");
            for (int i = 0; i < r.rows().size(); i++) {
                PartitionReport.Row row = r.rows().get(i);
                assertEquals(i, row.index());
                assertEquals(m.getGraph().getNode(i).getOpType(), row.op());
                assertNotNull(row.placement(), "node " + i);
            }
            assertEquals(expectedMacs(c, 256), r.offloadedMacs(), style + ": MACs");
            assertEquals(0, r.hostMacs(), "nothing MAC-heavy stays on the host");

            long d = c.nEmbd();
            Map<String, Long> gemmMacs = r.rows().stream().filter(x -> x.placement().macs() > 0
                            && x.placement().unit() == Unit.GEMM)
                    .collect(Collectors.toMap(x -> x.placement().role(), x -> x.placement().macs()));
            assertEquals(Map.of("h.0 attn.c_attn", 3 * d * d, "h.0 attn.c_proj", d * d, "h.0 mlp.c_fc", 4 * d * d,
                    "h.0 mlp.c_proj", 4 * d * d, "h.1 attn.c_attn", 3 * d * d, "h.1 attn.c_proj", d * d,
                    "h.1 mlp.c_fc", 4 * d * d, "h.1 mlp.c_proj", 4 * d * d, "lm_head", c.vocabSize() * d), gemmMacs);
            assertEquals(2L * c.nLayer() * c.nHead() * c.headDim() * 256, r.macs(Unit.ATTENTION));

            // where the characteristic operators went
            for (PartitionReport.Row row : r.rows()) {
                Unit u = row.placement().unit();
                switch (row.op()) {
                    case "Softmax", "Where" -> assertEquals(Unit.ATTENTION, u, row.toString());
                    case "LayerNormalization", "ReduceMean", "Sqrt" -> assertEquals(Unit.LAYERNORM, u, row.toString());
                    case "Tanh", "Gelu", "Gemm" -> assertEquals(Unit.GEMM, u, row.toString());
                    case "Range", "LessOrEqual", "And" -> assertEquals(Unit.HOST, u, row.toString());
                    case "Shape", "Constant" -> assertTrue(u == Unit.HOST || u == Unit.IMPORT, row.toString());
                    default -> { }
                }
            }
            assertEquals(List.of("embedding", "embedding", "embedding"), r.rows().stream()
                    .filter(x -> x.placement().role().equals("embedding")).map(x -> x.placement().role()).toList());

            long initializerBytes = m.getGraph().getInitializerList().stream().mapToLong(TensorData::byteSize).sum();
            assertEquals(initializerBytes, r.offloadedWeightBytes() + r.hostWeightBytes() - r.sharedWeightBytes());
            long wpeAndWte = 4L * (c.vocabSize() + c.nPositions()) * d;
            assertTrue(r.hostWeightBytes() >= wpeAndWte && r.hostWeightBytes() < wpeAndWte + 4096,
                    "the host keeps the embedding tables (and a few shape constants): " + r.hostWeightBytes());
        }
    }

    @Test
    void printedReportListsEveryNodeAndTheTotals() {
        Path file = OnnxFixtures.write(OnnxFixtures.tied(OnnxFixtures.tiny()), ExportStyle.OPTIMUM, dir.resolve("m.onnx"));
        ModelProto m = OnnxFile.read(file, x -> x);
        StringWriter s = new StringWriter();
        OnnxImporter.partition(file, "tiny", 128).print(new PrintWriter(s));
        String text = s.toString();
        for (NodeProto n : m.getGraph().getNodeList()) assertTrue(text.contains(n.getName()), n.getName());
        long expected = expectedMacs(OnnxFixtures.tiny().config(), 128);
        assertTrue(text.contains(String.format("offloaded to the NPU: %,d MACs/token (100.00 %%)", expected)), text);
        assertTrue(text.contains("with 128 positions"), text);
        assertTrue(text.contains("read on both sides"), "tied head noted: " + text);
        long wte = m.getGraph().getInitializerList().stream().filter(t -> t.getName().equals("transformer.wte.weight"))
                .mapToLong(TensorData::byteSize).sum();
        assertTrue(text.contains(String.format("(%,d bytes are read on both sides", wte)), text);
    }

    @Test
    void anonymousNodesAreListedByIndex() {
        Path file = OnnxFixtures.write(OnnxFixtures.tiny(), OnnxFixtures.STYLES.get(1), dir.resolve("a.onnx"));
        StringWriter s = new StringWriter();
        PartitionReport r = OnnxImporter.partition(file, "tiny", 256);
        r.print(new PrintWriter(s));
        for (int i = 0; i < r.rows().size(); i++) assertTrue(s.toString().contains("#" + i + " "), "#" + i);
        // unfused LayerNorm: 9 nodes each, 5 LayerNorms in 2 layers; their Constants (the exponent 2 and epsilon)
        // are resolved at import, as every Constant is
        assertEquals(45, r.nodes(Unit.LAYERNORM));
        assertTrue(r.rows().stream().filter(x -> x.op().equals("Constant"))
                .allMatch(x -> x.placement().unit() == Unit.IMPORT && x.placement().role().equals("constant")));
    }
}
