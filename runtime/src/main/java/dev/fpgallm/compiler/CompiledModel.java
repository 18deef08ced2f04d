package dev.fpgallm.compiler;

import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.npu.isa.Attention;
import dev.fpgallm.npu.isa.Gemm;
import dev.fpgallm.npu.isa.Instruction;
import dev.fpgallm.npu.isa.LayerNorm;
import dev.fpgallm.npu.isa.Program;
import dev.fpgallm.quant.ActivationScales;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A model compiled for the NPU: the program segments (one launch each per prefill or decode step; one segment
 * unless layers fall back to FP16 on the host), the packed weights for the four weight buffers, the params buffer,
 * the memory plan, and the scales the host needs at the edges (embedding in, logits out).
 */
public record CompiledModel(Gpt2Config config, MemoryPlan plan, List<Segment> segments, byte[][] weights,
                            byte[] params, ActivationScales scales) {

    /**
     * One NPU program: layers {@code firstLayer .. endLayer - 1}, and ln_f with the LM head when {@code lmHead}
     * (always the last segment). Layers between segments run on the host in FP16.
     */
    public record Segment(Program program, int firstLayer, int endLayer, boolean lmHead) {
    }

    public CompiledModel {
        segments = List.copyOf(segments);
        if (segments.isEmpty() || !segments.getLast().lmHead())
            throw new IllegalArgumentException("the last segment must end with the LM head");
    }

    /** A model in one segment: every layer on the NPU. */
    public CompiledModel(Gpt2Config config, MemoryPlan plan, Program program, byte[][] weights, byte[] params,
                         ActivationScales scales) {
        this(config, plan, List.of(new Segment(program, 0, config.nLayer(), true)), weights, params, scales);
    }

    /** The program of a model in one segment (every layer on the NPU). */
    public Program program() {
        if (segments.size() != 1)
            throw new IllegalStateException("the model is split into " + segments.size() + " segments at FP16 layers");
        return segments.getFirst().program();
    }

    /** Layers that run on the host in FP16 (the gaps between segments), ascending. */
    public List<Integer> fp16Layers() {
        List<Integer> host = new ArrayList<>();
        int next = 0;
        for (Segment s : segments) {
            for (int l = next; l < s.firstLayer(); l++) host.add(l);
            next = s.endLayer();
        }
        for (int l = next; l < config.nLayer(); l++) host.add(l);
        return host;
    }

    /** Every instruction of every segment, in execution order. */
    public List<Instruction> instructions() {
        List<Instruction> all = new ArrayList<>();
        for (Segment s : segments) all.addAll(s.program().instructions());
        return all;
    }

    /** Scale of the embedded input rows the host writes into act (the residual entering the first NPU layer). */
    public double inputScale() {
        return scales.residual()[segments.getFirst().firstLayer()];
    }

    /** Precision label for reports: w8a16, or w8a16+fp16:0,5 with FP16 fallback layers. */
    public String precisionLabel() {
        List<Integer> host = fp16Layers();
        if (host.isEmpty()) return scales.precision().label();
        StringBuilder sb = new StringBuilder(scales.precision().label()).append("+fp16:");
        for (int i = 0; i < host.size(); i++) sb.append(i == 0 ? "" : ",").append(host.get(i));
        return sb.toString();
    }

    public String describeProgram() {
        int gemm = 0, head = 0, attn = 0, ln = 0;
        for (Instruction i : instructions()) {
            switch (i) {
                case Gemm g -> {
                    if (g.toLogits()) head++;
                    else gemm++;
                }
                case Attention a -> attn++;
                case LayerNorm n -> ln++;
            }
        }
        String launches = segments.size() == 1 ? "one launch per prefill or decode step"
                : String.format(Locale.ROOT, "%d launches per step (segments split at host FP16 layers %s)",
                        segments.size(), fp16Layers());
        return String.format(Locale.ROOT, "  %d instructions: %d GEMM + %d LM-head GEMM, %d ATTENTION, %d LAYERNORM; "
                        + "%s activations, %s%n",
                instructions().size(), gemm, head, attn, ln, scales.precision().label(), launches);
    }
}
