package dev.fpgallm.npu.interpreter;

import dev.fpgallm.npu.isa.AccessList;
import dev.fpgallm.npu.isa.Instruction;
import dev.fpgallm.npu.isa.Isa;
import dev.fpgallm.npu.isa.Launch;
import dev.fpgallm.npu.isa.NpuFault;
import dev.fpgallm.npu.isa.ProgramHeader;

/**
 * isa.md section 6's per-instruction checks of one decoded program at one n_tokens, made once: the decode and
 * bounds fault of every instruction (neither depends on the position), and each instruction's accesses where they
 * do not move with the position either (the strict device checks those against its synced ranges). The interpreter
 * keeps one per n_tokens until the program bytes change, so a decode step checks nothing again.
 */
final class LaunchChecks {
    final int nTokens;
    /** Per instruction: the fault the kernel raises before executing it, or null. */
    final NpuFault[] faults;
    /** Per instruction: its accesses at every position, or null where they move with the position. */
    final AccessList[] accesses;

    LaunchChecks(ProgramHeader header, Instruction[] ops, NpuFault[] opFaults, int nTokens) {
        this.nTokens = nTokens;
        int n = header.instructionCount();
        faults = new NpuFault[n];
        accesses = new AccessList[n];
        Launch launch = new Launch(header, 0, nTokens, 0);
        AccessList bounds = new AccessList();
        for (int i = 0; i < n; i++) {
            if (opFaults[i] != null) {
                faults[i] = opFaults[i];
                continue;
            }
            bounds.clear();
            ops[i].bounds(launch, bounds);
            for (int a = 0; a < bounds.size() && faults[i] == null; a++) {
                long size = header.bytesOf(bounds.arg(a));
                if (bounds.from(a) < 0 || bounds.to(a) > size)
                    faults[i] = new NpuFault(Isa.OUT_OF_BOUNDS, i, Isa.ARG_NAMES[bounds.arg(a)] + " bytes [" + bounds.from(a)
                            + ", " + bounds.to(a) + ") outside its " + size + " bytes");
            }
            if (!ops[i].accessesMoveWithPosition()) {
                accesses[i] = new AccessList();
                ops[i].accesses(launch, accesses[i]);
            }
        }
    }
}
