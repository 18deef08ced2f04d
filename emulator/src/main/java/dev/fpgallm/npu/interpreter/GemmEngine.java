package dev.fpgallm.npu.interpreter;

import dev.fpgallm.npu.isa.Gemm;
import dev.fpgallm.npu.isa.Isa;
import dev.fpgallm.npu.isa.Launch;
import dev.fpgallm.npu.isa.NpuMath;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * GEMM: int16 activations x int8 weights, exact 64-bit sums (the hardware's 48-bit accumulator cannot wrap, so any
 * summation order gives the same bits), then the requantize / GELU / residual epilogue.
 *
 * <p>The weights are read from the device's own copy ({@link WeightPanels}): panels of {@link #PANEL} = 4 vectors
 * of output channels, one input's weights per step, so each worker streams one array forward and every int lane
 * is one output channel: an input is broadcast and multiplied into 4 vectors of channels, and no sum across lanes
 * is ever needed. Workers split the panels. Decode (one row) keeps a panel's 4 vectors in registers; prefill
 * (several rows) keeps 4 rows x 4 vectors, so each weight vector loaded serves four rows, and the panel (at most
 * 256 KiB at K = Isa.MAX_K) stays in cache across the row blocks.
 *
 * <p>Exactness: a product |x * w| <= 32768 * 128 = 2^22, and a lane receives one product per input, so the int
 * lanes are added into long sums every {@link #FLUSH_INPUTS} = 496 inputs: |lane| <= 496 * 2^22 < 511 * 2^22
 * < 2^31. K is at most Isa.MAX_K = 4096, so a row flushes at most 9 times.
 */
final class GemmEngine implements ParallelLoop.Body {
    /**
     * The JVM's preferred int vector, 8 or 16 lanes: at most 16 (a 512-bit machine's), at least 8 so that a
     * vector's int8 weights are at least a 64-bit byte vector, the smallest shape (128-bit machines run 256-bit
     * vectors in the API's fallback, as the engine always did).
     */
    static final VectorSpecies<Integer> INTS = VectorSpecies.of(int.class,
            VectorShape.forBitSize(Math.max(256, Math.min(IntVector.SPECIES_PREFERRED.vectorBitSize(), 512))));
    private static final VectorSpecies<Byte> BYTES = VectorSpecies.of(byte.class, VectorShape.forBitSize(INTS.length() * 8));
    private static final int LANES = INTS.length();
    /** Output channels per panel: 4 vectors (64 at 16 lanes, a divisor of N's multiple 64). */
    static final int PANEL = 4 * LANES;
    /** Inputs an int lane accumulates between flushes: at most 511 products of 2^22, a multiple of 16 (like K). */
    static final int FLUSH_INPUTS = 496;
    /** Rows of a prefill register tile (the input is padded with zero rows to a multiple). */
    private static final int ROW_BLOCK = 4;

    private final ParallelLoop loop;
    private final Counters counters;
    private int[] x = new int[0];           // input rows as ints [row][K], zero rows up to a multiple of ROW_BLOCK
    private final long[][] sums;             // per worker: the register tile's sums [row][channel of the panel]
    private final int[][] lanes;             // per worker: the tile's int accumulators at a flush
    private final int[] gelu = new int[Isa.GELU_TABLE_WORDS];
    private final WeightPanels panels = new WeightPanels(PANEL);
    // the instruction in flight, for run(i, worker)
    private Gemm g;
    private byte[] w;
    private NpuMemory mem;
    private int rows;

    GemmEngine(ParallelLoop loop, Counters counters) {
        this.loop = loop;
        this.counters = counters;
        this.sums = new long[loop.workers()][ROW_BLOCK * PANEL + 16]; // + 16: no false sharing between workers
        this.lanes = new int[loop.workers()][ROW_BLOCK * PANEL + 16];
    }

    void run(Gemm g, Launch l, NpuMemory mem) {
        int k = g.k(), n = g.n(), rows = l.rowsRead(g.rows()), first = l.firstRowRead(g.rows());
        byte[] act = mem.get(Isa.ARG_ACT);
        int padded = rows == 1 ? 1 : (rows + ROW_BLOCK - 1) / ROW_BLOCK * ROW_BLOCK;
        if (x.length < padded * k) x = new int[padded * k];
        for (int r = 0; r < rows; r++) {
            long row = Gemm.u(g.xBase()) + (first + r) * Gemm.u(g.xStride());
            for (int i = 0; i < k; i++) x[r * k + i] = NpuMemory.getShort(act, row + 2L * i);
        }
        java.util.Arrays.fill(x, rows * k, padded * k, 0);
        if (g.gelu()) {
            byte[] params = mem.get(Isa.ARG_PARAMS);
            for (int i = 0; i < Isa.GELU_TABLE_WORDS; i++) gelu[i] = NpuMemory.getInt(params, Gemm.u(g.geluOff()) + 4L * i);
        }
        this.g = g;
        this.mem = mem;
        this.rows = rows;
        this.w = panels.of(g, mem);
        loop.run(n / PANEL, 1, this);
        this.mem = null;
        this.w = null;
    }

    @Override
    public void run(int panel, int worker) {
        int k = g.k(), at = panel * PANEL * k, n0 = panel * PANEL;
        long[] s = sums[worker];
        int[] l = lanes[worker];
        for (int r0 = 0; r0 < rows; r0 += ROW_BLOCK) {
            int block = Math.min(ROW_BLOCK, rows - r0);
            java.util.Arrays.fill(s, 0, ROW_BLOCK * PANEL, 0);
            if (rows == 1) panelRow(at, k, s, l);
            else panelRows(at, k, r0 * k, s, l);
            for (int r = 0; r < block; r++)
                for (int c = 0; c < PANEL; c++) output(g, mem, r0 + r, n0 + c, s[r * PANEL + c], worker);
        }
    }

    /**
     * Decode: s[c] = sum_k x[0][k] W[c][k] for the channels of the panel at byte {@code at}. Two inputs a step
     * (K and FLUSH_INPUTS are even): one input's four multiply-adds a step ran at half the speed, and four inputs'
     * sixteen exceed what C2 inlines in one method (NodeCountInliningCutoff; it then boxes every vector).
     */
    private void panelRow(int at, int k, long[] s, int[] l) {
        byte[] w = this.w;
        int[] x = this.x;
        for (int k0 = 0; k0 < k; k0 += FLUSH_INPUTS) {
            IntVector a0 = IntVector.zero(INTS), a1 = a0, a2 = a0, a3 = a0;
            int end = Math.min(k, k0 + FLUSH_INPUTS);
            for (int i = k0; i < end; i += 2) {
                int p = at + i * PANEL;
                IntVector xi = IntVector.broadcast(INTS, x[i]);
                a0 = a0.add(weights(w, p).mul(xi));
                a1 = a1.add(weights(w, p + LANES).mul(xi));
                a2 = a2.add(weights(w, p + 2 * LANES).mul(xi));
                a3 = a3.add(weights(w, p + 3 * LANES).mul(xi));
                xi = IntVector.broadcast(INTS, x[i + 1]);
                a0 = a0.add(weights(w, p + PANEL).mul(xi));
                a1 = a1.add(weights(w, p + PANEL + LANES).mul(xi));
                a2 = a2.add(weights(w, p + PANEL + 2 * LANES).mul(xi));
                a3 = a3.add(weights(w, p + PANEL + 3 * LANES).mul(xi));
            }
            a0.intoArray(l, 0);
            a1.intoArray(l, LANES);
            a2.intoArray(l, 2 * LANES);
            a3.intoArray(l, 3 * LANES);
            for (int c = 0; c < PANEL; c++) s[c] += l[c];
        }
    }

    /**
     * Prefill: s[r * PANEL + c] = sum_k x[r][k] W[c][k] for 4 rows (x from int offset {@code xAt}) and the channels
     * of the panel at byte {@code at}.
     */
    private void panelRows(int at, int k, int xAt, long[] s, int[] l) {
        byte[] w = this.w;
        int[] x = this.x;
        for (int k0 = 0; k0 < k; k0 += FLUSH_INPUTS) {
            IntVector a00 = IntVector.zero(INTS), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00,
                    a13 = a00, a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
            int end = Math.min(k, k0 + FLUSH_INPUTS);
            for (int i = k0; i < end; i++) {
                int p = at + i * PANEL;
                IntVector w0 = weights(w, p), w1 = weights(w, p + LANES), w2 = weights(w, p + 2 * LANES),
                        w3 = weights(w, p + 3 * LANES);
                IntVector xi = IntVector.broadcast(INTS, x[xAt + i]);
                a00 = a00.add(w0.mul(xi));
                a01 = a01.add(w1.mul(xi));
                a02 = a02.add(w2.mul(xi));
                a03 = a03.add(w3.mul(xi));
                xi = IntVector.broadcast(INTS, x[xAt + k + i]);
                a10 = a10.add(w0.mul(xi));
                a11 = a11.add(w1.mul(xi));
                a12 = a12.add(w2.mul(xi));
                a13 = a13.add(w3.mul(xi));
                xi = IntVector.broadcast(INTS, x[xAt + 2 * k + i]);
                a20 = a20.add(w0.mul(xi));
                a21 = a21.add(w1.mul(xi));
                a22 = a22.add(w2.mul(xi));
                a23 = a23.add(w3.mul(xi));
                xi = IntVector.broadcast(INTS, x[xAt + 3 * k + i]);
                a30 = a30.add(w0.mul(xi));
                a31 = a31.add(w1.mul(xi));
                a32 = a32.add(w2.mul(xi));
                a33 = a33.add(w3.mul(xi));
            }
            // through memory: 16 vector-to-long conversions in one method exceed what C2 inlines (then it boxes)
            a00.intoArray(l, 0);
            a01.intoArray(l, LANES);
            a02.intoArray(l, 2 * LANES);
            a03.intoArray(l, 3 * LANES);
            a10.intoArray(l, PANEL);
            a11.intoArray(l, PANEL + LANES);
            a12.intoArray(l, PANEL + 2 * LANES);
            a13.intoArray(l, PANEL + 3 * LANES);
            a20.intoArray(l, 2 * PANEL);
            a21.intoArray(l, 2 * PANEL + LANES);
            a22.intoArray(l, 2 * PANEL + 2 * LANES);
            a23.intoArray(l, 2 * PANEL + 3 * LANES);
            a30.intoArray(l, 3 * PANEL);
            a31.intoArray(l, 3 * PANEL + LANES);
            a32.intoArray(l, 3 * PANEL + 2 * LANES);
            a33.intoArray(l, 3 * PANEL + 3 * LANES);
            for (int j = 0; j < ROW_BLOCK * PANEL; j++) s[j] += l[j];
        }
    }

    /** LANES int8 weights from byte p, sign-extended to int lanes. */
    private static IntVector weights(byte[] w, int p) {
        return (IntVector) ByteVector.fromArray(BYTES, w, p).convertShape(VectorOperators.B2I, INTS, 0);
    }

    /** Channel n of row r: bias, then the epilogue. */
    private void output(Gemm g, NpuMemory mem, int r, int n, long dot, int worker) {
        long p = Gemm.u(g.pOff()) + 8L * n;
        byte[] params = mem.get(Isa.ARG_PARAMS);
        epilogue(g, mem, r, n, NpuMemory.getInt(params, p) + dot, NpuMemory.getInt(params, p + 4), worker);
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
