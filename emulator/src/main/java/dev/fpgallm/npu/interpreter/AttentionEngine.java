package dev.fpgallm.npu.interpreter;

import dev.fpgallm.npu.isa.Attention;
import dev.fpgallm.npu.isa.Gemm;
import dev.fpgallm.npu.isa.Isa;
import dev.fpgallm.npu.isa.Launch;
import dev.fpgallm.npu.isa.NpuMath;

import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * ATTENTION: append this launch's K and V rows to the cache, then for each head (one per worker at a time) stream
 * the rows over the head's cache where it lies in kv (no copy), four rows at a time in a prefill: scores, base-2
 * softmax with exp2neg, then the weighted sum of V normalised once per output element (isa.md 4.2).
 * <p>
 * Both sums run in long lanes of the Vector API, so they are exact without any bound on the order: a score is at most
 * head_dim (<= Isa.MAX_HEAD_DIM = 256) products of two int16, |s| <= 256 * 2^30 = 2^38; a weighted sum is at most
 * max_seq (< 2^27) products e * v with e <= 65536 and |v| <= 2^15, so |sum| < 2^58. Long lanes (rather than int lanes
 * with flushes) because a single pair of int16 products already reaches 2^31.
 */
final class AttentionEngine implements ParallelLoop.Body {
    /** 8 long lanes on AVX-512, 4 on AVX2; a row slice of as many int16 widens into one long vector. */
    private static final VectorSpecies<Long> L = LongVector.SPECIES_PREFERRED.length() >= 4
            ? LongVector.SPECIES_PREFERRED : LongVector.SPECIES_256;
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(16 * L.length()));
    private static final int LANES = L.length();

    static {
        // widen() reads int16 by reinterpreting bytes in the platform's order; isa.md's memory is little-endian.
        // (ShortVector.fromMemorySegment with an explicit order is not intrinsified for heap arrays: 15x slower.)
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN)
            throw new IllegalStateException("the emulator's ATTENTION assumes a little-endian platform");
    }

    /** Rows a prefill block attends together. */
    private static final int ROWS = 4;

    private final ParallelLoop loop;
    private final Counters counters;
    private final long[][] q, sums;         // per worker: up to ROWS rows' q slices and weighted sums [ROWS][headDim]
    private final long[][] scores, weights; // per worker: [ROWS][max_seq]
    private final long[][] four, totals;    // per worker: dot4's results, the block's E per row
    // the instruction in flight, for run(h, worker)
    private Attention a;
    private Launch l;
    private byte[] act, kv;

    AttentionEngine(ParallelLoop loop, Counters counters) {
        this.loop = loop;
        this.counters = counters;
        int w = loop.workers();
        q = new long[w][ROWS * Isa.MAX_HEAD_DIM];
        sums = new long[w][ROWS * Isa.MAX_HEAD_DIM];
        four = new long[w][ROWS];
        totals = new long[w][ROWS];
        scores = new long[w][0];
        weights = new long[w][0];
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
        this.act = null;
        this.kv = null;
    }

    @Override
    public void run(int h, int worker) {
        int rows = ROWS * l.header().maxSeq();
        if (scores[worker].length < rows) {
            scores[worker] = new long[rows];
            weights[worker] = new long[rows];
        }
        int m = l.nTokens(), r = 0;
        for (; r + ROWS <= m; r += ROWS) block(a, l, r, h, worker);
        for (; r < m; r++) row(a, l, r, h, worker);
    }

    /** Row r of head h (decode, and the rows a prefill leaves after its blocks): positions 0 .. position + r. */
    private void row(Attention a, Launch l, int r, int h, int worker) {
        int hd = a.headDim(), p = l.position() + r;
        long rowBytes = 2L * hd, headBytes = rowBytes * l.header().maxSeq();
        long kHead = Gemm.u(a.kCache()) + headBytes * h, vHead = Gemm.u(a.vCache()) + headBytes * h;
        long[] qs = q[worker], u = scores[worker], e = weights[worker], num = sums[worker];
        loadQ(a, r, h, qs, 0);
        for (int t = 0; t <= p; t++) u[t] = score(a, dot(qs, 0, kHead + rowBytes * t, hd), worker);
        long total = softmax(u, e, 0, p + 1, l.exactSoftmax());
        weightedSums(e, p + 1, vHead, rowBytes, hd, num);
        output(a, r, h, num, 0, total, worker);
    }

    /**
     * Rows r .. r + 3 of head h (prefill): the positions all four attend (0 .. position + r) read each K and V slice
     * once for four rows; the one to three positions only the later rows see are added row by row.
     */
    private void block(Attention a, Launch l, int r, int h, int worker) {
        int hd = a.headDim(), p = l.position() + r, maxSeq = l.header().maxSeq();
        long rowBytes = 2L * hd, headBytes = rowBytes * maxSeq;
        long kHead = Gemm.u(a.kCache()) + headBytes * h, vHead = Gemm.u(a.vCache()) + headBytes * h;
        long[] qs = q[worker], u = scores[worker], e = weights[worker], num = sums[worker], s = four[worker];
        for (int k = 0; k < ROWS; k++) loadQ(a, r + k, h, qs, k * hd);
        for (int t = 0; t <= p; t++) {
            dot4(qs, kHead + rowBytes * t, hd, s);
            for (int k = 0; k < ROWS; k++) u[k * maxSeq + t] = score(a, s[k], worker);
        }
        for (int k = 1; k < ROWS; k++)
            for (int t = p + 1; t <= p + k; t++) u[k * maxSeq + t] = score(a, dot(qs, k * hd, kHead + rowBytes * t, hd), worker);
        long[] total = totals[worker];
        for (int k = 0; k < ROWS; k++) total[k] = softmax(u, e, k * maxSeq, p + k + 1, l.exactSoftmax());
        weightedSums4(e, maxSeq, p + 1, vHead, rowBytes, hd, num);
        for (int k = 1; k < ROWS; k++)
            for (int t = p + 1; t <= p + k; t++) addWeighted(num, k * hd, e[k * maxSeq + t], vHead + rowBytes * t, hd);
        for (int k = 0; k < ROWS; k++) output(a, r + k, h, num, k * hd, total[k], worker);
    }

    /** Row r's q slice of head h into qs[at ..]. */
    private void loadQ(Attention a, int r, int h, long[] qs, int at) {
        int hd = a.headDim();
        long from = Gemm.u(a.qBase()) + Gemm.u(a.stride()) * r + 2L * hd * h;
        for (int j = 0; j < hd; j++) qs[at + j] = NpuMemory.getShort(act, from + 2L * j);
    }

    /** u = sat(requant(s, rq_score)) in int32; s outside int32 counts an overflow event. */
    private long score(Attention a, long s, int worker) {
        counters.checkInt32(s, worker);
        long v = NpuMath.requant(s, a.rqScore());
        return v < NpuMath.INT32_MIN ? NpuMath.INT32_MIN : Math.min(v, NpuMath.INT32_MAX);
    }

    /** e[at + t] = exp2neg(max - u[at + t]) for t < n; returns their sum E. */
    private static long softmax(long[] u, long[] e, int at, int n, boolean exact) {
        long max = Long.MIN_VALUE;
        for (int t = 0; t < n; t++) max = Math.max(max, u[at + t]);
        long total = 0;
        for (int t = 0; t < n; t++) total += e[at + t] = NpuMath.exp2neg(max - u[at + t], exact);
        return total;
    }

    /** out[r][h][j] = sat(requant(div_round(num[at + j], E), rq_out)). */
    private void output(Attention a, int r, int h, long[] num, int at, long total, int worker) {
        int hd = a.headDim();
        long lo = NpuMath.lowest(a.out()), hi = NpuMath.highest(a.out());
        long out = Gemm.u(a.outBase()) + Gemm.u(a.outStride()) * r + 2L * hd * h;
        for (int j = 0; j < hd; j++) {
            long c = NpuMath.divRound(num[at + j], total);
            long y = counters.sat(NpuMath.requant(c, a.rqOut()), lo, hi, worker);
            NpuMemory.putShort(act, out + 2L * j, (short) y);
        }
    }

    /** q . K[t] with q at qs[from ..], the cached row read in place at byte offset {@code at} of kv. */
    private long dot(long[] qs, int from, long at, int hd) {
        LongVector acc = LongVector.zero(L);
        for (int j = 0; j < hd; j += LANES)
            acc = acc.add(widen(at + 2L * j).mul(LongVector.fromArray(L, qs, from + j)));
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /** The four rows' q . K[t] (q of row k at qs[k * hd ..]) into s[0 .. 3], widening each K slice once. */
    private void dot4(long[] qs, long at, int hd, long[] s) {
        LongVector a0 = LongVector.zero(L), a1 = a0, a2 = a0, a3 = a0;
        for (int j = 0; j < hd; j += LANES) {
            LongVector k = widen(at + 2L * j);
            a0 = a0.add(k.mul(LongVector.fromArray(L, qs, j)));
            a1 = a1.add(k.mul(LongVector.fromArray(L, qs, hd + j)));
            a2 = a2.add(k.mul(LongVector.fromArray(L, qs, 2 * hd + j)));
            a3 = a3.add(k.mul(LongVector.fromArray(L, qs, 3 * hd + j)));
        }
        s[0] = a0.reduceLanes(VectorOperators.ADD);
        s[1] = a1.reduceLanes(VectorOperators.ADD);
        s[2] = a2.reduceLanes(VectorOperators.ADD);
        s[3] = a3.reduceLanes(VectorOperators.ADD);
    }

    /**
     * num[j] = sum over t < n of e[t] * V[t][j], two vectors of j at a time over all positions (head_dim is a
     * multiple of 16 = 2 x 8 lanes), so the accumulators stay in registers.
     */
    private void weightedSums(long[] e, int n, long vHead, long rowBytes, int hd, long[] num) {
        for (int j = 0; j < hd; j += 2 * LANES) {
            LongVector a0 = LongVector.zero(L), a1 = LongVector.zero(L);
            long at = vHead + 2L * j;
            for (int t = 0; t < n; t++, at += rowBytes) {
                LongVector et = LongVector.broadcast(L, e[t]);
                a0 = a0.add(widen(at).mul(et));
                a1 = a1.add(widen(at + 2L * LANES).mul(et));
            }
            a0.intoArray(num, j);
            a1.intoArray(num, j + LANES);
        }
    }

    /**
     * num[from + j] += e * V[t][j], with V[t] at byte offset {@code at} of kv. A method of its own: inside block()'s
     * cold tail loop the JIT left the vectors boxed (3.5 MB allocated per prefill ATTENTION).
     */
    private void addWeighted(long[] num, int from, long e, long at, int hd) {
        for (int j = 0; j < hd; j += LANES)
            LongVector.fromArray(L, num, from + j).add(widen(at + 2L * j).mul(e)).intoArray(num, from + j);
    }

    /** The four rows' weighted sums over positions t < n (row k's weights at e[k * stride ..], sums at num[k * hd ..]). */
    private void weightedSums4(long[] e, int stride, int n, long vHead, long rowBytes, int hd, long[] num) {
        for (int j = 0; j < hd; j += LANES) {
            LongVector a0 = LongVector.zero(L), a1 = a0, a2 = a0, a3 = a0;
            long at = vHead + 2L * j;
            for (int t = 0; t < n; t++, at += rowBytes) {
                LongVector v = widen(at);
                a0 = a0.add(v.mul(e[t]));
                a1 = a1.add(v.mul(e[stride + t]));
                a2 = a2.add(v.mul(e[2 * stride + t]));
                a3 = a3.add(v.mul(e[3 * stride + t]));
            }
            a0.intoArray(num, j);
            a1.intoArray(num, hd + j);
            a2.intoArray(num, 2 * hd + j);
            a3.intoArray(num, 3 * hd + j);
        }
    }

    /** LANES int16 of kv at a byte offset, sign-extended to long lanes. */
    private LongVector widen(long at) {
        return (LongVector) ByteVector.fromArray(B, kv, (int) at).reinterpretAsShorts().convertShape(VectorOperators.S2L, L, 0);
    }
}
