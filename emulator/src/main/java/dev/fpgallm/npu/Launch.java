package dev.fpgallm.npu;

/**
 * What an instruction needs to know about the launch it runs in: the program header's limits and the run's scalar
 * arguments.
 */
public record Launch(ProgramHeader header, int position, int nTokens, int flags) {
    public boolean exactSoftmax() {
        return (flags & Isa.FLAG_SOFTMAX_EXACT) != 0;
    }

    /** Input rows read in a row mode: all n_tokens rows, or one. */
    int rowsRead(int mode) {
        return mode == Isa.ROWS_ALL ? nTokens : 1;
    }

    /** The first input row of a row mode. */
    int firstRowRead(int mode) {
        return mode == Isa.ROWS_LAST ? nTokens - 1 : 0;
    }
}
