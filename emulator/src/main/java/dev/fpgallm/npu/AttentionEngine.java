package dev.fpgallm.npu;

import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * ATTENTION: append this launch's K and V rows to the cache, then for each head (one per worker at a time) stream
 * every row over the head's cache where it lies in kv (no copy): scores, base-2 softmax with exp2neg, then the
 * weighted sum of V normalised once per output element (isa.md 4.2).
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

    private final ParallelLoop loop;
    private final Counters counters;
    private final long[][] q, sums;       // per worker: one row's q slice and weighted sums [headDim]
    private final long[][] scores, weights; // per worker: [position]
    // the instruction in flight, for run(h, worker)
    private Attention a;
    private Launch l;
    private byte[] act, kv;

    AttentionEngine(ParallelLoop loop, Counters counters) {
        this.loop = loop;
        this.counters = counters;
        int w = loop.workers();
        q = new long[w][Isa.MAX_HEAD_DIM];
        sums = new long[w][Isa.MAX_HEAD_DIM];
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
        int seen = l.position() + l.nTokens();
        if (scores[worker].length < seen) {
            scores[worker] = new long[l.header().maxSeq()];
            weights[worker] = new long[l.header().maxSeq()];
        }
        for (int r = 0; r < l.nTokens(); r++) row(a, l, r, h, worker);
    }

    /** Row r of head h: attends positions 0 .. position + r. */
    private void row(Attention a, Launch l, int r, int h, int worker) {
        int hd = a.headDim(), p = l.position() + r;
        long rowBytes = 2L * hd, headBytes = rowBytes * l.header().maxSeq();
        long kHead = Gemm.u(a.kCache()) + headBytes * h, vHead = Gemm.u(a.vCache()) + headBytes * h;
        long[] qs = q[worker], u = scores[worker], e = weights[worker], num = sums[worker];
        long qAt = Gemm.u(a.qBase()) + Gemm.u(a.stride()) * r + rowBytes * h;
        for (int j = 0; j < hd; j++) qs[j] = NpuMemory.getShort(act, qAt + 2L * j);

        long max = Long.MIN_VALUE;
        for (int t = 0; t <= p; t++) {
            long s = dot(qs, kHead + rowBytes * t, hd);
            counters.checkInt32(s, worker);
            long v = NpuMath.requant(s, a.rqScore());
            u[t] = v < NpuMath.INT32_MIN ? NpuMath.INT32_MIN : Math.min(v, NpuMath.INT32_MAX);
            max = Math.max(max, u[t]);
        }
        boolean exact = l.exactSoftmax();
        long total = 0;
        for (int t = 0; t <= p; t++) {
            e[t] = NpuMath.exp2neg(max - u[t], exact);
            total += e[t];
        }
        weightedSums(e, p + 1, vHead, rowBytes, hd, num);

        long lo = NpuMath.lowest(a.out()), hi = NpuMath.highest(a.out());
        long out = Gemm.u(a.outBase()) + Gemm.u(a.outStride()) * r + rowBytes * h;
        for (int j = 0; j < hd; j++) {
            long c = NpuMath.divRound(num[j], total);
            long y = counters.sat(NpuMath.requant(c, a.rqOut()), lo, hi, worker);
            NpuMemory.putShort(act, out + 2L * j, (short) y);
        }
    }

    /** q . K[t], the cached row read in place at byte offset {@code at} of kv. */
    private long dot(long[] qs, long at, int hd) {
        LongVector acc = LongVector.zero(L);
        for (int j = 0; j < hd; j += LANES)
            acc = acc.add(widen(at + 2L * j).mul(LongVector.fromArray(L, qs, j)));
        return acc.reduceLanes(VectorOperators.ADD);
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

    /** LANES int16 of kv at a byte offset, sign-extended to long lanes. */
    private LongVector widen(long at) {
        return (LongVector) ByteVector.fromArray(B, kv, (int) at).reinterpretAsShorts().convertShape(VectorOperators.S2L, L, 0);
    }
}
