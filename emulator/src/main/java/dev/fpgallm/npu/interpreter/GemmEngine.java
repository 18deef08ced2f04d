package dev.fpgallm.npu.interpreter;

import dev.fpgallm.npu.isa.Gemm;
import dev.fpgallm.npu.isa.Isa;
import dev.fpgallm.npu.isa.Launch;
import dev.fpgallm.npu.isa.NpuMath;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * GEMM: int16 activations x int8 weights in the tiled layout of isa.md 3.2, exact 64-bit sums (the hardware's
 * 48-bit accumulator cannot wrap, so any summation order gives the same bits), then the requantize / GELU /
 * residual epilogue. Tile columns (16 output channels) are split across the workers; inner products use the Vector
 * API: 8 int8 weights widened to int lanes, multiplied by 8 int16 activations, summed in int lanes and flushed to
 * a long before an int lane or the lane sum could overflow.
 */
final class GemmEngine implements ParallelLoop.Body {
    private static final VectorSpecies<Byte> B64 = ByteVector.SPECIES_64;
    private static final VectorSpecies<Integer> I256 = IntVector.SPECIES_256;
    /** Per lane and 16-input block: two products of at most 2^22; 16 blocks keep the 8 lanes' sum within 2^30. */
    private static final int FLUSH_BLOCKS = 16;

    private final ParallelLoop loop;
    private final Counters counters;
    private int[] x = new int[0];           // input rows as ints [row][K]
    private final int[][] channel;           // per worker: one output channel's weights as ints [K]
    private final int[] gelu = new int[Isa.GELU_TABLE_WORDS];
    // the instruction in flight, for run(i, worker)
    private Gemm g;
    private NpuMemory mem;
    private int rows;

    GemmEngine(ParallelLoop loop, Counters counters) {
        this.loop = loop;
        this.counters = counters;
        this.channel = new int[loop.workers()][Isa.MAX_K];
    }

    void run(Gemm g, Launch l, NpuMemory mem) {
        int k = g.k(), n = g.n(), rows = l.rowsRead(g.rows()), first = l.firstRowRead(g.rows());
        byte[] act = mem.get(Isa.ARG_ACT);
        if (x.length < rows * k) x = new int[rows * k];
        for (int r = 0; r < rows; r++) {
            long row = Gemm.u(g.xBase()) + (first + r) * Gemm.u(g.xStride());
            for (int i = 0; i < k; i++) x[r * k + i] = NpuMemory.getShort(act, row + 2L * i);
        }
        if (g.gelu()) {
            byte[] params = mem.get(Isa.ARG_PARAMS);
            for (int i = 0; i < Isa.GELU_TABLE_WORDS; i++) gelu[i] = NpuMemory.getInt(params, Gemm.u(g.geluOff()) + 4L * i);
        }
        this.g = g;
        this.mem = mem;
        this.rows = rows;
        loop.run(n / 16, 4, this);
        this.mem = null;
    }

    @Override
    public void run(int t, int worker) {
        tileColumn(g, mem, rows, t, worker);
    }

    /** The 16 output channels of tile column t, for every row. */
    private void tileColumn(Gemm g, NpuMemory mem, int rows, int t, int worker) {
        int k = g.k(), blocks = k / 16;
        byte[] w = mem.weights(t & 3);
        long column = Gemm.u(g.wOff()) + (long) (t >> 2) * blocks * 256;
        byte[] params = mem.get(Isa.ARG_PARAMS);
        int[] wInt = channel[worker];
        for (int c = 0; c < 16; c++) {
            int n = t * 16 + c;
            int at = (int) (column + c * 16);
            long p = Gemm.u(g.pOff()) + 8L * n;
            int bias = NpuMemory.getInt(params, p), rq = NpuMemory.getInt(params, p + 4);
            if (rows == 1) {
                epilogue(g, mem, 0, n, bias + dotTiled(w, at, blocks), rq, worker);
                continue;
            }
            for (int b = 0; b < blocks; b++) {
                for (int i = 0; i < 16; i++) wInt[b * 16 + i] = w[at + b * 256 + i];
            }
            for (int r = 0; r < rows; r++) epilogue(g, mem, r, n, bias + dot(wInt, r * k, k), rq, worker);
        }
    }

    /** One channel against row 0, reading the channel's 16-byte slices straight from the tiled weights. */
    private long dotTiled(byte[] w, int at, int blocks) {
        long total = 0;
        for (int b0 = 0; b0 < blocks; b0 += FLUSH_BLOCKS) {
            IntVector acc = IntVector.zero(I256);
            int end = Math.min(blocks, b0 + FLUSH_BLOCKS);
            for (int b = b0; b < end; b++) {
                int p = at + b * 256;
                IntVector lo = (IntVector) ByteVector.fromArray(B64, w, p).convertShape(VectorOperators.B2I, I256, 0);
                IntVector hi = (IntVector) ByteVector.fromArray(B64, w, p + 8).convertShape(VectorOperators.B2I, I256, 0);
                acc = acc.add(lo.mul(IntVector.fromArray(I256, x, b * 16)))
                        .add(hi.mul(IntVector.fromArray(I256, x, b * 16 + 8)));
            }
            total += acc.reduceLanes(VectorOperators.ADD);
        }
        return total;
    }

    /** One channel (as ints) against one row. */
    private long dot(int[] wInt, int xAt, int k) {
        long total = 0;
        for (int i0 = 0; i0 < k; i0 += 16 * FLUSH_BLOCKS) {
            IntVector acc = IntVector.zero(I256);
            int end = Math.min(k, i0 + 16 * FLUSH_BLOCKS);
            for (int i = i0; i < end; i += 8)
                acc = acc.add(IntVector.fromArray(I256, wInt, i).mul(IntVector.fromArray(I256, x, xAt + i)));
            total += acc.reduceLanes(VectorOperators.ADD);
        }
        return total;
    }

    private void epilogue(Gemm g, NpuMemory mem, int r, int n, long acc, int rq, int worker) {
        counters.checkInt32(acc, worker);
        long y = NpuMath.requant(acc, rq);
        if (g.gelu()) y = NpuMath.geluLut((int) counters.sat(y, -32768, 32767, worker), gelu, 0);
        if (g.residual()) {
            long at = Gemm.u(g.resBase()) + r * Gemm.u(g.resStride()) + 2L * n;
            y += NpuMath.requant(NpuMemory.getShort(mem.get(Isa.ARG_ACT), at), g.rqRes());
        }
        y = counters.sat(y, NpuMath.lowest(g.out()), NpuMath.highest(g.out()), worker);
        long row = Gemm.u(g.yBase()) + r * Gemm.u(g.yStride());
        if (g.toLogits()) NpuMemory.putInt(mem.get(Isa.ARG_LOGITS), row + 4L * n, (int) y);
        else NpuMemory.putShort(mem.get(Isa.ARG_ACT), row + 2L * n, (short) y);
    }
}
