package dev.fpgallm.hls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fpgallm.npu.isa.Attention;
import dev.fpgallm.npu.timing.BoardModel;
import dev.fpgallm.npu.timing.CycleModel;
import dev.fpgallm.npu.isa.Gemm;
import dev.fpgallm.npu.isa.Instruction;
import dev.fpgallm.npu.isa.Isa;
import dev.fpgallm.npu.isa.Launch;
import dev.fpgallm.npu.isa.LayerNorm;
import dev.fpgallm.npu.vectors.NpuCase;
import dev.fpgallm.npu.interpreter.NpuMemory;
import dev.fpgallm.npu.isa.Program;
import dev.fpgallm.npu.isa.ProgramHeader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The Java cycle model must follow the kernel as written: for every instruction of the differential vectors
 * (KernelDifferentialTest's instruction cases), of long sequences past the score chunk, and of DistilGPT2-shaped
 * steps (a decode step at position 255, a 20-token prefill), in both corners of the KV260 model, the prediction of
 * {@link CycleModel} from the instruction's shape is within 2 % of the cycles the kernel's C-simulation counted
 * while it ran (hls-kernels/src/cost.h); the same for the U250 model's corners (the same kernel and ports, another
 * clock and memory) and for a calibrated corner (weight ports apart from the others, as a bandwidth CSV gives
 * them); the two loop tables are the same; and the kernel's built-in corners (what `make -C hls-kernels timing
 * [BOARD=u250]` counts) are the board models'.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CycleAgreementTest {
    static final double TOLERANCE = 0.02;
    static final BoardModel BOARD = BoardModel.kv260(), U250 = BoardModel.u250();
    /** Corners as a calibration file gives them: made-up numbers for this test, not a measurement. */
    static final BoardModel CALIBRATED = BOARD.calibrated("made up for CycleAgreementTest",
            corner("low", 91.3, 0.97, 0.93), corner("high", 118, 0.81, 0.66), BOARD.launchOverhead());
    static CsimKernel kernel;
    static double worst;
    static String worstWhat = "none";
    static long instructions;

    @BeforeAll
    static void build() throws IOException, InterruptedException {
        kernel = new CsimKernel(HlsBuild.build().resolve("libnpu_csim.so"));
    }

    @AfterAll
    static void close(TestReporter report) {
        if (kernel != null) {
            double[] o = kernel.builtInCorner("kv260", 0);
            kernel.countIn(o[0], o[1], o[1], o[2]);
            kernel.close();
        }
        report.publishEntry(String.format(Locale.ROOT, "CycleAgreementTest: %d instruction predictions compared, worst difference %.4f %% (%s)",
                instructions, 100 * worst, worstWhat));
    }

    @Test
    @Order(1)
    void theKernelsBuiltInCornersAreTheBoardModels() {
        for (BoardModel b : List.of(BOARD, U250))
            for (int end = 0; end < 2; end++) {
                BoardModel.Corner c = end == 0 ? b.optimistic() : b.pessimistic();
                assertEquals(c.portEfficiency(), c.weightPortEfficiency(), "the built-in corners have one efficiency");
                assertArrayEquals(new double[] {c.axiLatencyCycles().value(), c.portEfficiency().value(), b.ddrBytesPerCycle(c)},
                        kernel.builtInCorner(b.id(), end), 1e-12, b.id() + " " + c.name());
            }
    }

    @Test
    @Order(2)
    void everyDifferentialVector() {
        for (BoardModel.Corner c : List.of(BOARD.optimistic(), BOARD.pessimistic()))
            for (NpuCase k : DifferentialVectors.instructionCases()) compare(k, BOARD, c);
    }

    @Test
    @Order(2)
    void everyDifferentialVectorInACalibratedCorner() {
        for (NpuCase k : DifferentialVectors.instructionCases()) compare(k, CALIBRATED, CALIBRATED.pessimistic());
    }

    @Test
    @Order(3)
    void longSequencesPastTheScoreChunk() {
        for (BoardModel.Corner c : List.of(BOARD.optimistic(), BOARD.pessimistic())) {
            compare(attention(1100, 1019, 8, 2, 16), BOARD, c);   // a block stops at position 1024
            compare(attention(1100, 1099, 1, 1, 32), BOARD, c);   // the last position: two chunks, recomputed scores
            compare(attention(2100, 2047, 3, 3, 64), BOARD, c);   // three chunks
        }
    }

    @Test
    @Order(4)
    void distilGpt2DecodeStepAtPosition255() {
        for (BoardModel b : List.of(BOARD, U250, CALIBRATED))
            for (BoardModel.Corner c : List.of(b.optimistic(), b.pessimistic())) compare(distilGpt2(255, 1), b, c);
    }

    @Test
    @Order(5)
    void distilGpt2PrefillOf20Tokens() {
        // two GEMM row blocks (16 + 4) and three attention row blocks (8 + 8 + 4)
        compare(distilGpt2(0, 20), BOARD, BOARD.pessimistic());
        compare(distilGpt2(0, 20), U250, U250.pessimistic());
    }

    /** Runs last: by then every loop of the kernel has run at least once. */
    @Test
    @Order(6)
    void theLoopTablesAreTheSame() {
        Map<String, CycleModel.Loop> java = new HashMap<>();
        for (CycleModel.Loop l : CycleModel.loops()) java.put(l.label(), l);
        Set<String> seen = new HashSet<>();
        for (String line : kernel.loopTable().split("\n")) {
            String[] f = line.split("\t");
            CycleModel.Loop l = java.get(f[0]);
            assertTrue(l != null, "the kernel's loop " + f[0] + " is not in CycleModel.loops()");
            assertEquals(l.charge().name().toLowerCase(Locale.ROOT), f[1], f[0] + ": how it is charged");
            assertEquals(l.port().bundle, f[2], f[0] + ": port");
            assertEquals(l.ii(), Integer.parseInt(f[3]), f[0] + ": II");
            assertEquals(l.depth(), Integer.parseInt(f[4]), f[0] + ": depth");
            assertEquals(l.tail().name().toLowerCase(Locale.ROOT), f[5], f[0] + ": tail");
            seen.add(f[0]);
        }
        Set<String> missing = new HashSet<>(java.keySet());
        missing.removeAll(seen);
        assertTrue(missing.isEmpty(), "loops of CycleModel the kernel never ran: " + missing);
    }

    /** One case through the kernel in a corner, then every executed instruction against the Java model. */
    static void compare(NpuCase c, BoardModel board, BoardModel.Corner corner) {
        kernel.countIn(board, corner);
        NpuMemory out = kernel.run(c);
        double[] counted = kernel.lastInstructionCycles();
        int executed = word(out.get(Isa.ARG_STATUS), 4L * Isa.S_EXECUTED);
        assertTrue(counted.length >= executed, c.name() + ": the kernel counted " + counted.length + " instructions, executed " + executed);
        if (executed == 0) return;
        byte[] program = c.inputs().get(Isa.ARG_PROGRAM);
        int[] words = new int[program.length / 4];
        for (int i = 0; i < words.length; i++) words[i] = word(program, 4L * i);
        ProgramHeader header;
        try {
            header = ProgramHeader.decode(java.util.Arrays.copyOf(words, Isa.HEADER_WORDS));
        } catch (Exception e) {
            throw new AssertionError(c.name() + ": a launch that executed instructions has a valid header", e);
        }
        Launch launch = new Launch(header, c.position(), c.nTokens(), c.flags());
        CycleModel model = new CycleModel(board, corner);
        for (int i = 0; i < executed; i++) {
            Instruction op;
            try {
                op = Instruction.decode(words, Isa.HEADER_WORDS + i * Isa.INSTRUCTION_WORDS, i);
            } catch (Exception e) {
                throw new AssertionError(c.name() + ": executed instruction " + i + " decodes", e);
            }
            agree(model.exactCycles(op, launch), counted[i], c.name() + " [" + board.id() + " " + corner.name() + "] instruction " + i + " " + op);
        }
        if (word(out.get(Isa.ARG_STATUS), 0) == Isa.OK)
            agree(model.launchCycles(header.instructionCount()), kernel.lastLaunchCycles(), c.name() + " [" + board.id() + " " + corner.name() + "] launch");
    }

    private static BoardModel.Corner corner(String name, double latency, double others, double weights) {
        return new BoardModel.Corner(name, new BoardModel.Figure("AXI latency", latency, "made up"),
                new BoardModel.Figure("port efficiency", others, "made up"),
                new BoardModel.Figure("weight-port efficiency", weights, "made up"),
                new BoardModel.Figure("DDR efficiency", 0.75, "made up"));
    }

    /** The little-endian int32 at a byte offset. */
    static int word(byte[] b, long at) {
        return java.nio.ByteBuffer.wrap(b, (int) at, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt();
    }

    static void agree(double predicted, double counted, String what) {
        instructions++;
        double d = Math.abs(predicted - counted) / Math.max(counted, 1);
        if (d > worst) {
            worst = d;
            worstWhat = what;
        }
        assertTrue(d <= TOLERANCE, String.format(Locale.ROOT, "%s: Java %.1f cycles, kernel %.1f (%.2f %%)", what,
                predicted, counted, 100 * d));
    }

    /** One ATTENTION over a long cache: n_head x max_seq x head_dim, n tokens from position. */
    static NpuCase attention(int maxSeq, int position, int n, int heads, int headDim) {
        int width = heads * headDim, stride = 2 * 3 * width, region = 2 * heads * maxSeq * headDim;
        Attention a = new Attention(Isa.OUT_INT16, heads, headDim, 0, stride, 2 * width, 4 * width, 0, region,
                n * stride, 2 * width, 23 << 24 | 1 << 20, 23 << 24 | 1 << 22);
        int act = n * stride + n * 2 * width;
        ProgramHeader h = new ProgramHeader(1, 0, 0, act, 2L * region, 0, n, maxSeq);
        return zeroCase("attention " + heads + "x" + headDim + " at " + position + " of " + maxSeq, h, List.of(a), position, n);
    }

    /**
     * A DistilGPT2-shaped program (6 layers x 768 wide x 12 heads, FFN 3072, vocabulary 50304) as the compiler lays
     * it out: per layer LN, QKV, ATTENTION, projection + residual, LN, FC + GELU, projection + residual; then the
     * final LN on the LAST row and the LM head on the FIRST into logits. Zero buffers: cycles do not depend on values.
     */
    static NpuCase distilGpt2(int position, int n) {
        int d = 768, heads = 12, hd = 64, ffn = 3072, vocab = 50304, maxSeq = 256, layers = 6, ds = 2 * d;
        long h0 = 0, a0 = h0 + (long) n * ds, qkv0 = a0 + (long) n * ds, att0 = qkv0 + 3L * n * ds, f0 = att0 + (long) n * ds,
                af0 = f0 + 2L * n * ffn, act = af0 + ds;
        long[] w = {0}, p = {0};
        List<Instruction> program = new ArrayList<>();
        int rq = 20 << 24 | 1 << 22, region = 2 * heads * maxSeq * hd;
        for (int l = 0; l < layers; l++) {
            program.add(new LayerNorm(Isa.ROWS_ALL, Isa.OUT_INT16, d, (int) h0, ds, (int) a0, ds, (int) take(p, 8L * d), 0, 24));
            program.add(gemm(Isa.ROWS_ALL, Isa.OUT_INT16, 3 * d, d, a0, ds, qkv0, 3 * ds, w, p, false, false, 0, 0, 0));
            program.add(new Attention(Isa.OUT_INT16, heads, hd, (int) qkv0, 3 * ds, (int) qkv0 + ds, (int) qkv0 + 2 * ds,
                    2 * l * region, (2 * l + 1) * region, (int) att0, ds, rq, rq));
            program.add(gemm(Isa.ROWS_ALL, Isa.OUT_INT16, d, d, att0, ds, h0, ds, w, p, false, true, h0, ds, 0));
            program.add(new LayerNorm(Isa.ROWS_ALL, Isa.OUT_INT16, d, (int) h0, ds, (int) a0, ds, (int) take(p, 8L * d), 0, 24));
            program.add(gemm(Isa.ROWS_ALL, Isa.OUT_INT16, ffn, d, a0, ds, f0, 2 * ffn, w, p, true, false, 0, 0, take(p, 4 * 257)));
            program.add(gemm(Isa.ROWS_ALL, Isa.OUT_INT16, d, ffn, f0, 2 * ffn, h0, ds, w, p, false, true, h0, ds, 0));
        }
        program.add(new LayerNorm(Isa.ROWS_LAST, Isa.OUT_INT16, d, (int) h0, ds, (int) af0, ds, (int) take(p, 8L * d), 0, 24));
        program.add(gemm(Isa.ROWS_FIRST, Isa.OUT_INT32, vocab, d, af0, ds, 0, 4 * vocab, w, p, false, false, 0, 0, 0));
        ProgramHeader h = new ProgramHeader(program.size(), w[0], p[0], act, 2L * layers * region, 4L * vocab, n, maxSeq);
        return zeroCase("DistilGPT2-shaped, " + n + " token(s) at position " + position, h, program, position, n);
    }

    private static Gemm gemm(int rows, int out, int n, int k, long x, int xStride, long y, int yStride, long[] w, long[] p,
                             boolean gelu, boolean residual, long res, int resStride, long geluOff) {
        return new Gemm(rows, out, gelu, residual, k, n, (int) x, xStride, (int) y, yStride, (int) take(w, (long) n / 64 * 16 * k),
                (int) take(p, 8L * n), residual ? (int) res : 0, residual ? resStride : 0, residual ? 23 << 24 | 1 << 22 : 0,
                gelu ? (int) geluOff : 0);
    }

    /** Bump allocation in 16-byte steps. */
    private static long take(long[] top, long bytes) {
        long at = top[0];
        top[0] = (at + bytes + 15) / 16 * 16;
        return at;
    }

    private static NpuCase zeroCase(String name, ProgramHeader h, List<Instruction> program, int position, int n) {
        NpuMemory m = new NpuMemory().set(Isa.ARG_PROGRAM, new Program(h, program).encode());
        for (int port = 0; port < Isa.WEIGHT_PORTS; port++) m.set(Isa.ARG_WEIGHTS0 + port, new byte[(int) h.weightsBytes()]);
        m.set(Isa.ARG_PARAMS, new byte[(int) h.paramsBytes()]);
        m.set(Isa.ARG_ACT, new byte[(int) h.actBytes()]);
        m.set(Isa.ARG_KV, new byte[(int) h.kvBytes()]);
        m.set(Isa.ARG_LOGITS, new byte[(int) h.logitsBytes()]);
        m.set(Isa.ARG_STATUS, new byte[Isa.STATUS_BYTES]);
        return new NpuCase(name, m, position, n, 0);
    }
}
