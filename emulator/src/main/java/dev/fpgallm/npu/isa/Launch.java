package dev.fpgallm.npu.isa;

/**
 * What an instruction needs to know about the launch it runs in: the program header's limits and the run's scalar
 * arguments. The interpreter reuses one instance for every launch.
 */
public final class Launch {
    private ProgramHeader header;
    private int position, nTokens, flags;

    public Launch(ProgramHeader header, int position, int nTokens, int flags) {
        set(header, position, nTokens, flags);
    }

    public Launch set(ProgramHeader header, int position, int nTokens, int flags) {
        this.header = header;
        this.position = position;
        this.nTokens = nTokens;
        this.flags = flags;
        return this;
    }

    public ProgramHeader header() {
        return header;
    }

    public int position() {
        return position;
    }

    public int nTokens() {
        return nTokens;
    }

    public int flags() {
        return flags;
    }

    public boolean exactSoftmax() {
        return (flags & Isa.FLAG_SOFTMAX_EXACT) != 0;
    }

    /** Input rows read in a row mode: all n_tokens rows, or one. */
    public int rowsRead(int mode) {
        return mode == Isa.ROWS_ALL ? nTokens : 1;
    }

    /** The first input row of a row mode. */
    public int firstRowRead(int mode) {
        return mode == Isa.ROWS_LAST ? nTokens - 1 : 0;
    }
}
