package dev.fpgallm.npu.isa;

/** One 16-word NPU instruction (isa.md 4.2). */
public sealed interface Instruction permits Gemm, Attention, LayerNorm {
    int opcode();

    /** Writes the instruction's 16 words at {@code words[at ..]}. */
    void encode(int[] words, int at);

    /** Adds every byte range the instruction reads or writes in this launch. */
    void accesses(Launch launch, AccessList out);

    /** Adds the ranges isa.md section 6 checks against the header's sizes (by default exactly the accesses). */
    default void bounds(Launch launch, AccessList out) {
        accesses(launch, out);
    }

    /**
     * Whether {@link #accesses} moves with the launch's position (ATTENTION's cached rows). {@link #bounds} never
     * does (isa.md section 6), so the interpreter checks bounds once per program and n_tokens.
     */
    default boolean accessesMoveWithPosition() {
        return false;
    }

    /** Multiply-accumulates the instruction performs in this launch (for statistics and the cycle model). */
    long macs(Launch launch);

    /** Decodes instruction {@code index} at {@code words[at ..]}, checking opcode and fields (BAD_OPCODE, BAD_FIELD). */
    static Instruction decode(int[] words, int at, int index) throws NpuFault {
        int op = words[at] & 0xFF;
        return switch (op) {
            case Isa.OP_GEMM -> Gemm.decode(words, at, index);
            case Isa.OP_ATTENTION -> Attention.decode(words, at, index);
            case Isa.OP_LAYERNORM -> LayerNorm.decode(words, at, index);
            default -> throw new NpuFault(Isa.BAD_OPCODE, index, String.format("opcode 0x%02x", op));
        };
    }

    static int word0(int opcode, int rows, int out, int flags) {
        return opcode | rows << 8 | out << 10 | flags;
    }

    static int rowsOf(int word0) {
        return (word0 >>> 8) & 3;
    }

    static int outOf(int word0) {
        return (word0 >>> 10) & 3;
    }

    /** Field checks shared by the decoders. */
    final class Check {
        private final int index;

        Check(int index) {
            this.index = index;
        }

        void that(boolean ok, String what) throws NpuFault {
            if (!ok) throw new NpuFault(Isa.BAD_FIELD, index, what);
        }

        void aligned(int value, String what) throws NpuFault {
            that((value & 15) == 0, what + " " + Integer.toUnsignedString(value) + " is not a multiple of 16");
        }

        void zero(int[] w, int at, int from, int to) throws NpuFault {
            for (int i = from; i <= to; i++) that(w[at + i] == 0, "unused word " + i + " is not 0");
        }
    }
}
