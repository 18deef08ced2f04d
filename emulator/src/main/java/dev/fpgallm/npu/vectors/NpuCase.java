package dev.fpgallm.npu.vectors;

import dev.fpgallm.npu.isa.Isa;
import dev.fpgallm.npu.interpreter.Npu;
import dev.fpgallm.npu.interpreter.NpuMemory;

/**
 * One launch of npu_top with all its inputs: the ten buffers and the three scalars. Used to compare the emulator
 * with the C++ kernel and to write {@code .npuv} vector files.
 */
public record NpuCase(String name, NpuMemory inputs, int position, int nTokens, int flags) {
    /** Runs the case on the emulator (on a copy of the inputs) and returns the device memory afterwards. */
    public NpuMemory runOn(Npu npu) {
        NpuMemory m = inputs.copy();
        npu.launch(m, position, nTokens, flags, null);
        return m;
    }

    /** The same case with only the first {@code count} instructions (for bisecting a mismatch). */
    public NpuCase prefix(int count) {
        NpuMemory m = inputs.copy();
        NpuMemory.putInt(m.get(Isa.ARG_PROGRAM), 4L * Isa.H_N_INSTR, count);
        return new NpuCase(name + " [first " + count + "]", m, position, nTokens, flags);
    }

    public int instructionCount() {
        return NpuMemory.getInt(inputs.get(Isa.ARG_PROGRAM), 4L * Isa.H_N_INSTR);
    }
}
