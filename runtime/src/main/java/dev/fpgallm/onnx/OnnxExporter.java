package dev.fpgallm.onnx;

import static dev.fpgallm.onnx.GraphWriter.floatAttr;
import static dev.fpgallm.onnx.GraphWriter.intAttr;
import static dev.fpgallm.onnx.GraphWriter.intsAttr;
import static dev.fpgallm.onnx.GraphWriter.stringAttr;

import dev.fpgallm.model.Block;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.model.LayerNormWeights;
import dev.fpgallm.model.Linear;
import dev.fpgallm.onnx.proto.Onnx.ModelProto;
import dev.fpgallm.onnx.proto.Onnx.OperatorSetIdProto;
import dev.fpgallm.onnx.proto.Onnx.TensorProto.DataType;
import java.lang.foreign.Arena;
import java.util.List;

/**
 * Writes a GPT-2 as an ONNX graph with a KV cache, with the inputs and outputs Hugging Face optimum gives its
 * decoder-with-past exports: {@code input_ids}, {@code attention_mask}, {@code position_ids},
 * {@code past_key_values.N.key/.value} [batch, n_head, past, head_dim] (empty for a prefill) in; {@code logits},
 * {@code present.N.key/.value} out. The graph computes exactly what the {@code ref} backend does: pre-LN blocks,
 * scores / sqrt(head_dim), causal + padding mask, gelu_new in its tanh form, LayerNorm epsilon from the config.
 */
public final class OnnxExporter {
    /** Added to every masked score before the softmax: float32's lowest value, as Hugging Face does. */
    static final float MASKED = -Float.MAX_VALUE;
    public static final String PRODUCER = "fpga-llm";

    private OnnxExporter() {
    }

