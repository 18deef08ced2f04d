package dev.fpgallm.compiler;

import dev.fpgallm.UserError;
import dev.fpgallm.model.Block;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.model.LayerNormWeights;
import dev.fpgallm.model.Linear;
import dev.fpgallm.npu.isa.Attention;
import dev.fpgallm.npu.isa.Gemm;
import dev.fpgallm.npu.isa.Instruction;
import dev.fpgallm.npu.isa.Isa;
import dev.fpgallm.npu.isa.LayerNorm;
import dev.fpgallm.npu.isa.Program;
import dev.fpgallm.npu.isa.ProgramHeader;
import dev.fpgallm.quant.ActivationScales;
import dev.fpgallm.quant.Precision;
import dev.fpgallm.quant.Requantizer;
import dev.fpgallm.reference.ReferenceModel;
import dev.fpgallm.compiler.Operands.In;
import dev.fpgallm.compiler.Operands.Normed;
import dev.fpgallm.compiler.Operands.Out;
import dev.fpgallm.compiler.Operands.Rows;
import java.util.ArrayList;
import java.util.List;

/**
 * Compiles a GPT-2 into one NPU program. Per layer:
 * <pre>
 *   LAYERNORM  resA -> norm            (ln_1)
 *   GEMM       norm -> qkv             (c_attn; Q, K, V each with its own scale)
 *   ATTENTION  qkv  -> ctx             (appends K, V to layer l's cache)
 *   GEMM       ctx  -> resB  + resA    (attn c_proj, residual fused)
 *   LAYERNORM  resB -> norm            (ln_2)
 *   GEMM       norm -> hidden, GELU    (c_fc, GELU by table)
 *   GEMM       hidden -> resA + resB   (mlp c_proj, residual fused)
 * </pre>
 * then LAYERNORM resA -> norm (ln_f, last row only when generating) and the LM-head GEMM -> logits (INT32).
 * The same program serves a prefill of any M <= maxTokens tokens and every decode step: M and the position are
 * kernel arguments.
 * <p>
 * Layers chosen for FP16 fallback run on the host instead (the kernel has no floating point): the program is cut
 * into segments at them, one program per run of NPU layers, the last one always ending with ln_f and the LM head.
 * Their weights are not packed. Without FP16 layers there is exactly one segment, as before.
 */
public final class NpuCompiler {
    private static final double LOG2E = 1.0 / Math.log(2);

    /**
     * @param maxTokens the most rows one launch may carry (the longest prefill)
     * @param maxSeq    KV-cache positions
     * @param allLogits compute logits for every row (the {@code logits --prefill} case) instead of the last one
     */
    public record Options(int maxTokens, int maxSeq, boolean allLogits, List<Integer> fp16Layers) {
        public Options {
            fp16Layers = List.copyOf(new java.util.TreeSet<>(fp16Layers));
        }

        public Options(int maxTokens, int maxSeq, boolean allLogits) {
            this(maxTokens, maxSeq, allLogits, List.of());
        }
    }

    private final Gpt2Config c;
    private final Gpt2Weights w;
    private final ActivationScales s;
    private final Options options;
    private final ParamsWriter params = new ParamsWriter();
    private final int narrow;
    private byte[][] weights;      // the four weight buffers, filled as the GEMMs are emitted
    private long weightOffset;     // where the next GEMM's matrix goes in each of them

    private NpuCompiler(Gpt2Weights w, ActivationScales s, Options options) {
        this.c = w.config();
        this.w = w;
        this.s = s;
        this.options = options;
        this.narrow = s.precision() == Precision.W8A8 ? Isa.OUT_INT8 : Isa.OUT_INT16;
    }

    public static CompiledModel compile(Gpt2Weights w, ActivationScales s, Options options) {
        if (options.maxTokens() < 1 || options.maxTokens() > options.maxSeq())
            throw new IllegalArgumentException("maxTokens " + options.maxTokens() + " outside 1..maxSeq " + options.maxSeq());
        for (int l : options.fp16Layers())
            if (l < 0 || l >= w.config().nLayer())
                throw new IllegalArgumentException("FP16 layer " + l + " outside 0.." + (w.config().nLayer() - 1));
        NpuLimits.check(w.config(), options.maxSeq(), options.allLogits());
        return new NpuCompiler(w, s, options).compile();
    }

