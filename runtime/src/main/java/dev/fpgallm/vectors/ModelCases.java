package dev.fpgallm.vectors;

import dev.fpgallm.compiler.CompiledModel;
import dev.fpgallm.engine.ResidualRows;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.npu.isa.Isa;
import dev.fpgallm.npu.interpreter.Npu;
import dev.fpgallm.npu.vectors.NpuCase;
import dev.fpgallm.npu.interpreter.NpuMemory;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Whole-model launches as NPU cases: a prefill of the prompt at position 0, then decode steps, each starting from the
 * device memory the previous launch left (so the KV cache is the real one).
 */
public final class ModelCases {
    private ModelCases() {
    }

    public static List<NpuCase> steps(String name, CompiledModel model, Gpt2Weights weights, int[] prompt, int[] decode,
                                      int flags, Npu npu) {
        NpuMemory m = new NpuMemory()
                .set(Isa.ARG_PROGRAM, model.program().encode())
                .set(Isa.ARG_PARAMS, model.params())
                .set(Isa.ARG_ACT, new byte[(int) model.plan().actBytes()])
                .set(Isa.ARG_KV, new byte[(int) model.plan().kvBytes()])
                .set(Isa.ARG_LOGITS, new byte[(int) model.plan().logitsBytes()])
                .set(Isa.ARG_STATUS, new byte[Isa.STATUS_BYTES]);
        for (int p = 0; p < Isa.WEIGHT_PORTS; p++) m.set(Isa.ARG_WEIGHTS0 + p, model.weights()[p]);
        ResidualRows residual = new ResidualRows(weights, model);
        float[] rows = new float[prompt.length * weights.config().nEmbd()];
        List<NpuCase> cases = new ArrayList<>();
        int position = 0;
        for (int step = 0; step <= decode.length; step++) {
            int[] tokens = step == 0 ? prompt : new int[] {decode[step - 1]};
            residual.embed(rows, tokens, 0, tokens.length, position);
            residual.quantize(MemorySegment.ofArray(m.get(Isa.ARG_ACT)), rows, tokens.length, model.inputScale());
            NpuCase c = new NpuCase(name + (step == 0 ? "-prefill" : "-decode" + step), m.copy(), position, tokens.length, flags);
            cases.add(c);
            m = c.runOn(npu);
            position += tokens.length;
        }
        return cases;
    }
}
