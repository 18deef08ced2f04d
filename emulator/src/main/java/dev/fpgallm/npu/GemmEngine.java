package dev.fpgallm.npu;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * GEMM: int16 activations x int8 weights, exact 64-bit sums (the hardware's 48-bit accumulator cannot wrap, so any
 * summation order gives the same bits), then the requantize / GELU / residual epilogue.
 *
 * <p>The weights are read from the device's own panel copy ({@link WeightPanels}: 8 channels x 16 inputs = 128
 * contiguous bytes per step), so each worker streams one array forward. Work is split by tile column (16 output
 * channels, two panels). Decode (one row) keeps a panel's 8 channels in registers; prefill (several rows) keeps a
 * 4 rows x 4 channels tile, so each weight vector loaded serves four rows and each activation vector four
 * channels, and the tile column's panels (at most 64 KiB) stay in cache across the row blocks.
 *
 * <p>Exactness: a product |x * w| <= 32768 * 128 = 2^22. An int lane receives one product per vector step, 16 /
 * LANES per 16-input chunk, and is flushed to a long after {@link #FLUSH_CHUNKS} chunks: at most 511 products,
 * |lane| <= 511 * 2^22 < 2^31. At 16 int lanes the flush never falls inside a row (K <= Isa.MAX_K = 4096 is 256
 * products per lane). Lanes are summed in long.
 */
final class GemmEngine implements ParallelLoop.Body {
    /**
     * The JVM's preferred int vector, 8 or 16 lanes: at most 16 so a 16-input chunk fills whole vectors, at least 8
     * so that a lane's int8 weights are at least a 64-bit byte vector (the smallest shape; 128-bit machines run
     * 256-bit vectors in the API's fallback, as the engine always did).
     */
    static final VectorSpecies<Integer> INTS = VectorSpecies.of(int.class,
            VectorShape.forBitSize(Math.max(256, Math.min(IntVector.SPECIES_PREFERRED.vectorBitSize(), 512))));
    private static final VectorSpecies<Byte> BYTES = VectorSpecies.of(byte.class, VectorShape.forBitSize(INTS.length() * 8));
    private static final int LANES = INTS.length();
    /** Inputs per chunk: one channel's 16-byte slice. */
    private static final int CHUNK = 16;
    /** Bytes of a panel per chunk: its 8 channels' slices. */
    private static final int STEP = WeightPanels.CHANNELS * CHUNK;
    /** Chunks an int lane may accumulate: 511 products of at most 2^22 (see the class comment). */
    static final int FLUSH_CHUNKS = 511 / (CHUNK / LANES);
    /** Rows of a prefill register tile (the input is padded with zero rows to a multiple). */
    private static final int ROW_BLOCK = 4;

    private final ParallelLoop loop;
    private final Counters counters;
    private int[] x = new int[0];           // input rows as ints [row][K], zero rows up to a multiple of ROW_BLOCK
    private final long[][] sums;             // per worker: 16 channel sums of the register tile in flight
    private final int[][] lanes;             // per worker: the tile's int accumulators, lane by lane, at a flush
    private final int[] gelu = new int[Isa.GELU_TABLE_WORDS];
    private final WeightPanels panels = new WeightPanels();
    // the instruction in flight, for run(i, worker)
    private Gemm g;
    private byte[] w;
    private NpuMemory mem;
    private int rows;

    GemmEngine(ParallelLoop loop, Counters counters) {
        this.loop = loop;
        this.counters = counters;
        this.sums = new long[loop.workers()][16 * 8]; // 8 x 16 longs apart: no false sharing
        this.lanes = new int[loop.workers()][16 * LANES + 64];
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
        loop.run(n / 16, 4, this);
        this.mem = null;
        this.w = null;
    }

    @Override
    public void run(int t, int worker) {
        tileColumn(g, mem, rows, t, worker);
    }

    /** The 16 output channels of tile column t (panels 2t and 2t + 1), for every row. */
    private void tileColumn(Gemm g, NpuMemory mem, int rows, int t, int worker) {
        int k = g.k(), column = t * 16 * k;
        long[] s = sums[worker];
        int[] l = lanes[worker];
        if (rows == 1) {
            java.util.Arrays.fill(s, 0, 16, 0);
            panelRow(column, k, s, 0, l);
            panelRow(column + 8 * k, k, s, 8, l);
            for (int c = 0; c < 16; c++) output(g, mem, 0, t * 16 + c, s[c], worker);
            return;
        }
        for (int r0 = 0; r0 < rows; r0 += ROW_BLOCK)
            for (int c0 = 0; c0 < 16; c0 += 4) {
                block4x4(column + (c0 / 8) * 8 * k + (c0 % 8) * CHUNK, k, r0 * k, s, l);
                for (int r = r0; r < Math.min(rows, r0 + ROW_BLOCK); r++)
                    for (int c = 0; c < 4; c++) output(g, mem, r, t * 16 + c0 + c, s[(r - r0) * 4 + c], worker);
            }
    }

    /**
     * Decode: s[c0 + c] = sum_k x[0][k] W[c][k] for the 8 channels of the panel at {@code at}. (A whole tile column's
     * 16 accumulators in one loop exceed what C2 inlines, NodeCountInliningCutoff, and it then boxes the vectors.)
     */
    private void panelRow(int at, int k, long[] s, int c0, int[] lanes) {
        byte[] w = this.w;
        int chunks = k / CHUNK;
        for (int b0 = 0; b0 < chunks; b0 += FLUSH_CHUNKS) {
            IntVector a0 = IntVector.zero(INTS), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            int end = Math.min(chunks, b0 + FLUSH_CHUNKS);
            for (int b = b0; b < end; b++) {
                int p = at + b * STEP;
                for (int i = 0; i < CHUNK; i += LANES, p += LANES) {
                    IntVector xv = IntVector.fromArray(INTS, x, b * CHUNK + i);
                    a0 = mac(a0, w, p, xv);
                    a1 = mac(a1, w, p + 16, xv);
                    a2 = mac(a2, w, p + 32, xv);
                    a3 = mac(a3, w, p + 48, xv);
                    a4 = mac(a4, w, p + 64, xv);
                    a5 = mac(a5, w, p + 80, xv);
                    a6 = mac(a6, w, p + 96, xv);
                    a7 = mac(a7, w, p + 112, xv);
                }
            }
            int[] l = lanes;
            a0.intoArray(l, 0);
            a1.intoArray(l, LANES);
            a2.intoArray(l, 2 * LANES);
            a3.intoArray(l, 3 * LANES);
            a4.intoArray(l, 4 * LANES);
            a5.intoArray(l, 5 * LANES);
            a6.intoArray(l, 6 * LANES);
            a7.intoArray(l, 7 * LANES);
            flush(l, 8, s, c0);
        }
    }

    /**
     * Prefill: s[r * 4 + c] = sum_k x[row0 + r][k] W[c][k] for 4 rows (x from int offset {@code xAt}) and the 4
     * channels whose 16-byte slices start at {@code at} in each step of their panel.
     */
    private void block4x4(int at, int k, int xAt, long[] s, int[] lanes) {
        byte[] w = this.w;
        java.util.Arrays.fill(s, 0, 16, 0);
        int chunks = k / CHUNK;
        for (int b0 = 0; b0 < chunks; b0 += FLUSH_CHUNKS) {
            IntVector a00 = IntVector.zero(INTS), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00,
                    a13 = a00, a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
            int end = Math.min(chunks, b0 + FLUSH_CHUNKS);
            for (int b = b0; b < end; b++) {
                int p = at + b * STEP;
                for (int i = 0; i < CHUNK; i += LANES, p += LANES) {
                    int xi = xAt + b * CHUNK + i;
                    IntVector x0 = IntVector.fromArray(INTS, x, xi), x1 = IntVector.fromArray(INTS, x, xi + k),
                            x2 = IntVector.fromArray(INTS, x, xi + 2 * k), x3 = IntVector.fromArray(INTS, x, xi + 3 * k);
                    IntVector wv = weights(w, p);
                    a00 = a00.add(wv.mul(x0));
                    a10 = a10.add(wv.mul(x1));
                    a20 = a20.add(wv.mul(x2));
                    a30 = a30.add(wv.mul(x3));
                    wv = weights(w, p + 16);
                    a01 = a01.add(wv.mul(x0));
                    a11 = a11.add(wv.mul(x1));
                    a21 = a21.add(wv.mul(x2));
                    a31 = a31.add(wv.mul(x3));
                    wv = weights(w, p + 32);
                    a02 = a02.add(wv.mul(x0));
                    a12 = a12.add(wv.mul(x1));
                    a22 = a22.add(wv.mul(x2));
                    a32 = a32.add(wv.mul(x3));
                    wv = weights(w, p + 48);
                    a03 = a03.add(wv.mul(x0));
                    a13 = a13.add(wv.mul(x1));
                    a23 = a23.add(wv.mul(x2));
                    a33 = a33.add(wv.mul(x3));
                }
            }
            int[] l = lanes;
            a00.intoArray(l, 0);
            a01.intoArray(l, LANES);
            a02.intoArray(l, 2 * LANES);
            a03.intoArray(l, 3 * LANES);
            a10.intoArray(l, 4 * LANES);
            a11.intoArray(l, 5 * LANES);
            a12.intoArray(l, 6 * LANES);
            a13.intoArray(l, 7 * LANES);
            a20.intoArray(l, 8 * LANES);
            a21.intoArray(l, 9 * LANES);
            a22.intoArray(l, 10 * LANES);
            a23.intoArray(l, 11 * LANES);
            a30.intoArray(l, 12 * LANES);
            a31.intoArray(l, 13 * LANES);
            a32.intoArray(l, 14 * LANES);
            a33.intoArray(l, 15 * LANES);
            flush(l, 16, s, 0);
        }
    }

    /** LANES int8 weights from byte p, sign-extended to int lanes. */
    private static IntVector weights(byte[] w, int p) {
        return (IntVector) ByteVector.fromArray(BYTES, w, p).convertShape(VectorOperators.B2I, INTS, 0);
    }

    private static IntVector mac(IntVector acc, byte[] w, int p, IntVector x) {
        return acc.add(weights(w, p).mul(x));
    }

    /**
     * s[at + j] += the sum of accumulator j's lanes (stored at l[j * LANES]), in long: 16 lanes of up to 2^30 each
     * would wrap an int reduction. Accumulators go through memory because C2 stops inlining (and boxes the vectors)
     * when one method converts sixteen of them.
     */
    private static void flush(int[] l, int count, long[] s, int at) {
        for (int j = 0; j < count; j++) {
            long sum = 0;
            for (int i = 0; i < LANES; i++) sum += l[j * LANES + i];
            s[at + j] += sum;
        }
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
