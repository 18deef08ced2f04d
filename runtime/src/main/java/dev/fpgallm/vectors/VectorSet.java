package dev.fpgallm.vectors;

import dev.fpgallm.compiler.CompiledModel;
import dev.fpgallm.compiler.NpuCompiler;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.model.SyntheticCheckpoint;
import dev.fpgallm.npu.vectors.InstructionCases;
import dev.fpgallm.npu.isa.Isa;
import dev.fpgallm.npu.interpreter.Npu;
import dev.fpgallm.npu.vectors.NpuCase;
import dev.fpgallm.quant.ActivationScales;
import dev.fpgallm.quant.Calibration;
import dev.fpgallm.quant.Precision;
import java.util.ArrayList;
import java.util.List;

/** The standard set of NPU cases the kernel must match: every instruction, edges, errors, and tiny model steps. */
public final class VectorSet {
    private VectorSet() {
    }

    /** Instruction cases plus a prefill and two decode steps of the synthetic tiny model in both softmax modes. */
    public static List<NpuCase> standard(long seed, int randomPerKind, Npu npu) {
        List<NpuCase> cases = new ArrayList<>(InstructionCases.generate(seed, randomPerKind));
        Gpt2Weights tiny = SyntheticCheckpoint.generate(Gpt2Config.tiny(), seed);
        for (Precision p : Precision.values()) {
            ActivationScales s = ActivationScales.from(Calibration.run(tiny, 2, 32), p);
            CompiledModel m = NpuCompiler.compile(tiny, s, new NpuCompiler.Options(8, 32, false));
            for (int flags = 0; flags < 2; flags++)
                cases.addAll(ModelCases.steps("tiny-" + p.label() + (flags == Isa.FLAG_SOFTMAX_EXACT ? "-exact" : "-approx"),
                        m, tiny, new int[] {15496, 11, 616, 1438, 318}, new int[] {262, 1110}, flags, npu));
        }
        return cases;
    }
}
