package dev.fpgallm.npu.isa;

/** The 16-word program header (isa.md 4.1). Sizes are bytes; all are unsigned 32-bit in the encoding. */
public record ProgramHeader(int instructionCount, long weightsBytes, long paramsBytes, long actBytes, long kvBytes,
                            long logitsBytes, int maxTokens, int maxSeq) {

    public void encode(int[] words) {
        words[Isa.H_MAGIC] = Isa.MAGIC;
        words[Isa.H_VERSION] = Isa.VERSION;
        words[Isa.H_N_INSTR] = instructionCount;
        words[Isa.H_WEIGHTS_BYTES] = u32(weightsBytes);
        words[Isa.H_PARAMS_BYTES] = u32(paramsBytes);
        words[Isa.H_ACT_BYTES] = u32(actBytes);
        words[Isa.H_KV_BYTES] = u32(kvBytes);
        words[Isa.H_LOGITS_BYTES] = u32(logitsBytes);
        words[Isa.H_MAX_TOKENS] = maxTokens;
        words[Isa.H_MAX_SEQ] = maxSeq;
    }

    /** Decodes and checks a header (BAD_HEADER on a wrong magic, version or reserved word). */
    public static ProgramHeader decode(int[] w) throws NpuFault {
        if (w[Isa.H_MAGIC] != Isa.MAGIC) throw new NpuFault(Isa.BAD_HEADER, -1, String.format("magic 0x%08x", w[0]));
        if (w[Isa.H_VERSION] != Isa.VERSION) throw new NpuFault(Isa.BAD_HEADER, -1, "version " + w[1]);
        for (int i : new int[] {3, 11, 12, 13, 14, 15})
            if (w[i] != 0) throw new NpuFault(Isa.BAD_HEADER, -1, "reserved header word " + i + " is not 0");
        return new ProgramHeader(w[Isa.H_N_INSTR], u(w[4]), u(w[5]), u(w[6]), u(w[7]), u(w[8]), w[Isa.H_MAX_TOKENS],
                w[Isa.H_MAX_SEQ]);
    }

    /** The size the header gives a buffer argument (weights: each of the four). */
    public long bytesOf(int arg) {
        return switch (arg) {
            case Isa.ARG_PARAMS -> paramsBytes;
            case Isa.ARG_ACT -> actBytes;
            case Isa.ARG_KV -> kvBytes;
            case Isa.ARG_LOGITS -> logitsBytes;
            case Isa.ARG_STATUS -> Isa.STATUS_BYTES;
            case Isa.ARG_PROGRAM -> 4L * (Isa.HEADER_WORDS + (long) Integer.toUnsignedLong(instructionCount) * Isa.INSTRUCTION_WORDS);
            default -> weightsBytes;
        };
    }

    static long u(int v) {
        return Integer.toUnsignedLong(v);
    }

    static int u32(long v) {
        if (v < 0 || v > 0xFFFFFFFFL) throw new IllegalArgumentException("size " + v + " does not fit 32 bits");
        return (int) v;
    }
}
