package dev.fpgallm.onnx;

import dev.fpgallm.model.Block;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.model.LayerNormWeights;
import dev.fpgallm.model.Linear;
import dev.fpgallm.model.ModelFormatException;
import dev.fpgallm.onnx.Placement.Unit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Reads a GPT-2 out of an ONNX graph by walking its structure from {@code input_ids}: embeddings, then per block
 * LayerNorm -> QKV -> attention -> projection -> residual Add -> LayerNorm -> MLP with gelu_new -> residual Add,
 * until the LayerNorm whose dense layer has vocabulary-many outputs (the LM head). Names of initializers and nodes
 * play no part. Every node ends up with a {@link Placement}: the NPU instruction that covers it, or the host.
 */
final class Gpt2Matcher {
    /**
     * What was found: the weights, where each node of the canonical graph runs, and the values an import check
     * compares: the residual stream entering each block and the final LayerNorm ({@code residuals}, n_layer + 1
     * of them) and each attention's probabilities.
     */
    record Result(Gpt2Weights weights, Placement[] placements, List<String> residuals, List<String> probabilities) {
    }

    private static final Set<String> INDEX_PLUMBING = Set.of("Reshape", "Cast", "Unsqueeze", "Squeeze", "Identity");

    private final OnnxGraph g;
    private final int seqLen;
    private final Placement[] placed;
    private final List<Double> epsilons = new ArrayList<>();
    private final List<Block> blocks = new ArrayList<>();
    private final List<String> residuals = new ArrayList<>();
    private final List<String> probabilities = new ArrayList<>();
    private int d, vocab, heads = -1;

    private Gpt2Matcher(OnnxGraph g, int seqLen) {
        this.g = g;
        this.seqLen = seqLen;
        this.placed = new Placement[g.nodes.size()];
    }

    /** @param seqLen the sequence length the attention MACs are counted at */
    static Result match(OnnxGraph g, String name, int seqLen) {
        return new Gpt2Matcher(g, seqLen).run(name);
    }

    private Result run(String name) {
        if (!g.inputs.contains("input_ids"))
            throw new ModelFormatException(g.file + ": the graph has no input named input_ids (inputs: "
                    + String.join(", ", g.inputs.stream().sorted().toList()) + ")");
        // token and position embeddings, added
        int tokenGather = tokenEmbedding();
        String wteName = g.in(tokenGather, 0);
        long[] wteShape = g.initializerShape(wteName);
        vocab = Math.toIntExact(wteShape[0]);
        d = Math.toIntExact(wteShape[1]);
        float[] wte = g.weight(wteName, tokenGather, vocab, d);
        String tokens = g.out(tokenGather);
        List<Integer> adds = g.readers(tokens, "Add");
        if (adds.size() != 1 || g.other(adds.get(0), tokens) == null)
            throw g.error(tokenGather, "expected the token embeddings to be added to the position embeddings; "
                    + g.describeReaders(tokens));
        int embAdd = adds.get(0);
        int posGather = g.producerOf(g.other(embAdd, tokens));
        long[] wpeShape = posGather >= 0 && g.op(posGather).equals("Gather") ? g.initializerShape(g.in(posGather, 0)) : null;
        if (wpeShape == null || wpeShape.length != 2 || wpeShape[1] != d)
            throw g.error(embAdd, "expected its other operand to be a Gather from a position embedding table [n_positions, "
                    + d + "], found " + g.describe(g.other(embAdd, tokens)));
        float[] wpe = g.weight(g.in(posGather, 0), posGather, Math.toIntExact(wpeShape[0]), d);
        place(List.of(tokenGather, posGather, embAdd), Placement.host("embedding"));

        String r = g.out(embAdd);
        while (true) {
            residuals.add(r);
            if (blocks.size() >= 256)
                throw new ModelFormatException(g.file + ": more than 256 transformer blocks before an LM head");
            String layer = "h." + blocks.size();
            LayerNormPattern.Match ln = LayerNormPattern.find(g, r, d, layer + " ln_1 or ln_f");
            LinearPattern.Match first = LinearPattern.find(g, ln.output(), d, layer + " attn.c_attn or lm_head");
            if (first.linear().out() == vocab) {
                Gpt2Weights weights = head(name, ln, first, wte, wpe);
                placeTheRest();
                return new Result(weights, placed, List.copyOf(residuals), List.copyOf(probabilities));
            }
            r = block(layer, r, ln, first);
        }
    }

