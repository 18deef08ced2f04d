package dev.fpgallm.npu.interpreter;

import dev.fpgallm.npu.isa.Attention;
import dev.fpgallm.npu.isa.Gemm;
import dev.fpgallm.npu.isa.Isa;
import dev.fpgallm.npu.isa.Launch;
import dev.fpgallm.npu.isa.NpuMath;

/**
 * ATTENTION: append this launch's K and V rows to the cache, then for each head (one per worker at a time) copy the
 * head's cached K and V once and stream every row over them: scores, base-2 softmax with exp2neg, then the
 * weighted sum of V normalised once per output element (isa.md 4.2).
 */
final class AttentionEngine implements ParallelLoop.Body {
    private final ParallelLoop loop;
    private final Counters counters;
    private final int[][] keys, values;   // per worker: one head's cache [position][headDim]
    private final long[][] scores, weights, sums;
    // the instruction in flight, for run(h, worker)
    private Attention a;
    private Launch l;
    private byte[] act, kv;

    AttentionEngine(ParallelLoop loop, Counters counters) {
        this.loop = loop;
        this.counters = counters;
        int w = loop.workers();
        keys = new int[w][0];
        values = new int[w][0];
        scores = new long[w][0];
        weights = new long[w][0];
        sums = new long[w][Isa.MAX_HEAD_DIM];
    }

    void run(Attention a, Launch l, NpuMemory mem) {
        byte[] act = mem.get(Isa.ARG_ACT), kv = mem.get(Isa.ARG_KV);
        int hd = a.headDim(), m = l.nTokens();
        long rowBytes = 2L * hd, headBytes = rowBytes * l.header().maxSeq();
        for (int r = 0; r < m; r++)
            for (int h = 0; h < a.nHead(); h++) {
                long src = Gemm.u(a.stride()) * r + rowBytes * h;
                long dst = headBytes * h + rowBytes * (l.position() + r);
                System.arraycopy(act, (int) (Gemm.u(a.kBase()) + src), kv, (int) (Gemm.u(a.kCache()) + dst), (int) rowBytes);
                System.arraycopy(act, (int) (Gemm.u(a.vBase()) + src), kv, (int) (Gemm.u(a.vCache()) + dst), (int) rowBytes);
            }
        this.a = a;
        this.l = l;
        this.act = act;
        this.kv = kv;
        loop.run(a.nHead(), 1, this);
        this.act = this.kv = null;
    }

    @Override
    public void run(int h, int worker) {
        head(a, l, act, kv, h, worker);
    }

    private void head(Attention a, Launch l, byte[] act, byte[] kv, int h, int worker) {
        int hd = a.headDim(), m = l.nTokens(), seen = l.position() + m;
        long headBytes = 2L * hd * l.header().maxSeq();
        if (keys[worker].length < seen * hd) {
            keys[worker] = new int[l.header().maxSeq() * hd];
            values[worker] = new int[l.header().maxSeq() * hd];
        }
        if (scores[worker].length < seen) {
            scores[worker] = new long[l.header().maxSeq()];
            weights[worker] = new long[l.header().maxSeq()];
        }
        int[] kc = keys[worker], vc = values[worker];
        long[] u = scores[worker], e = weights[worker], num = sums[worker];
        long kBase = Gemm.u(a.kCache()) + headBytes * h, vBase = Gemm.u(a.vCache()) + headBytes * h;
        for (int i = 0; i < seen * hd; i++) {
            kc[i] = NpuMemory.getShort(kv, kBase + 2L * i);
            vc[i] = NpuMemory.getShort(kv, vBase + 2L * i);
        }
        boolean exact = l.exactSoftmax();
        long lo = NpuMath.lowest(a.out()), hi = NpuMath.highest(a.out());
        for (int r = 0; r < m; r++) {
            int p = l.position() + r;
            long q = Gemm.u(a.qBase()) + Gemm.u(a.stride()) * r + 2L * hd * h;
            long max = Long.MIN_VALUE;
            for (int t = 0; t <= p; t++) {
                long s = 0;
                for (int j = 0; j < hd; j++) s += (long) NpuMemory.getShort(act, q + 2L * j) * kc[t * hd + j];
                counters.checkInt32(s, worker);
                long v = NpuMath.requant(s, a.rqScore());
                u[t] = v < NpuMath.INT32_MIN ? NpuMath.INT32_MIN : Math.min(v, NpuMath.INT32_MAX);
                max = Math.max(max, u[t]);
            }
            long total = 0;
            for (int t = 0; t <= p; t++) {
                e[t] = NpuMath.exp2neg(max - u[t], exact);
                total += e[t];
            }
            java.util.Arrays.fill(num, 0, hd, 0L);
            for (int t = 0; t <= p; t++) {
                long et = e[t];
                if (et == 0) continue;
                int base = t * hd;
                for (int j = 0; j < hd; j++) num[j] += et * vc[base + j];
            }
            long out = Gemm.u(a.outBase()) + Gemm.u(a.outStride()) * r + 2L * hd * h;
            for (int j = 0; j < hd; j++) {
                long c = NpuMath.divRound(num[j], total);
                long y = counters.sat(NpuMath.requant(c, a.rqOut()), lo, hi, worker);
                NpuMemory.putShort(act, out + 2L * j, (short) y);
            }
        }
    }
}
