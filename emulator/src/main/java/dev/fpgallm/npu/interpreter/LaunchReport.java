package dev.fpgallm.npu.interpreter;

import dev.fpgallm.npu.isa.AccessList;
import dev.fpgallm.npu.isa.Launch;
import dev.fpgallm.npu.isa.Instruction;
import dev.fpgallm.npu.isa.Isa;
import java.util.ArrayList;
import java.util.List;

/**
 * The outcome of one launch: the 16 status words as the kernel wrote them and per-instruction events. Work and
 * traffic per instruction are derived on request from the instruction and the launch (they are functions of the
 * two), so the launch itself does not compute them; predictions come from {@link LaunchPrediction}. The interpreter
 * owns one report and fills it anew at every launch (so launches allocate nothing): read it before the next launch,
 * or copy it.
 */
public final class LaunchReport {
    final int[] status = new int[Isa.STATUS_WORDS];
    int count;
    private Instruction[] ops = new Instruction[0];
    private final Launch launch = new Launch(null, 0, 0, 0);
    long[] saturations = new long[0], overflows = new long[0];

    void reset() {
        java.util.Arrays.fill(status, 0);
        status[Isa.S_FAILED_INSTR] = -1;
        count = 0;
    }

    /** The launch's program and arguments; makes room for its statistics (allocates only for a longer program). */
    void start(Instruction[] ops, Launch l, int n) {
        this.ops = ops;
        launch.set(l.header(), l.position(), l.nTokens(), l.flags());
        if (saturations.length >= n) return;
        saturations = new long[n];
        overflows = new long[n];
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

    /** One executed instruction's statistics. */
    public InstructionStats instruction(int i) {
        if (i < 0 || i >= count) throw new IndexOutOfBoundsException(i);
        AccessList a = new AccessList();
        ops[i].accesses(launch, a);
        long[] read = new long[Isa.BUFFER_ARGS], written = new long[Isa.BUFFER_ARGS];
        for (int r = 0; r < a.size(); r++) (a.write(r) ? written : read)[a.arg(r)] += a.bytes(r);
        return new InstructionStats(i, ops[i], ops[i].macs(launch), read, written, saturations[i], overflows[i]);
    }

    /** Every executed instruction's statistics. */
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
