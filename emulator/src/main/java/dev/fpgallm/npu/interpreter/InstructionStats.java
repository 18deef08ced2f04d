package dev.fpgallm.npu.interpreter;

import dev.fpgallm.npu.isa.Instruction;

/**
 * What one instruction did in one launch: work, traffic per buffer argument and events. Its predicted board cycles
 * are {@link LaunchPrediction}'s.
 */
public record InstructionStats(int index, Instruction instruction, long macs, long[] bytesRead, long[] bytesWritten,
                               long saturations, long overflows) {
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
