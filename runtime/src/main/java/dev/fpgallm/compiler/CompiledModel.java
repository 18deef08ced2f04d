package dev.fpgallm.compiler;

import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.npu.Attention;
import dev.fpgallm.npu.Gemm;
import dev.fpgallm.npu.Instruction;
import dev.fpgallm.npu.LayerNorm;
import dev.fpgallm.npu.Program;
import dev.fpgallm.quant.ActivationScales;
import java.util.Locale;

/**
 * A model compiled for the NPU: the program (one launch per prefill or decode step), the packed weights for the
 * four weight buffers, the params buffer, the memory plan, and the scales the host needs at the edges (embedding
 * in, logits out).
 */
public record CompiledModel(Gpt2Config config, MemoryPlan plan, Program program, byte[][] weights, byte[] params,
                            ActivationScales scales) {

    /** Scale of the embedded input rows the host writes into act. */
    public double inputScale() {
        return scales.residual()[0];
    }

    public String describeProgram() {
        int gemm = 0, head = 0, attn = 0, ln = 0;
        for (Instruction i : program.instructions()) {
            switch (i) {
                case Gemm g -> {
                    if (g.toLogits()) head++;
                    else gemm++;
                }
                case Attention a -> attn++;
                case LayerNorm n -> ln++;
            }
        }
        return String.format(Locale.ROOT, "  %d instructions: %d GEMM + %d LM-head GEMM, %d ATTENTION, %d LAYERNORM; "
                        + "%s activations, one launch per prefill or decode step%n",
                program.instructions().size(), gemm, head, attn, ln, scales.precision().label());
    }
}
