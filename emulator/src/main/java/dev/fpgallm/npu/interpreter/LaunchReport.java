package dev.fpgallm.npu.interpreter;

import dev.fpgallm.npu.isa.Instruction;
import dev.fpgallm.npu.isa.Isa;
import java.util.ArrayList;
import java.util.List;

/**
 * The outcome of one launch: the 16 status words as the kernel wrote them, per-instruction statistics, and, while
 * the interpreter still fills them, the cycle model's optimistic-corner cycles and time (kernel cycles plus the
 * launch overhead). Predictions as printed come from {@link LaunchPrediction} (both corners, once per step), not
 * from here. The interpreter owns one report and fills it anew at every launch (so launches allocate nothing): read
 * it before the next launch, or copy it.
 */
public final class LaunchReport {
    final int[] status = new int[Isa.STATUS_WORDS];
    int count;
    Instruction[] ops = new Instruction[0];
    long[] macs = new long[0], saturations = new long[0], overflows = new long[0], cycles = new long[0];
    long[][] read = new long[0][], written = new long[0][];
    long predictedCycles;
    double predictedSeconds;

    void reset() {
        java.util.Arrays.fill(status, 0);
        status[Isa.S_FAILED_INSTR] = -1;
        count = 0;
        predictedCycles = 0;
    }

    /** Makes room for n instructions' statistics (allocates only when a longer program arrives). */
    void ensure(int n) {
        if (ops.length >= n) return;
        ops = new Instruction[n];
        macs = new long[n];
        saturations = new long[n];
        overflows = new long[n];
        cycles = new long[n];
        read = new long[n][Isa.BUFFER_ARGS];
        written = new long[n][Isa.BUFFER_ARGS];
    }

    public int code() {
        return status[Isa.S_CODE];
    }

    public boolean ok() {
        return status[Isa.S_CODE] == Isa.OK;
    }

    public int[] status() {
        return status.clone();
    }

    public int instructionCount() {
        return count;
    }

    public long predictedCycles() {
        return predictedCycles;
    }

    public double predictedSeconds() {
        return predictedSeconds;
    }

    /** A copy of one executed instruction's statistics. */
    public InstructionStats instruction(int i) {
        if (i < 0 || i >= count) throw new IndexOutOfBoundsException(i);
        return new InstructionStats(i, ops[i], macs[i], read[i].clone(), written[i].clone(), saturations[i],
                overflows[i], cycles[i]);
    }

    /** Copies of every executed instruction's statistics. */
    public List<InstructionStats> instructions() {
        List<InstructionStats> l = new ArrayList<>(count);
        for (int i = 0; i < count; i++) l.add(instruction(i));
        return l;
    }

    public String describe() {
        return Isa.statusName(status[Isa.S_CODE]) + (status[Isa.S_FAILED_INSTR] >= 0 ? " at instruction "
                + status[Isa.S_FAILED_INSTR] : "");
    }
}
