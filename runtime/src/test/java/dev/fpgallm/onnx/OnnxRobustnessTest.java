package dev.fpgallm.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.fpgallm.UserError;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.ModelFormatException;
import dev.fpgallm.onnx.proto.Onnx.GraphProto;
import dev.fpgallm.onnx.proto.Onnx.ModelProto;
import dev.fpgallm.onnx.proto.Onnx.NodeProto;
import dev.fpgallm.onnx.proto.Onnx.TensorProto;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.io.TempDir;

/**
 * Any input is refused with one line or imported, in bounded time and memory: long chains, huge or negative
 * dimensions, non-finite weights, truncated and corrupted files; and a graph whose structure passes but whose
 * arithmetic is not the model's is caught by running it (the first block that differs, an attention that sees
 * the future).
 */
class OnnxRobustnessTest {
    @TempDir
    Path dir;

    static final String FIXTURE = "hf-opset13-past.onnx";

    /** A fixture parsed from its bytes (not aliasing a mapping), edited, written to a temporary file. */
    private Path edited(String fixture, UnaryOperator<ModelProto> edit) {
        try {
            ModelProto m = ModelProto.parseFrom(Files.readAllBytes(TorchExports.named(fixture).file()));
            Path out = dir.resolve("edited-" + System.nanoTime() + ".onnx");
            Files.write(out, edit.apply(m).toByteArray());
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String refusal(Path file) {
        String msg = assertThrows(ModelFormatException.class, () -> OnnxImporter.load(file, "x")).getMessage();
        assertFalse(msg.contains("\n"), "one line: " + msg);
        return msg;
    }

    private static void assertSays(String message, String... parts) {
        for (String p : parts) assertTrue(message.contains(p), "'" + message + "' should say '" + p + "'");
    }

    private static UnaryOperator<ModelProto> onInitializer(String name, UnaryOperator<TensorProto> change) {
        return m -> {
            GraphProto.Builder g = m.getGraph().toBuilder();
            for (int i = 0; i < g.getInitializerCount(); i++)
                if (g.getInitializer(i).getName().equals(name)) g.setInitializer(i, change.apply(g.getInitializer(i)));
            return m.toBuilder().setGraph(g).build();
        };
    }

    /** 100,000 Identity nodes between the embeddings and the first LayerNorm: canonicalized away, no deep recursion. */
    @Test
    void aHundredThousandIdentitiesImport(TestReporter report) throws IOException {
        Path file = edited(FIXTURE, m -> {
            GraphProto g = m.getGraph();
            GraphProto.Builder b = g.toBuilder().clearNode();
            String embeddings = "/model/Add_output_0";
            for (NodeProto n : g.getNodeList()) {
                NodeProto.Builder nb = n.toBuilder();
                for (int i = 0; i < nb.getInputCount(); i++)
                    if (nb.getInput(i).equals(embeddings) && !n.getOpType().equals("Identity")) nb.setInput(i, "chain_100000");
                b.addNode(nb);
                if (n.getOutputList().contains(embeddings))
                    for (int k = 1; k <= 100_000; k++)
                        b.addNode(NodeProto.newBuilder().setOpType("Identity").addInput(k == 1 ? embeddings : "chain_" + (k - 1))
                                .addOutput("chain_" + k));
            }
            return m.toBuilder().setGraph(b).build();
        });
        long t0 = System.nanoTime();
        // the recognizer alone: ONNX Runtime's own time on 100,000 nodes is not the importer's
        Gpt2Config c = OnnxImporter.recognize(Files.readAllBytes(file), "chain");
        report.publishEntry(String.format(Locale.ROOT, "100,000 Identities: recognized in %.2f s", (System.nanoTime() - t0) / 1e9));
        assertEquals(2, c.nLayer());
    }

    /** A graph that is nothing but a long chain: refused in one line, no StackOverflowError. */
    @Test
    void aChainOfIdentitiesAloneIsRefused() {
        Path file = edited(FIXTURE, m -> {
            GraphProto.Builder b = m.getGraph().toBuilder().clearNode();
            b.addNode(NodeProto.newBuilder().setOpType("Gather").addInput("model.wte.weight").addInput("input_ids").addOutput("c0"));
            for (int k = 1; k <= 100_000; k++)
                b.addNode(NodeProto.newBuilder().setOpType("Identity").addInput("c" + (k - 1)).addOutput(k == 100_000 ? "logits" : "c" + k));
            for (int i = b.getOutputCount() - 1; i > 0; i--) b.removeOutput(i);
            return m.toBuilder().setGraph(b).build();
        });
        assertSays(refusal(file), "expected the token embeddings to be added to the position embeddings");
    }

    /** 10,000 nodes each making a 4,096-element known tensor: the canonicalizer's value budget keeps it cheap. */
    @Test
    void aGraphOfLargeKnownTensorsStaysCheap(TestReporter report) {
        Path file = edited(FIXTURE, m -> {
            GraphProto.Builder b = m.getGraph().toBuilder();
            b.addInitializer(TensorData.longs("big_shape", new long[] {4096}, 1));
            String last = null;
            for (int k = 0; k < 10_000; k++) {
                b.addNode(NodeProto.newBuilder().setOpType("ConstantOfShape").addInput("big_shape").addOutput("z" + k)
                        .addAttribute(GraphWriter.tensorAttr("value", TensorData.floats("", new float[] {1f}, 1))));
                if (last != null) b.addNode(NodeProto.newBuilder().setOpType("Add").addInput(last).addInput("z" + k).addOutput("s" + k));
                last = last == null ? "z0" : "s" + k;
            }
            b.addOutput(GraphWriter.valueInfo(last, TensorProto.DataType.FLOAT, 4096));
            return m.toBuilder().setGraph(b).build();
        });
        long t0 = System.nanoTime();
        OnnxGraph g = OnnxFile.read(file, m -> {
            DecoderModel dm = DecoderModel.of(m, file.toString());
            return Canonicalizer.run(dm.graph, dm.opset, dm.file);
        });
        report.publishEntry(String.format(Locale.ROOT, "10,000 large known tensors canonicalized in %.2f s", (System.nanoTime() - t0) / 1e9));
        assertTrue(g.facts("s9999").reals() == null, "values past the budget are not kept");
        assertEquals(4096, g.facts("s9999").shape()[0].value(), "shapes still are");
    }

    @Test
    void hugeOrNegativeDimensionsAreRefusedBeforeAnyAllocation() {
        String fc = "model.h.0.mlp.c_fc.weight";
        assertSays(refusal(edited(FIXTURE, onInitializer(fc, t -> t.toBuilder().clearDims().addDims(1L << 40).addDims(1L << 40).build()))),
                "initializer '" + fc + "'", "more than");
        assertSays(refusal(edited(FIXTURE, onInitializer(fc, t -> t.toBuilder().setDims(0, -32).build()))),
                "initializer '" + fc + "'", "negative dimension");
        assertSays(refusal(edited(FIXTURE, onInitializer(fc, t -> t.toBuilder().setDims(0, Long.MAX_VALUE).build()))),
                "initializer '" + fc + "'", "more than");
        // dims that fit, data that does not match them
        assertSays(refusal(edited(FIXTURE, onInitializer(fc, t -> t.toBuilder().setDims(0, 33).build()))),
                "initializer '" + fc + "'", "bytes of raw data");
        // a Constant node's tensor with huge dims
        assertSays(refusal(edited(FIXTURE, m -> {
            GraphProto.Builder g = m.getGraph().toBuilder();
            for (int i = 0; i < g.getNodeCount(); i++)
                if (g.getNode(i).getOpType().equals("Constant")) {
                    NodeProto.Builder n = g.getNode(i).toBuilder();
                    n.setAttribute(0, n.getAttribute(0).toBuilder().setT(n.getAttribute(0).getT().toBuilder()
                            .clearDims().addDims(1L << 31).addDims(1L << 31).addDims(1L << 31)));
                    g.setNode(i, n);
                    break;
                }
            return m.toBuilder().setGraph(g).build();
        })), "attribute 'value'", "more than");
    }

    @Test
    void nonFiniteWeightsAreRefusedByName() {
        String fc = "model.h.1.mlp.c_fc.weight";
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            String msg = refusal(edited(FIXTURE, onInitializer(fc, t -> {
                ByteBuffer raw = ByteBuffer.allocate(t.getRawData().size()).order(ByteOrder.LITTLE_ENDIAN);
                raw.put(t.getRawData().asReadOnlyByteBuffer());
                raw.putFloat(4 * 77, bad);
                return t.toBuilder().setRawData(ByteString.copyFrom(raw.array())).build();
            })));
            assertSays(msg, "initializer '" + fc + "'", "at element 77", "must be finite");
        }
    }

    @Test
    void truncatedAndCorruptFilesAreOneLine(TestReporter report) throws IOException {
        byte[] all = Files.readAllBytes(TorchExports.named(FIXTURE).file());
        for (int cut : new int[] {1, 7, all.length / 10, all.length / 2, all.length - 1}) {
            Path f = Files.write(dir.resolve("cut" + cut + ".onnx"), Arrays.copyOf(all, cut));
            assertThrows(ModelFormatException.class, () -> OnnxImporter.load(f, "cut"), "cut at " + cut);
        }
        // single corrupted bytes anywhere: imported (a changed weight is still a model) or refused in one line
        SplittableRandom r = new SplittableRandom(13);
        int imported = 0, refused = 0;
        for (int trial = 0; trial < 16; trial++) {
            byte[] copy = all.clone();
            int at = r.nextInt(copy.length);
            copy[at] = (byte) r.nextInt(256);
            Path f = Files.write(dir.resolve("flip.onnx"), copy);
            try {
                OnnxImporter.load(f, "flip");
                imported++;
            } catch (UserError e) {
                assertFalse(e.getMessage().contains("\n"), e.getMessage());
                refused++;
            }
        }
        report.publishEntry(String.format(Locale.ROOT, "16 corrupted bytes: %d imported, %d refused", imported, refused));
    }

    /**
     * Many mutated files through the recognizer alone (no ONNX Runtime, as a fuzz target would call it): every one
     * is read as a GPT-2 or refused with a UserError, nothing else escapes.
     */
    @Test
    void mutatedFilesAreRecognizedOrRefusedNeverCrash(TestReporter report) throws IOException {
        byte[] all = Files.readAllBytes(TorchExports.named("optimum-opset13/decoder_model_merged.onnx").file());
        SplittableRandom r = new SplittableRandom(7);
        int recognized = 0;
        for (int trial = 0; trial < 100; trial++) {
            byte[] copy = trial % 10 == 9 ? Arrays.copyOf(all, r.nextInt(all.length)) : all.clone();
            for (int k = 1 + r.nextInt(4); k > 0 && copy.length > 0; k--) copy[r.nextInt(copy.length)] = (byte) r.nextInt(256);
            try {
                OnnxImporter.recognize(copy, "mutant-" + trial);
                recognized++;
            } catch (UserError e) {
                assertFalse(e.getMessage().contains("\n"), e.getMessage());
            }
        }
        report.publishEntry(String.format(Locale.ROOT, "100 mutants: %d recognized, %d refused", recognized, 100 - recognized));
    }

    /** Structure passes (a Where with a constant table), arithmetic does not: the mask lets positions see the future. */
    @Test
    void aMaskThatIsNotCausalIsCaughtByRunningIt() {
        String msg = refusal(edited(FIXTURE, causalTable((row, col) -> true)));
        assertSays(msg, "(Softmax)", "attention is not causal", "position 0 attends to the later position 1", "not a GPT-2 decoder");
    }

    /** A mask that hides key 0 from later rows is causal, but not GPT-2's: the first block that differs is named. */
    @Test
    void theFirstBlockThatDiffersIsNamed() {
        String msg = refusal(edited(FIXTURE, causalTable((row, col) -> col <= row && !(col == 0 && row > 0))));
        assertSays(msg, "ONNX Runtime running the file and the imported model differ from block h.0",
                "(node '/model/h.0/Add_1' (Add))", "a prefill of 8 tokens", "would compute something else than the file");
    }

    interface Mask {
        boolean visible(int row, int col);
    }

    /** Rewrites the causal-mask tables (bool Constants [1, 1, n, n]). */
    private static UnaryOperator<ModelProto> causalTable(Mask mask) {
        return m -> {
            GraphProto.Builder g = m.getGraph().toBuilder();
            int changed = 0;
            for (int i = 0; i < g.getNodeCount(); i++) {
                NodeProto n = g.getNode(i);
                if (!n.getOpType().equals("Constant")) continue;
                TensorProto t = n.getAttribute(0).getT();
                if (t.getDataType() != TensorProto.DataType.BOOL_VALUE || t.getDimsCount() != 4) continue;
                int size = (int) t.getDims(3);
                byte[] table = new byte[size * size];
                for (int row = 0; row < size; row++)
                    for (int col = 0; col < size; col++) table[row * size + col] = (byte) (mask.visible(row, col) ? 1 : 0);
                g.setNode(i, n.toBuilder().setAttribute(0, n.getAttribute(0).toBuilder()
                        .setT(t.toBuilder().setRawData(ByteString.copyFrom(table)))));
                changed++;
            }
            assertTrue(changed > 0, "the fixture has its causal mask as a Constant");
            return m.toBuilder().setGraph(g).build();
        };
    }
}
