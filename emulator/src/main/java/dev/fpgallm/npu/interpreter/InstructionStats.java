package dev.fpgallm.npu.interpreter;

import dev.fpgallm.npu.isa.Instruction;

/**
 * What one instruction did in one launch: work, traffic per buffer argument, events, and the cycle model's
 * predicted KV260 cycles in the optimistic corner (0 once the interpreter no longer predicts; see
 * {@link LaunchPrediction} for both corners).
 */
public record InstructionStats(int index, Instruction instruction, long macs, long[] bytesRead, long[] bytesWritten,
                               long saturations, long overflows, long predictedCycles) {
    public long totalBytesRead() {
        long s = 0;
        for (long b : bytesRead) s += b;
        return s;
    }

    public long totalBytesWritten() {
        long s = 0;
        for (long b : bytesWritten) s += b;
        return s;
    }
}
