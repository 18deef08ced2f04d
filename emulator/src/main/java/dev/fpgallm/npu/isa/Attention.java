package dev.fpgallm.npu.isa;

/**
 * ATTENTION (isa.md 4.2): appends this launch's K and V rows to the cache, then causal softmax attention of every
 * row over the cache. q, k and v rows share one row stride (they are column ranges of the QKV GEMM's output).
 */
public record Attention(int out, int nHead, int headDim, int qBase, int stride, int kBase, int vBase,
                        int kCache, int vCache, int outBase, int outStride, int rqScore, int rqOut)
        implements Instruction {

    @Override
    public int opcode() {
        return Isa.OP_ATTENTION;
    }

    public int width() {
        return nHead * headDim;
    }

    @Override
    public void encode(int[] w, int at) {
        w[at] = Instruction.word0(Isa.OP_ATTENTION, Isa.ROWS_ALL, out, 0);
        w[at + 1] = nHead | headDim << 16;
        w[at + 2] = qBase;
        w[at + 3] = stride;
        w[at + 4] = kBase;
        w[at + 5] = vBase;
        w[at + 6] = kCache;
        w[at + 7] = vCache;
        w[at + 8] = outBase;
        w[at + 9] = outStride;
        w[at + 10] = rqScore;
        w[at + 11] = rqOut;
    }

    static Attention decode(int[] w, int at, int index) throws NpuFault {
        Instruction.Check c = new Instruction.Check(index);
        int w0 = w[at];
        c.that((w0 & 0xFFFFF000) == 0, "reserved bits or flags of word 0 are set");
        c.that(Instruction.rowsOf(w0) == Isa.ROWS_ALL, "ATTENTION needs row mode ALL");
        int out = Instruction.outOf(w0);
        c.that(out == Isa.OUT_INT16 || out == Isa.OUT_INT8, "output type " + out);
        int nHead = w[at + 1] & 0xFFFF, headDim = w[at + 1] >>> 16;
        c.that(nHead >= 1 && nHead <= Isa.MAX_HEADS, "n_head " + nHead);
        c.that(headDim >= 16 && headDim <= Isa.MAX_HEAD_DIM && headDim % 16 == 0, "head_dim " + headDim);
        for (int i = 2; i <= 9; i++) c.aligned(w[at + i], "word " + i);
        c.that(NpuMath.validRequantizer(w[at + 10]), "score requantizer has bits 30-31 set");
        c.that(NpuMath.validRequantizer(w[at + 11]), "output requantizer has bits 30-31 set");
        c.zero(w, at, 12, 15);
        return new Attention(out, nHead, headDim, w[at + 2], w[at + 3], w[at + 4], w[at + 5], w[at + 6], w[at + 7],
                w[at + 8], w[at + 9], w[at + 10], w[at + 11]);
    }

    /** The whole K and V regions, as isa.md section 6 checks them. */
    @Override
    public void bounds(Launch l, AccessList a) {
        activations(l, a);
        long cacheBytes = (long) nHead * l.header().maxSeq() * headDim * 2;
        a.range(Isa.ARG_KV, Gemm.u(kCache), cacheBytes, true);
        a.range(Isa.ARG_KV, Gemm.u(vCache), cacheBytes, true);
    }

    /** Precisely what is touched: per head, the cached positions read and this launch's positions written. */
    @Override
    public void accesses(Launch l, AccessList a) {
        activations(l, a);
        long rowBytes = 2L * headDim, headBytes = rowBytes * l.header().maxSeq();
        for (int c = 0; c < 2; c++) {
            long cache = Gemm.u(c == 0 ? kCache : vCache);
            for (int h = 0; h < nHead; h++) {
                long head = cache + h * headBytes;
                a.range(Isa.ARG_KV, head, rowBytes * l.position(), false);
                a.range(Isa.ARG_KV, head + rowBytes * l.position(), rowBytes * l.nTokens(), true);
            }
        }
    }

    @Override
    public boolean accessesMoveWithPosition() {
        return true;
    }

    private void activations(Launch l, AccessList a) {
        int m = l.nTokens();
        a.rows(Isa.ARG_ACT, Gemm.u(qBase), Gemm.u(stride), 0, m, width(), 2, false);
        a.rows(Isa.ARG_ACT, Gemm.u(kBase), Gemm.u(stride), 0, m, width(), 2, false);
        a.rows(Isa.ARG_ACT, Gemm.u(vBase), Gemm.u(stride), 0, m, width(), 2, false);
        a.rows(Isa.ARG_ACT, Gemm.u(outBase), Gemm.u(outStride), 0, m, width(), 2, true);
    }

    /** Positions attended in this launch: sum over rows of (position + r + 1). */
    public long scores(Launch l) {
        long m = l.nTokens(), p = l.position();
        return m * (p + 1) + m * (m - 1) / 2;
    }

    @Override
    public long macs(Launch l) {
        return 2L * scores(l) * nHead * headDim; // Q.K^T and e x V
    }
}
