package dev.fpgallm.npu.interpreter;

import dev.fpgallm.npu.isa.Gemm;
import dev.fpgallm.npu.isa.Isa;
import dev.fpgallm.npu.isa.Launch;
import dev.fpgallm.npu.isa.LayerNorm;
import dev.fpgallm.npu.isa.NpuMath;

import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * LAYERNORM (the vector unit): exact integer mean and variance, one reciprocal per row, per-channel g and b, in
 * long lanes of the Vector API. Every lane does the scalar definition's operations on 64-bit integers (a long lane
 * multiplies, adds and shifts exactly like a Java long), and the two row sums are exact integer sums (|x| <= 2^15,
 * x^2 <= 2^30, D <= 4096), so the result is the definition's bit for bit.
 */
final class LayerNormEngine implements ParallelLoop.Body {
    private static final VectorSpecies<Long> L = LongVector.SPECIES_PREFERRED.length() >= 4
            ? LongVector.SPECIES_PREFERRED : LongVector.SPECIES_256;
    private static final int LANES = L.length();
    /** LANES int16 inputs, and LANES {g, b} records of two int32. */
    private static final VectorSpecies<Byte> X = VectorSpecies.of(byte.class, VectorShape.forBitSize(16 * LANES)),
            P = VectorSpecies.of(byte.class, VectorShape.forBitSize(64 * LANES));
    private static final VectorSpecies<Short> Y = X.withLanes(short.class);

    static {
        // loads reinterpret bytes in the platform's order; isa.md's memory is little-endian
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN)
            throw new IllegalStateException("the emulator's LAYERNORM assumes a little-endian platform");
    }

    private final ParallelLoop loop;
    private final Counters counters;
    // the instruction in flight, for run(r, worker)
    private LayerNorm ln;
    private NpuMemory mem;
    private int first;

    LayerNormEngine(ParallelLoop loop, Counters counters) {
        this.loop = loop;
        this.counters = counters;
    }

    void run(LayerNorm ln, Launch l, NpuMemory mem) {
        int rows = l.rowsRead(ln.rows()), first = l.firstRowRead(ln.rows());
        this.ln = ln;
        this.mem = mem;
        this.first = first;
        loop.run(rows, 8, this);
        this.mem = null;
    }

    @Override
    public void run(int r, int worker) {
        row(ln, mem, first + r, r, worker);
    }

    private void row(LayerNorm ln, NpuMemory mem, int in, int outRow, int worker) {
        byte[] act = mem.get(Isa.ARG_ACT), params = mem.get(Isa.ARG_PARAMS);
        int d = ln.d();
        int x0 = (int) (Gemm.u(ln.xBase()) + in * Gemm.u(ln.xStride()));
        LongVector sumV = LongVector.zero(L), squaresV = LongVector.zero(L);
        for (int i = 0; i < d; i += LANES) {
            LongVector x = input(act, x0 + 2 * i);
            sumV = sumV.add(x);
            squaresV = squaresV.add(x.mul(x));
        }
        long sum = sumV.reduceLanes(VectorOperators.ADD), squares = squaresV.reduceLanes(VectorOperators.ADD);
        long variance = d * squares - sum * sum + ln.epsilon();   // D^2 (var + eps), < 2^62
        long rt = NpuMath.isqrt(variance);
        long inv = 0;   // with rt = 0 every z is 0, as the definition says
        int sh = 0;
        if (rt != 0) {
            inv = (1L << 62) / rt;
            sh = Math.max(0, NpuMath.bitlen(inv) - 31);
            inv >>= sh;
        }
        int zShift = 46 - sh, shift = ln.shift();   // zShift >= 14: bitlen(inv) <= 63
        long zHalf = 1L << (zShift - 1), yHalf = shift == 0 ? 0 : 1L << (shift - 1);
        int y0 = (int) (Gemm.u(ln.yBase()) + outRow * Gemm.u(ln.yStride()));
        int p = (int) Gemm.u(ln.pOff());
        long lo = NpuMath.lowest(ln.out()), hi = NpuMath.highest(ln.out());
        long saturated = 0;
        for (int i = 0; i < d; i += LANES) {
            LongVector x = input(act, x0 + 2 * i);
            LongVector z = x.mul(d).sub(sum).mul(inv).add(zHalf).lanewise(VectorOperators.ASHR, zShift);
            LongVector records = ByteVector.fromArray(P, params, p + 8 * i).reinterpretAsLongs();
            LongVector g = records.lanewise(VectorOperators.LSHL, 32).lanewise(VectorOperators.ASHR, 32);
            LongVector b = records.lanewise(VectorOperators.ASHR, 32);
            LongVector y = z.mul(g).add(b.lanewise(VectorOperators.LSHL, 16)).add(yHalf).lanewise(VectorOperators.ASHR, shift);
            VectorMask<Long> out = y.lt(lo).or(y.compare(VectorOperators.GT, hi));
            saturated += out.trueCount();
            y.max(lo).min(hi).convertShape(VectorOperators.L2S, Y, 0)
                    .reinterpretAsBytes().intoArray(act, y0 + 2 * i);
        }
        counters.saturations[worker * 8] += saturated;
    }

    /** LANES int16 of act at a byte offset, sign-extended to long lanes. */
    private static LongVector input(byte[] act, int at) {
        return (LongVector) ByteVector.fromArray(X, act, at).reinterpretAsShorts().convertShape(VectorOperators.S2L, L, 0);
    }
}
