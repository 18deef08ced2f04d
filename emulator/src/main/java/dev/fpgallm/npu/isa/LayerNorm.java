package dev.fpgallm.npu.isa;

/** LAYERNORM (isa.md 4.2): integer LayerNorm of each row, with per-channel g and b and one output shift. */
public record LayerNorm(int rows, int out, int d, int xBase, int xStride, int yBase, int yStride, int pOff,
                        long epsilon, int shift) implements Instruction {

    @Override
    public int opcode() {
        return Isa.OP_LAYERNORM;
    }

    @Override
    public void encode(int[] w, int at) {
        w[at] = Instruction.word0(Isa.OP_LAYERNORM, rows, out, 0);
        w[at + 1] = d;
        w[at + 2] = xBase;
        w[at + 3] = xStride;
        w[at + 4] = yBase;
        w[at + 5] = yStride;
        w[at + 6] = pOff;
        w[at + 7] = (int) epsilon;
        w[at + 8] = (int) (epsilon >>> 32);
        w[at + 9] = shift;
    }

    static LayerNorm decode(int[] w, int at, int index) throws NpuFault {
        Instruction.Check c = new Instruction.Check(index);
        int w0 = w[at];
        c.that((w0 & 0xFFFFF000) == 0, "reserved bits or flags of word 0 are set");
        int rows = Instruction.rowsOf(w0), out = Instruction.outOf(w0);
        c.that(rows <= Isa.ROWS_FIRST, "row mode " + rows);
        c.that(out == Isa.OUT_INT16 || out == Isa.OUT_INT8, "output type " + out);
        int d = w[at + 1];
        c.that(d >= 16 && d <= Isa.MAX_D && d % 16 == 0, "D " + Integer.toUnsignedString(d));
        for (int i = 2; i <= 6; i++) c.aligned(w[at + i], "word " + i);
        long eps = Integer.toUnsignedLong(w[at + 7]) | (long) w[at + 8] << 32;
        c.that(Long.compareUnsigned(eps, Isa.MAX_LN_EPSILON) < 0, "epsilon term " + Long.toUnsignedString(eps) + " >= 2^56");
        c.that(Integer.compareUnsigned(w[at + 9], 63) <= 0, "shift " + Integer.toUnsignedString(w[at + 9]));
        c.zero(w, at, 10, 15);
        return new LayerNorm(rows, out, d, w[at + 2], w[at + 3], w[at + 4], w[at + 5], w[at + 6], eps, w[at + 9]);
    }

    @Override
    public void accesses(Launch l, AccessList a) {
        int rowsRead = l.rowsRead(rows);
        a.rows(Isa.ARG_ACT, Gemm.u(xBase), Gemm.u(xStride), l.firstRowRead(rows), rowsRead, d, 2, false);
        a.range(Isa.ARG_PARAMS, Gemm.u(pOff), 8L * d, false);
        a.rows(Isa.ARG_ACT, Gemm.u(yBase), Gemm.u(yStride), 0, rowsRead, d, 2, true);
    }

    @Override
    public long macs(Launch l) {
        return 0;
    }
}