    private CompiledModel compile() {
        int d = c.nEmbd(), layers = c.nLayer(), vocabPadded = MemoryPlan.padVocab(c.vocabSize());
        // Weights: each matrix at the same offset in all four buffers (NpuLimits has checked that they fit).
        long weightBytes = NpuLimits.weightBytes(c, layers - options.fp16Layers().size());
        weights = new byte[4][(int) weightBytes];

        MemoryPlan probe = MemoryPlan.of(c, options.maxTokens(), options.maxSeq(), 1, 0, 0, 0);
        Rows resA = new Rows(probe.resA(), probe.dStride()), resB = new Rows(probe.resB(), probe.dStride()),
                norm = new Rows(probe.norm(), probe.dStride()), qkv = new Rows(probe.qkv(), probe.qkvStride()),
                ctx = new Rows(probe.ctx(), probe.dStride()), hidden = new Rows(probe.hidden(), probe.hiddenStride()),
                logits = new Rows(0, probe.logitStride());
        List<List<Instruction>> segments = new ArrayList<>();
        List<int[]> spans = new ArrayList<>(); // per segment: first layer, end layer
        List<Instruction> program = new ArrayList<>();
        int first = 0;
        for (int l = 0; l < layers; l++) {
            if (options.fp16Layers().contains(l)) {
                if (!program.isEmpty()) {
                    segments.add(program);
                    spans.add(new int[] {first, l});
                    program = new ArrayList<>();
                }
                first = l + 1;
                continue;
            }
            Block b = w.blocks().get(l);
            // x = x + attn(ln_1(x)): the residual resA, the sum in resB
            program.add(layerNorm(b.ln1(), Isa.ROWS_ALL, new In(resA, s.residual()[l]), new Normed(norm, s.ln1()[l])));
            program.add(gemm(b.attnQkv(), Isa.ROWS_ALL, new In(norm, s.ln1()[l]), new Out(qkv, narrow, qkvScales(l))));
            program.add(attention(l, probe));
            program.add(gemm(b.attnProj(), Isa.ROWS_ALL, new In(ctx, s.attention()[l]),
                    new Out(resB, Isa.OUT_INT16, d, s.mid()[l]).plus(new In(resA, s.residual()[l]))));
            // x = x + mlp(ln_2(x)): back into resA. The pre-activation is requantized to INT16 at the fc scale; the
            // GELU table maps it to the output type.
            program.add(layerNorm(b.ln2(), Isa.ROWS_ALL, new In(resB, s.mid()[l]), new Normed(norm, s.ln2()[l])));
            program.add(gemm(b.mlpFc(), Isa.ROWS_ALL, new In(norm, s.ln2()[l]),
                    new Out(hidden, narrow, 4 * d, s.fc()[l]).gelu(s.gelu()[l])));
            program.add(gemm(b.mlpProj(), Isa.ROWS_ALL, new In(hidden, s.gelu()[l]),
                    new Out(resA, Isa.OUT_INT16, d, s.residual()[l + 1]).plus(new In(resB, s.mid()[l]))));
        }
        // logits = lm_head(ln_f(x)), of the last row only unless every row's logits are wanted
        boolean all = options.allLogits();
        program.add(layerNorm(w.lnF(), all ? Isa.ROWS_ALL : Isa.ROWS_LAST, new In(resA, s.residual()[layers]),
                new Normed(norm, s.lnF())));
        Linear head = new Linear(d, c.vocabSize(), w.lmHead(), null);
        program.add(gemm(head, all ? Isa.ROWS_ALL : Isa.ROWS_FIRST, new In(norm, s.lnF()),
                new Out(logits, Isa.OUT_INT32, vocabPadded, s.logit())));

        segments.add(program);
        spans.add(new int[] {first, layers});

        int logitRows = all ? options.maxTokens() : 1;
        long programBytes = 0;
        for (List<Instruction> p : segments) programBytes += 4L * (Isa.HEADER_WORDS + Isa.INSTRUCTION_WORDS * p.size());
        MemoryPlan plan = MemoryPlan.of(c, options.maxTokens(), options.maxSeq(), logitRows, weightBytes,
                params.bytes(), programBytes);
        List<CompiledModel.Segment> compiled = new ArrayList<>();
        for (int i = 0; i < segments.size(); i++) {
            List<Instruction> p = segments.get(i);
            ProgramHeader header = new ProgramHeader(p.size(), plan.weightsBytes(), plan.paramsBytes(),
                    plan.actBytes(), plan.kvBytes(), plan.logitsBytes(), options.maxTokens(), options.maxSeq());
            compiled.add(new CompiledModel.Segment(new Program(header, p), spans.get(i)[0], spans.get(i)[1],
                    i == segments.size() - 1));
        }
        return new CompiledModel(c, plan, compiled, weights, params.toBytes(), s);
    }

    /** Q, K and V segments of c_attn's output each keep their own scale. */
    private double[] qkvScales(int l) {
        int d = c.nEmbd();
        double[] qkvOut = new double[3 * d];
        for (int i = 0; i < d; i++) {
            qkvOut[i] = s.q()[l];
            qkvOut[d + i] = s.k()[l];
            qkvOut[2 * d + i] = s.v()[l];
        }
        return qkvOut;
    }