    /** One transformer block from its first LayerNorm and dense layer; returns the residual stream after it. */
    private String block(String layer, String r, LayerNormPattern.Match ln, LinearPattern.Match qkv) {
        if (qkv.linear().out() != 3 * d || !qkv.hasBias())
            throw g.error(qkv.product(), "expected the attention's QKV projection (" + d + " -> " + 3 * d
                    + ", with bias) or the LM head (" + d + " -> " + vocab + "), found " + d + " -> " + qkv.linear().out()
                    + (qkv.hasBias() ? "" : " without bias"));
        AttentionPattern.Match att = AttentionPattern.find(g, qkv.output(), d, qkv.product());
        if (heads > 0 && att.heads() != heads)
            throw g.error(att.scores(), "this layer has " + att.heads() + " heads, the first one " + heads);
        heads = att.heads();
        probabilities.add(g.out(att.softmax()));
        LinearPattern.Match proj = biased(LinearPattern.find(g, att.output(), d, layer + " attn.c_proj"), d, d);
        int add1 = residual(r, proj);
        LayerNormPattern.Match ln2 = LayerNormPattern.find(g, g.out(add1), d, layer + " ln_2");
        LinearPattern.Match fc = biased(LinearPattern.find(g, ln2.output(), d, layer + " mlp.c_fc"), d, 4 * d);
        GeluPattern.Match act = GeluPattern.find(g, fc.output(), fc.product());
        LinearPattern.Match mlpProj = biased(LinearPattern.find(g, act.output(), 4 * d, layer + " mlp.c_proj"), 4 * d, d);
        int add2 = residual(g.out(add1), mlpProj);

        place(ln.nodes(), new Placement(Unit.LAYERNORM, layer + " ln_1", 0));
        placeLinear(qkv, layer + " attn.c_attn");
        long headMacs = (long) att.heads() * att.headDim() * seqLen;
        place(att.nodes(), new Placement(Unit.ATTENTION, layer + " attn", 0));
        placed[att.scores()] = new Placement(Unit.ATTENTION, layer + " attn (Q.K^T)", headMacs);
        placed[att.context()] = new Placement(Unit.ATTENTION, layer + " attn (P.V)", headMacs);
        placeLinear(proj, layer + " attn.c_proj");
        place(List.of(add1), Placement.gemm(layer + " attn.c_proj (residual)", 0));
        place(ln2.nodes(), new Placement(Unit.LAYERNORM, layer + " ln_2", 0));
        placeLinear(fc, layer + " mlp.c_fc");
        place(act.nodes(), Placement.gemm(layer + " mlp.c_fc (GELU)", 0));
        placeLinear(mlpProj, layer + " mlp.c_proj");
        place(List.of(add2), Placement.gemm(layer + " mlp.c_proj (residual)", 0));
        epsilons.add(ln.epsilon());
        epsilons.add(ln2.epsilon());

        blocks.add(new Block(new LayerNormWeights(ln.gamma(), ln.beta()), qkvInOrder(qkv.linear(), att.roleOfPart(), d),
                proj.linear(), new LayerNormWeights(ln2.gamma(), ln2.beta()), fc.linear(), mlpProj.linear()));
        return g.out(add2);
    }

    /** The final LayerNorm and the LM head (no bias, output logits) close the model. */
    private Gpt2Weights head(String name, LayerNormPattern.Match ln, LinearPattern.Match head, float[] wte, float[] wpe) {
        if (head.hasBias()) throw g.error(head.product(), "the LM head has a bias; GPT-2's has none");
        if (blocks.isEmpty()) throw g.error(head.product(), "the model has no transformer blocks before the LM head");
        if (!g.outputs.contains(head.output()))
            throw g.error(head.product(), "the LM head's output '" + head.output() + "' is not a graph output");
        place(ln.nodes(), new Placement(Unit.LAYERNORM, "ln_f", 0));
        placeLinear(head, "lm_head");
        epsilons.add(ln.epsilon());
        // a head equal to wte is tied (also when an exporter stored a transposed copy): share the array
        float[] lmHead = Arrays.equals(head.linear().weight(), wte) ? wte : head.linear().weight();
        Gpt2Config config = new Gpt2Config(name, blocks.size(), d, heads, wpe.length / d, vocab, epsilon(), "gelu_new");
        return new Gpt2Weights(config, wte, wpe, blocks, new LayerNormWeights(ln.gamma(), ln.beta()), lmHead);
    }

