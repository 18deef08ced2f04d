package dev.fpgallm.npu;

import java.util.List;

/**
 * The outcome of one launch: the 16 status words as the kernel wrote them, per-instruction statistics, and the
 * cycle model's predicted board time (kernel cycles plus the launch overhead).
 */
public record LaunchReport(int[] status, List<InstructionStats> instructions, long predictedCycles,
                           double predictedSeconds) {
    public int code() {
        return status[Isa.S_CODE];
    }

    public boolean ok() {
        return status[Isa.S_CODE] == Isa.OK;
    }

    public String describe() {
        return Isa.statusName(status[Isa.S_CODE]) + (status[Isa.S_FAILED_INSTR] >= 0 ? " at instruction "
                + status[Isa.S_FAILED_INSTR] : "");
    }
}