    /**
     * Packs a layer's weights at the next weight offset, writes its per-channel {bias, requantizer} records (and
     * its GELU table) and returns the instruction. The GEMM has as many output channels as {@code y} has scales
     * (the LM head's vocabulary is padded; the padding channels get bias 0 and multiplier 0).
     */
    private Gemm gemm(Linear layer, int rows, In x, Out y) {
        int n = y.scales().length, k = layer.in();
        long wOff = weightOffset;
        double[] ws = WeightPacker.pack(weights, wOff, layer.weight(), layer.out(), n, k);
        weightOffset += WeightPacker.bytesPerBuffer(layer.out(), k);
        int[] record = new int[2 * n];
        for (int o = 0; o < n; o++) {
            if (o >= layer.out()) continue; // padding channel: bias 0, multiplier 0
            double accScale = x.scale() * ws[o];
            double bias = layer.bias() == null ? 0 : layer.bias()[o] / accScale;
            if (!(Math.abs(bias) <= Integer.MAX_VALUE)) // a clamped bias would be a silently different model
                throw new UserError("output channel " + o + " of a " + k + " x " + layer.out() + " layer: its bias "
                        + layer.bias()[o] + " does not fit the NPU's INT32 bias at this layer's weight and input "
                        + "scales (" + accScale + "): the model cannot be quantized faithfully; the FP32 backends "
                        + "can run it (--backend ref or ort)");
            record[2 * o] = (int) Math.round(bias);
            record[2 * o + 1] = Requantizer.of(accScale / y.scales()[o]);
        }
        int pOff = params.append(record);
        int geluOff = y.hasGelu() ? params.append(geluTable(y.scales()[0], y.geluScale())) : 0;
        In r = y.residual();
        // the residual is requantized from its scale into the output's (every channel at one scale)
        int rqRes = r == null ? 0 : Requantizer.of(r.scale() / y.scales()[0]);
        boolean residual = rqRes != 0;
        return new Gemm(rows, y.type(), y.hasGelu(), residual, k, n, (int) x.rows().base(), x.rows().stride(),
                (int) y.rows().base(), y.rows().stride(), (int) wOff, pOff, residual ? (int) r.rows().base() : 0,
                residual ? r.rows().stride() : 0, residual ? rqRes : 0, geluOff);
    }

    private LayerNorm layerNorm(LayerNormWeights ln, int rows, In x, Normed y) {
        int d = c.nEmbd();
        double inScale = x.scale(), outScale = y.scale();
        double max = 1e-30;
        for (int i = 0; i < d; i++) max = Math.max(max, Math.max(Math.abs(ln.gamma()[i]), Math.abs(ln.beta()[i])) / outScale);
        // the largest shift that keeps every |g|, |b| below 2^30
        int shift = Math.max(0, Math.min(63, 16 + (int) Math.floor(Math.log(Math.scalb(1.0, 30) / max) / Math.log(2)) - 1));
        int[] record = new int[2 * d];
        for (int i = 0; i < d; i++) {
            record[2 * i] = (int) Math.round(Math.scalb(ln.gamma()[i] / outScale, shift - 16));
            record[2 * i + 1] = (int) Math.round(Math.scalb(ln.beta()[i] / outScale, shift - 16));
        }
        long epsilon = Math.round((double) d * d * c.layerNormEpsilon() / (inScale * inScale));
        if (epsilon >= Isa.MAX_LN_EPSILON)
            throw new UserError("LayerNorm epsilon term " + epsilon + " is beyond the NPU's 2^56 at input scale "
                    + inScale + " (activations too small for layer_norm_epsilon " + c.layerNormEpsilon() + "): the "
                    + "model cannot be quantized faithfully; the FP32 backends can run it (--backend ref or ort)");
        return new LayerNorm(rows, narrow, d, (int) x.rows().base(), x.rows().stride(), (int) y.rows().base(),
                y.rows().stride(), params.append(record), epsilon, shift);
    }

    private Attention attention(int l, MemoryPlan p) {
        int d = c.nEmbd(), hd = c.headDim();
        double scoreScale = s.q()[l] * s.k()[l] / Math.sqrt(hd) * LOG2E * 65536;
        return new Attention(narrow, c.nHead(), hd, (int) p.qkv(), p.qkvStride(), (int) (p.qkv() + 2L * d),
                (int) (p.qkv() + 4L * d), (int) p.keyCache()[l], (int) p.valueCache()[l], (int) p.ctx(), p.dStride(),
                Requantizer.of(scoreScale), Requantizer.of(s.v()[l] / s.attention()[l]));
    }

    /** GELU at the 257 table points of isa.md 5.1, in the output's units, clamped to its range. */
    private int[] geluTable(double inScale, double outScale) {
        int[] t = new int[Isa.GELU_TABLE_WORDS];
        long lo = narrow == Isa.OUT_INT8 ? -128 : -32768, hi = narrow == Isa.OUT_INT8 ? 127 : 32767;
        for (int i = 0; i < t.length; i++) {
            double x = (-32768 + 256.0 * i) * inScale;
            t[i] = (int) Math.max(lo, Math.min(hi, Math.round(ReferenceModel.gelu((float) x) / outScale)));
        }
        return t;
    }
}