    /** The Gather from a 2-D initializer whose indices are input_ids (possibly reshaped or cast). */
    private int tokenEmbedding() {
        List<Integer> found = new ArrayList<>();
        for (int i = 0; i < g.nodes.size(); i++) {
            if (!g.op(i).equals("Gather")) continue;
            long[] table = g.initializerShape(g.in(i, 0));
            if (table == null || table.length != 2) continue;
            String idx = g.in(i, 1);
            // a few reshapes or casts at most (no-ops are gone already): a bounded walk
            for (int p = g.producerOf(idx), steps = 0; p >= 0 && INDEX_PLUMBING.contains(g.op(p)) && steps < 16;
                 p = g.producerOf(idx), steps++) idx = g.in(p, 0);
            if (idx.equals("input_ids")) found.add(i);
        }
        if (found.size() != 1)
            throw new ModelFormatException(g.file + ": expected one Gather of input_ids from a token embedding table "
                    + "[vocab, n_embd], found " + found.size());
        return found.get(0);
    }

    private LinearPattern.Match biased(LinearPattern.Match m, int in, int out) {
        if (m.linear().out() != out || !m.hasBias())
            throw g.error(m.product(), "expected a dense layer " + in + " -> " + out + " with bias, found " + in + " -> "
                    + m.linear().out() + (m.hasBias() ? "" : " without bias"));
        return m;
    }

    /** The Add of the residual stream {@code r} and a layer's output. */
    private int residual(String r, LinearPattern.Match layer) {
        String y = layer.output();
        List<Integer> adds = g.readers(y, "Add").stream().filter(n -> r.equals(g.other(n, y))).toList();
        if (adds.size() != 1 || g.readers(y).size() != 1)
            throw g.error(layer.product(), "expected the residual Add of its output and " + g.describe(r) + "; "
                    + g.describeReaders(y));
        return adds.get(0);
    }

    /** Reorders the Split's column blocks into Q | K | V, the layout every backend reads. */
    private static Linear qkvInOrder(Linear qkv, int[] roleOfPart, int d) {
        if (Arrays.equals(roleOfPart, new int[] {0, 1, 2})) return qkv;
        float[] w = new float[qkv.weight().length], b = new float[3 * d];
        for (int part = 0; part < 3; part++) {
            int role = roleOfPart[part];
            System.arraycopy(qkv.weight(), part * d * d, w, role * d * d, d * d);
            System.arraycopy(qkv.bias(), part * d, b, role * d, d);
        }
        return new Linear(d, 3 * d, w, b);
    }

    private double epsilon() {
        double first = epsilons.get(0);
        for (double e : epsilons)
            if ((float) e != (float) first)
                throw new ModelFormatException(g.file + ": LayerNorm epsilons differ between layers (" + first + " and "
                        + e + "); GPT-2 has one");
        // the graph holds a float32: read it back as the decimal it was written from (1e-5, not 9.99999974e-6)
        return Double.parseDouble(Float.toString((float) first));
    }

    private void placeLinear(LinearPattern.Match m, String role) {
        place(m.nodes(), Placement.gemm(role, 0));
        placed[m.product()] = Placement.gemm(role, (long) m.linear().in() * m.linear().out());
    }

    private void place(List<Integer> nodes, Placement p) {
        for (int n : nodes) {
            if (placed[n] != null && !placed[n].role().equals(p.role()))
                throw g.error(n, "belongs both to " + placed[n].role() + " and to " + p.role());
            placed[n] = p;
        }
    }

    /** Nodes the walk did not claim compute shapes and the mask from input sizes and attention_mask: the host's. */
    private void placeTheRest() {
        for (int i = 0; i < placed.length; i++) {
            if (placed[i] != null) continue;
            placed[i] = Placement.host(g.op(i).equals("Gather") && g.storedAs.containsKey(g.in(i, 0))
                    ? "embedding" : "shape/mask plumbing");
        }
    }
}
