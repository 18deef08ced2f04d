package dev.fpgallm.npu.isa;

/** A launch stopped by the kernel's checks (isa.md section 6): the status code and the failing instruction. */
public final class NpuFault extends Exception {
    public final int code;
    public final int instruction;

    public NpuFault(int code, int instruction, String detail) {
        super(Isa.statusName(code) + (instruction >= 0 ? " at instruction " + instruction : "") + ": " + detail, null,
                false, false);
        this.code = code;
        this.instruction = instruction;
    }
}