    /**
     * The model as an ONNX ModelProto. Its weight bytes live in {@code arena} (native memory, not the Java heap):
     * write or serialize the model before the arena closes.
     */
    public static ModelProto export(Gpt2Weights w, ExportStyle style, Arena arena) {
        OnnxFile.checkFits(estimatedBytes(w));
        Gpt2Config c = w.config();
        GraphWriter g = new GraphWriter(c.name(), style.anonymousNames(), arena);
        new Emitter(g, w, style).graph();
        return ModelProto.newBuilder()
                .setIrVersion(style.irVersion())
                .setProducerName(PRODUCER)
                .setProducerVersion(version())
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(style.opset()))
                .setGraph(g.build())
                .build();
    }

    /** Bytes the weights take as FP32 initializers (the LM head once when tied), to refuse a model over 2 GiB early. */
    public static long estimatedBytes(Gpt2Weights w) {
        return estimatedBytes(w.config(), w.tiedLmHead());
    }

    public static long estimatedBytes(Gpt2Config c, boolean tied) {
        long params = c.parameterCount() + (tied ? 0 : (long) c.vocabSize() * c.nEmbd());
        return 4 * params;
    }

    /** producer_version: the fpga-llm version and commit that wrote the graph. */
    static String version() {
        return dev.fpgallm.BuildInfo.current().version() + " (commit " + dev.fpgallm.BuildInfo.current().shortCommit() + ")";
    }

    /** Emits the nodes of one graph; a class so the per-model sizes need not be passed to every method. */
    private static final class Emitter {
        private final GraphWriter g;
        private final Gpt2Weights w;
        private final ExportStyle style;
        private final int d, heads, headDim, vocab;

        Emitter(GraphWriter g, Gpt2Weights w, ExportStyle style) {
            this.g = g;
            this.w = w;
            this.style = style;
            Gpt2Config c = w.config();
            d = c.nEmbd();
            heads = c.nHead();
            headDim = c.headDim();
            vocab = c.vocabSize();
        }

        void graph() {
            Gpt2Config c = w.config();
            g.input("input_ids", DataType.INT64, "batch_size", "sequence_length");
            g.input("attention_mask", DataType.INT64, "batch_size", "past_sequence_length + sequence_length");
            g.input("position_ids", DataType.INT64, "batch_size", "sequence_length");
            for (int l = 0; l < c.nLayer(); l++)
                for (String kind : List.of("key", "value"))
                    g.input("past_key_values." + l + "." + kind, DataType.FLOAT, "batch_size", heads, "past_sequence_length", headDim);
            g.output("logits", DataType.FLOAT, "batch_size", "sequence_length", vocab);
            for (int l = 0; l < c.nLayer(); l++)
                for (String kind : List.of("key", "value"))
                    g.output("present." + l + "." + kind, DataType.FLOAT, "batch_size", heads,
                            "past_sequence_length + sequence_length", headDim);

            String wte = g.weight("transformer.wte.weight", "Gather", w.wte(), vocab, d);
            String wpe = g.weight("transformer.wpe.weight", "Gather", w.wpe(), c.nPositions(), d);
            String tokens = g.node("Gather", "/transformer/wte/Gather", wte, "input_ids");
            String positions = g.node("Gather", "/transformer/wpe/Gather", wpe, "position_ids");
            String h = g.node("Add", "/transformer/Add", tokens, positions);
            String allowed = causalMask();
            for (int l = 0; l < c.nLayer(); l++) h = block(l, h, allowed);
            String x = layerNorm("/transformer/ln_f", "transformer.ln_f", h, w.lnF());
            head(x, wte);
        }

        /** [batch, 1, S, past + S] booleans: key t is visible to query row r when t <= past + r and not padding. */
        private String causalMask() {
            String one = g.constLong("/Constant_one", 1);
            String zero = g.constLong("/Constant_zero", 0);
            String s = g.node("Gather", "/mask/Gather_S", List.of(intAttr("axis", 0)),
                    g.node("Shape", "/mask/Shape_ids", "input_ids"), one);
            String t = g.node("Gather", "/mask/Gather_T", List.of(intAttr("axis", 0)),
                    g.node("Shape", "/mask/Shape_mask", "attention_mask"), one);
            String past = g.node("Sub", "/mask/Sub_past", t, s);
            String queries = g.node("Range", "/mask/Range_queries", past, t, one);
            String keys = g.node("Range", "/mask/Range_keys", zero, t, one);
            String queryColumn = g.node("Unsqueeze", "/mask/Unsqueeze_queries", queries, g.constLongs("/mask/axes1", new long[] {1}, 1));
            String keyRow = g.node("Unsqueeze", "/mask/Unsqueeze_keys", keys, g.constLongs("/mask/axes0", new long[] {0}, 1));
            String causal = g.node("LessOrEqual", "/mask/LessOrEqual", keyRow, queryColumn);
            String keep = g.node("Cast", "/mask/Cast", List.of(intAttr("to", DataType.BOOL.getNumber())), "attention_mask");
            String keep4 = g.node("Unsqueeze", "/mask/Unsqueeze_keep", keep, g.constLongs("/mask/axes12", new long[] {1, 2}, 2));
            return g.node("And", "/mask/And", causal, keep4);
        }

        private String block(int l, String h, String allowed) {
            Block b = w.blocks().get(l);
            String p = "/transformer/h." + l;
            String hf = "transformer.h." + l + ".";
            String x = layerNorm(p + "/ln_1", hf + "ln_1", h, b.ln1());
            String qkv = linear(p + "/attn/c_attn", hf + "attn.c_attn", x, b.attnQkv());
            String[] parts = g.multi(3, "Split", p + "/attn/Split", List.of(intAttr("axis", 2)),
                    qkv, g.constLongs(p + "/attn/split", new long[] {d, d, d}, 3));
            String q = splitHeads(p + "/attn/q", parts[0]);
            String k = splitHeads(p + "/attn/k", parts[1]);
            String v = splitHeads(p + "/attn/v", parts[2]);
            String keys = g.nodeTo("present." + l + ".key", "Concat", p + "/attn/Concat_key", List.of(intAttr("axis", 2)),
                    "past_key_values." + l + ".key", k);
            String values = g.nodeTo("present." + l + ".value", "Concat", p + "/attn/Concat_value", List.of(intAttr("axis", 2)),
                    "past_key_values." + l + ".value", v);
            String keysT = g.node("Transpose", p + "/attn/Transpose_key", List.of(intsAttr("perm", 0, 1, 3, 2)), keys);
            String scores = g.node("MatMul", p + "/attn/MatMul_scores", q, keysT);
            String scaled = g.node("Div", p + "/attn/Div", scores, style.torchShapes()
                    ? g.node("Pow", p + "/attn/Pow", g.node("Cast", p + "/attn/Cast", List.of(intAttr("to", DataType.FLOAT.getNumber())),
                            g.node("Gather", p + "/attn/Gather_head_dim", List.of(intAttr("axis", 0)),
                                    g.node("Shape", p + "/attn/Shape", values), g.constLong(p + "/attn/last", -1))),
                            g.constFloat(p + "/attn/half", 0.5f))
                    : g.constFloat(p + "/attn/sqrt_head_dim", (float) Math.sqrt(headDim)));
            String masked = g.node("Where", p + "/attn/Where", allowed, scaled, g.constFloat(p + "/attn/masked", MASKED));
            String probs = g.node("Softmax", p + "/attn/Softmax", List.of(intAttr("axis", -1)), masked);
            String context = g.node("MatMul", p + "/attn/MatMul_context", probs, values);
            String contextT = g.node("Transpose", p + "/attn/Transpose_merge", List.of(intsAttr("perm", 0, 2, 1, 3)), context);
            String mergedShape = style.torchShapes()
                    ? g.node("Concat", p + "/attn/Concat_merge", List.of(intAttr("axis", 0)), size(p + "/attn/batch", contextT, 0),
                            size(p + "/attn/seq", contextT, 1), g.constLongs(p + "/attn/width", new long[] {d}, 1))
                    : g.constLongs(p + "/attn/merged_shape", new long[] {0, 0, d}, 3);
            String merged = g.node("Reshape", p + "/attn/Reshape_merge", contextT, mergedShape);
            String attn = linear(p + "/attn/c_proj", hf + "attn.c_proj", merged, b.attnProj());
            String h1 = g.node("Add", p + "/Add_attn", h, attn);
            x = layerNorm(p + "/ln_2", hf + "ln_2", h1, b.ln2());
            String fc = linear(p + "/mlp/c_fc", hf + "mlp.c_fc", x, b.mlpFc());
            String act = gelu(p + "/mlp/act", fc);
            String mlp = linear(p + "/mlp/c_proj", hf + "mlp.c_proj", act, b.mlpProj());
            return g.node("Add", p + "/Add_mlp", h1, mlp);
        }

        /** [batch, S, d] -> [batch, heads, S, head_dim]. */
        private String splitHeads(String p, String x) {
            String shape = style.torchShapes()
                    ? g.node("Concat", p + "/Concat", List.of(intAttr("axis", 0)), size(p + "/batch", x, 0), size(p + "/seq", x, 1),
                            g.constLongs(p + "/heads", new long[] {heads}, 1), g.constLongs(p + "/head_dim", new long[] {headDim}, 1))
                    : g.constLongs(p + "/heads_shape", new long[] {0, 0, heads, headDim}, 4);
            String r = g.node("Reshape", p + "/Reshape", x, shape);
            return g.node("Transpose", p + "/Transpose", List.of(intsAttr("perm", 0, 2, 1, 3)), r);
        }

        private String layerNorm(String p, String hfName, String x, LayerNormWeights ln) {
            float eps = (float) w.config().layerNormEpsilon();
            String gamma = g.weight(hfName + ".weight", "Mul", ln.gamma(), d);
            String beta = g.weight(hfName + ".bias", "Add", ln.beta(), d);
            if (!style.unfusedLayerNorm())
                return g.node("LayerNormalization", p + "/LayerNormalization",
                        List.of(intAttr("axis", -1), floatAttr("epsilon", eps)), x, gamma, beta);
            String mean = reduceMean(p + "/ReduceMean", x);
            String centered = g.node("Sub", p + "/Sub", x, mean);
            String squared = g.node("Pow", p + "/Pow", centered, g.constFloat(p + "/two", 2f));
            String variance = reduceMean(p + "/ReduceMean_1", squared);
            String std = g.node("Sqrt", p + "/Sqrt", g.node("Add", p + "/Add", variance, g.constFloat(p + "/eps", eps)));
            String normed = g.node("Div", p + "/Div", centered, std);
            return g.node("Add", p + "/Add_1", g.node("Mul", p + "/Mul", normed, gamma), beta);
        }

        /** Mean over the last axis, kept; the axes moved from an attribute to an input in opset 18. */
        private String reduceMean(String name, String x) {
            if (style.opset() < 18)
                return g.node("ReduceMean", name, List.of(intsAttr("axes", -1), intAttr("keepdims", 1)), x);
            return g.node("ReduceMean", name, List.of(intAttr("keepdims", 1)), x, g.constLongs(name + "/axes", new long[] {-1}, 1));
        }

        /** gelu_new: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), as PyTorch exports it, or one Gelu node. */
        private String gelu(String p, String x) {
            if (style.geluOp()) return g.node("Gelu", p + "/Gelu", List.of(stringAttr("approximate", "tanh")), x);
            String half = g.node("Mul", p + "/Mul", x, g.constFloat(p + "/half", 0.5f));
            String cube = g.node("Pow", p + "/Pow", x, g.constFloat(p + "/three", 3f));
            String inner = g.node("Add", p + "/Add", x, g.node("Mul", p + "/Mul_1", cube, g.constFloat(p + "/c", 0.044715f)));
            String scaled = g.node("Mul", p + "/Mul_2", inner, g.constFloat(p + "/sqrt_2_over_pi", (float) Math.sqrt(2 / Math.PI)));
            String onePlus = g.node("Add", p + "/Add_1", g.node("Tanh", p + "/Tanh", scaled), g.constFloat(p + "/one", 1f));
            return g.node("Mul", p + "/Mul_3", half, onePlus);
        }

        /** y = x W + b: MatMul on the Conv1D [in][out] weight + Add, or Gemm(transB=1) on [out][in] between Reshapes. */
        private String linear(String p, String hfName, String x, Linear layer) {
            if (style.gemm()) {
                String flat = g.node("Reshape", p + "/Reshape", x, flatShape(p, x, layer.in()));
                String weight = g.weight(hfName + ".weight", "Gemm", layer.weight(), layer.out(), layer.in());
                String bias = g.weight(hfName + ".bias", "Gemm", layer.bias(), layer.out());
                String y = g.node("Gemm", p + "/Gemm", List.of(intAttr("transB", 1)), flat, weight, bias);
                return unflatten(p, x, y, layer.out());
            }
            String weight = g.weight(hfName + ".weight", "MatMul", layer.toConv1D(), layer.in(), layer.out());
            String bias = g.weight(hfName + ".bias", "Add", layer.bias(), layer.out());
            String product = g.node("MatMul", p + "/MatMul", x, weight);
            // PyTorch's addmm puts the bias first; the named style keeps it second: both orders occur in the wild.
            return style.anonymousNames() ? g.node("Add", p + "/Add", bias, product) : g.node("Add", p + "/Add", product, bias);
        }

        /** x.size(axis) as a 1-element shape operand: Unsqueeze(Gather(Shape(x), axis)). */
        private String size(String p, String x, long axis) {
            String dim = g.node("Gather", p + "/Gather", List.of(intAttr("axis", 0)), g.node("Shape", p + "/Shape", x),
                    g.constLong(p + "/axis", axis));
            return g.node("Unsqueeze", p + "/Unsqueeze", dim, g.constLongs(p + "/axes", new long[] {0}, 1));
        }

        /** [-1, in]: a constant, or PyTorch's x.view(-1, x.size(-1)). */
        private String flatShape(String p, String x, int in) {
            if (!style.torchShapes()) return g.constLongs(p + "/flat", new long[] {-1, in}, 2);
            return g.node("Concat", p + "/Concat_flat", List.of(intAttr("axis", 0)),
                    g.constLongs(p + "/minus_one", new long[] {-1}, 1), size(p + "/width", x, -1));
        }

        /** [batch * S, n] back to [batch, S, n], the batch and S taken from x's shape. */
        private String unflatten(String p, String x, String y, int n) {
            String batchAndSeq = g.node("Shape", p + "/Shape", List.of(intAttr("end", 2)), x);
            String shape = g.node("Concat", p + "/Concat", List.of(intAttr("axis", 0)), batchAndSeq,
                    g.constLongs(p + "/width", new long[] {n}, 1));
            return g.node("Reshape", p + "/Reshape_1", y, shape);
        }

        /** logits = x . head^T; a tied head reads wte through a Transpose, an untied one has its own weight. */
        private void head(String x, String wte) {
            if (style.torchShapes()) {
                // hidden_states.view(output_shape), then a MatMul on a transposed copy of the head (tied or not)
                String view = g.node("Reshape", "/transformer/Reshape_out", x, g.node("Concat", "/transformer/Concat_out",
                        List.of(intAttr("axis", 0)), size("/transformer/out_batch", x, 0), size("/transformer/out_seq", x, 1),
                        size("/transformer/out_width", x, -1)));
                float[] headT = new Linear(d, vocab, w.lmHead(), null).toConv1D();
                g.nodeTo("logits", "MatMul", "/lm_head/MatMul", List.of(), view, g.weight("lm_head.weight", "MatMul", headT, d, vocab));
                return;
            }
            if (style.gemm()) {
                String weight = w.tiedLmHead() ? wte : g.weight("lm_head.weight", "Gemm", w.lmHead(), vocab, d);
                String flat = g.node("Reshape", "/lm_head/Reshape", x, flatShape("/lm_head", x, d));
                String y = g.node("Gemm", "/lm_head/Gemm", List.of(intAttr("transB", 1)), flat, weight);
                String batchAndSeq = g.node("Shape", "/lm_head/Shape", List.of(intAttr("end", 2)), x);
                String shape = g.node("Concat", "/lm_head/Concat", List.of(intAttr("axis", 0)), batchAndSeq,
                        g.constLongs("/lm_head/width", new long[] {vocab}, 1));
                g.nodeTo("logits", "Reshape", "/lm_head/Reshape_1", List.of(), y, shape);
                return;
            }
            String weightT;
            if (w.tiedLmHead())
                weightT = g.node("Transpose", "/lm_head/Transpose", List.of(intsAttr("perm", 1, 0)), wte);
            else if (style.anonymousNames())   // PyTorch stores a Linear's weight pre-transposed for MatMul
                weightT = g.weight("lm_head.weight", "MatMul", new Linear(d, vocab, w.lmHead(), null).toConv1D(), d, vocab);
            else
                weightT = g.node("Transpose", "/lm_head/Transpose", List.of(intsAttr("perm", 1, 0)),
                        g.weight("lm_head.weight", "Transpose", w.lmHead(), vocab, d));
            g.nodeTo("logits", "MatMul", "/lm_head/MatMul", List.of(), x, weightT);
        }
    }
}
