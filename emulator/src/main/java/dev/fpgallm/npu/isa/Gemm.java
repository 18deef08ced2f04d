package dev.fpgallm.npu.isa;

/**
 * GEMM (isa.md 4.2): y[r][n] = out(requant(bias[n] + sum_k x[r][k] W[n][k], rq[n]) [-> GELU] [+ residual]).
 * Offsets are byte offsets (unsigned 32-bit in the encoding).
 */
public record Gemm(int rows, int out, boolean gelu, boolean residual, int k, int n,
                   int xBase, int xStride, int yBase, int yStride, int wOff, int pOff,
                   int resBase, int resStride, int rqRes, int geluOff) implements Instruction {

    @Override
    public int opcode() {
        return Isa.OP_GEMM;
    }

    /** The output goes to logits (INT32) rather than act. */
    public boolean toLogits() {
        return out == Isa.OUT_INT32;
    }

    @Override
    public void encode(int[] w, int at) {
        w[at] = Instruction.word0(Isa.OP_GEMM, rows, out, (gelu ? Isa.GEMM_GELU : 0) | (residual ? Isa.GEMM_RESIDUAL : 0));
        w[at + 1] = k;
        w[at + 2] = n;
        w[at + 3] = xBase;
        w[at + 4] = xStride;
        w[at + 5] = yBase;
        w[at + 6] = yStride;
        w[at + 7] = wOff;
        w[at + 8] = pOff;
        w[at + 9] = residual ? resBase : 0;
        w[at + 10] = residual ? resStride : 0;
        w[at + 11] = residual ? rqRes : 0;
        w[at + 12] = gelu ? geluOff : 0;
    }

    static Gemm decode(int[] w, int at, int index) throws NpuFault {
        Instruction.Check c = new Instruction.Check(index);
        int w0 = w[at];
        c.that((w0 & 0xFFFF0000) == 0 && (w0 & 0xC000) == 0, "reserved bits of word 0 are set");
        int rows = Instruction.rowsOf(w0), out = Instruction.outOf(w0);
        boolean gelu = (w0 & Isa.GEMM_GELU) != 0, residual = (w0 & Isa.GEMM_RESIDUAL) != 0;
        c.that(rows <= Isa.ROWS_FIRST, "row mode " + rows);
        c.that(out <= Isa.OUT_INT32, "output type " + out);
        c.that(!(out == Isa.OUT_INT32 && (gelu || residual)), "GELU and RESIDUAL need an INT16 or INT8 output");
        int k = w[at + 1], n = w[at + 2];
        c.that(Integer.compareUnsigned(k, Isa.MAX_K) <= 0 && k % 16 == 0, "K " + Integer.toUnsignedString(k));
        c.that(Integer.compareUnsigned(n, Isa.MAX_N) <= 0 && n % 64 == 0, "N " + Integer.toUnsignedString(n));
        for (int i = 3; i <= 8; i++) c.aligned(w[at + i], "word " + i);
        if (residual) {
            c.aligned(w[at + 9], "residual base");
            c.aligned(w[at + 10], "residual stride");
            c.that(NpuMath.validRequantizer(w[at + 11]), "residual requantizer has bits 30-31 set");
        } else c.zero(w, at, 9, 11);
        if (gelu) c.aligned(w[at + 12], "GELU table offset");
        else c.zero(w, at, 12, 12);
        c.zero(w, at, 13, 15);
        return new Gemm(rows, out, gelu, residual, k, n, w[at + 3], w[at + 4], w[at + 5], w[at + 6], w[at + 7],
                w[at + 8], w[at + 9], w[at + 10], w[at + 11], w[at + 12]);
    }

    @Override
    public void accesses(Launch l, AccessList a) {
        int rowsRead = l.rowsRead(rows);
        a.rows(Isa.ARG_ACT, u(xBase), u(xStride), l.firstRowRead(rows), rowsRead, k, 2, false);
        long wBytes = (long) (n / 64) * 16 * k;
        for (int p = 0; p < Isa.WEIGHT_PORTS; p++) a.range(Isa.ARG_WEIGHTS0 + p, u(wOff), wBytes, false);
        a.range(Isa.ARG_PARAMS, u(pOff), 8L * n, false);
        if (gelu) a.range(Isa.ARG_PARAMS, u(geluOff), 4L * Isa.GELU_TABLE_WORDS, false);
        if (residual) a.rows(Isa.ARG_ACT, u(resBase), u(resStride), 0, rowsRead, n, 2, false);
        if (toLogits()) a.rows(Isa.ARG_LOGITS, u(yBase), u(yStride), 0, rowsRead, n, 4, true);
        else a.rows(Isa.ARG_ACT, u(yBase), u(yStride), 0, rowsRead, n, 2, true);
    }

    @Override
    public long macs(Launch l) {
        return (long) l.rowsRead(rows) * n * k;
    }

    public static long u(int v) {
        return Integer.toUnsignedLong(v);
    }
}
