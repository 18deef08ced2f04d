package dev.fpgallm.npu.interpreter;

import dev.fpgallm.npu.isa.Gemm;
import dev.fpgallm.npu.isa.Isa;
import dev.fpgallm.npu.isa.Launch;
import dev.fpgallm.npu.isa.LayerNorm;
import dev.fpgallm.npu.isa.NpuMath;

/** LAYERNORM (the vector unit): exact integer mean and variance, one reciprocal per row, per-channel g and b. */
final class LayerNormEngine implements ParallelLoop.Body {
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
        long x0 = Gemm.u(ln.xBase()) + in * Gemm.u(ln.xStride());
        long sum = 0, squares = 0;
        for (int i = 0; i < d; i++) {
            long v = NpuMemory.getShort(act, x0 + 2L * i);
            sum += v;
            squares += v * v;
        }
        long variance = d * squares - sum * sum + ln.epsilon();   // D^2 (var + eps), < 2^62
        long rt = NpuMath.isqrt(variance);
        long inv = 0;
        int sh = 0;
        if (rt != 0) {
            inv = (1L << 62) / rt;
            sh = Math.max(0, NpuMath.bitlen(inv) - 31);
            inv >>= sh;
        }
        long y0 = Gemm.u(ln.yBase()) + outRow * Gemm.u(ln.yStride());
        long p = Gemm.u(ln.pOff());
        long lo = NpuMath.lowest(ln.out()), hi = NpuMath.highest(ln.out());
        for (int i = 0; i < d; i++) {
            long z = rt == 0 ? 0 : NpuMath.rshiftRound((d * (long) NpuMemory.getShort(act, x0 + 2L * i) - sum) * inv, 46 - sh);
            long g = NpuMemory.getInt(params, p + 8L * i), b = NpuMemory.getInt(params, p + 8L * i + 4);
            long y = counters.sat(NpuMath.rshiftRound(z * g + (b << 16), ln.shift()), lo, hi, worker);
            NpuMemory.putShort(act, y0 + 2L * i, (short) y);
        }
    }
}
