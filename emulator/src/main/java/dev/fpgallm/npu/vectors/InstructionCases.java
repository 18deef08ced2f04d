package dev.fpgallm.npu.vectors;

import dev.fpgallm.npu.isa.Attention;
import dev.fpgallm.npu.isa.Gemm;
import dev.fpgallm.npu.isa.Instruction;
import dev.fpgallm.npu.isa.Isa;
import dev.fpgallm.npu.isa.LayerNorm;
import dev.fpgallm.npu.isa.NpuMath;
import dev.fpgallm.npu.interpreter.NpuMemory;
import dev.fpgallm.npu.isa.Program;
import dev.fpgallm.npu.isa.ProgramHeader;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Random and edge-case launches of every instruction, for comparing the emulator with the C++ kernel: random
 * shapes, row modes, output types, epilogues and softmax modes over random data; the extremes (-32768 everywhere,
 * saturation, int32 overflow, zero-length K and N, the longest sequence, an empty program); and one case per
 * status code. Deterministic for a seed.
 */
public final class InstructionCases {
    static final int ACT = 256 * 1024, KV = 128 * 1024, PARAMS = 64 * 1024, WEIGHTS = 128 * 1024, LOGITS = 32 * 1024;
    static final int MAX_TOKENS = 8, MAX_SEQ = 64;
    // act regions: inputs [0, 96K), outputs [96K, 192K), residuals [192K, 256K)
    static final int X = 0, Y = 96 * 1024, RES = 192 * 1024;

    private final SplittableRandom rnd;
    private final List<NpuCase> cases = new ArrayList<>();

    private InstructionCases(long seed) {
        rnd = new SplittableRandom(seed);
    }

    /** {@code random} random cases per instruction kind plus every edge and error case. */
    public static List<NpuCase> generate(long seed, int random) {
        InstructionCases g = new InstructionCases(seed);
        for (int i = 0; i < random; i++) {
            g.add("gemm-" + i, g.randomGemm(), g.tokens(), 0);
            g.add("attention-" + i, g.randomAttention(), g.tokens(), g.rnd.nextInt(2));
            g.add("layernorm-" + i, g.randomLayerNorm(), g.tokens(), 0);
            List<Instruction> chain = new ArrayList<>();
            chain.add(g.randomLayerNorm());
            chain.add(g.randomGemm());
            chain.add(g.randomAttention());
            g.add("chain-" + i, chain, g.tokens(), g.rnd.nextInt(2));
        }
        g.edges();
        g.errors();
        return g.cases;
    }

    private int tokens() {
        return 1 + rnd.nextInt(MAX_TOKENS);
    }

    private void add(String name, Instruction one, int nTokens, int flags) {
        add(name, List.of(one), nTokens, flags);
    }

    private void add(String name, List<Instruction> program, int nTokens, int flags) {
        int position = rnd.nextInt(MAX_SEQ - nTokens + 1);
        cases.add(new NpuCase(name, memory(program, rnd.nextInt(4)), position, nTokens, flags));
    }

    /** Random contents; mode 0 small values, 1 full range, 2 extremes, 3 mixed. */
    private NpuMemory memory(List<Instruction> program, int mode) {
        ProgramHeader h = new ProgramHeader(program.size(), WEIGHTS, PARAMS, ACT, KV, LOGITS, MAX_TOKENS, MAX_SEQ);
        NpuMemory m = new NpuMemory().set(Isa.ARG_PROGRAM, new Program(h, program).encode());
        for (int p = 0; p < 4; p++) m.set(Isa.ARG_WEIGHTS0 + p, bytes(WEIGHTS, mode));
        m.set(Isa.ARG_ACT, shorts(ACT, mode)).set(Isa.ARG_KV, shorts(KV, mode)).set(Isa.ARG_LOGITS, new byte[LOGITS])
                .set(Isa.ARG_STATUS, new byte[Isa.STATUS_BYTES]);
        byte[] params = new byte[PARAMS];
        for (int i = 0; i < PARAMS / 8; i++) {
            NpuMemory.putInt(params, 8L * i, rnd.nextInt(-(1 << 20), 1 << 20));
            NpuMemory.putInt(params, 8L * i + 4, NpuMath.requantizer(rnd.nextInt(1 << 24), 14 + rnd.nextInt(20)));
        }
        m.set(Isa.ARG_PARAMS, params);
        return m;
    }

    private byte[] bytes(int n, int mode) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++)
            b[i] = (byte) switch (mode) {
                case 0 -> rnd.nextInt(-8, 8);
                case 2 -> rnd.nextBoolean() ? -128 : 127;
                default -> rnd.nextInt(256);
            };
        return b;
    }

    private byte[] shorts(int n, int mode) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i += 2)
            NpuMemory.putShort(b, i, (short) switch (mode) {
                case 0 -> rnd.nextInt(-300, 300);
                case 2 -> rnd.nextBoolean() ? -32768 : 32767;
                case 3 -> rnd.nextInt(8) == 0 ? -32768 : rnd.nextInt(-2000, 2000);
                default -> rnd.nextInt(65536);
            });
        return b;
    }

    private static int align(int bytes) {
        return (bytes + 15) & ~15;
    }

    private Gemm randomGemm() {
        int k = 16 * rnd.nextInt(0, 33), n = 64 * rnd.nextInt(0, 4);
        if (rnd.nextInt(8) == 0) {
            k = 16 * rnd.nextInt(200, 257); // long dot products, up to 4096
            n = 64;
        }
        int rows = rnd.nextInt(3), out = rnd.nextInt(3);
        boolean gelu = out != Isa.OUT_INT32 && rnd.nextBoolean(), residual = out != Isa.OUT_INT32 && rnd.nextBoolean();
        int xStride = align(2 * k) + 16 * rnd.nextInt(3);
        int yStride = align((out == Isa.OUT_INT32 ? 4 : 2) * n) + 16 * rnd.nextInt(3);
        int wOff = 16 * rnd.nextInt(0, 64), pOff = 16 * rnd.nextInt(0, 256);
        int geluOff = PARAMS - 1040 - 16 * rnd.nextInt(8);
        boolean inPlace = residual && rnd.nextInt(3) == 0;
        int yBase = out == Isa.OUT_INT32 ? 16 * rnd.nextInt(64) : Y + 16 * rnd.nextInt(64);
        return new Gemm(rows, out, gelu, residual, k, n, X + 16 * rnd.nextInt(64), xStride, yBase, yStride, wOff, pOff,
                residual ? (inPlace ? yBase : RES + 16 * rnd.nextInt(64)) : 0, residual ? yStride : 0,
                residual ? NpuMath.requantizer(rnd.nextInt(1 << 24), 16 + rnd.nextInt(16)) : 0, gelu ? geluOff : 0);
    }

    private Attention randomAttention() {
        int nHead = 1 << rnd.nextInt(3), hd = 16 << rnd.nextInt(3);
        int width = nHead * hd, stride = align(6 * width) + 16 * rnd.nextInt(2);
        int cache = nHead * MAX_SEQ * hd * 2;
        // s = q.k reaches 2^36 and beyond; map it to a few units of log2 so softmax weights vary
        int rqScore = NpuMath.requantizer(rnd.nextInt(1 << 23, 1 << 24), 20 + rnd.nextInt(14));
        int rqOut = NpuMath.requantizer(rnd.nextInt(1 << 22, 1 << 24), 23 + rnd.nextInt(2));
        return new Attention(rnd.nextInt(2), nHead, hd, X, stride, X + 2 * width, X + 4 * width, 0, align(cache),
                Y + 16 * rnd.nextInt(16), align(2 * width), rqScore, rqOut);
    }

    private LayerNorm randomLayerNorm() {
        int d = 16 * rnd.nextInt(1, 65);
        int stride = align(2 * d) + 16 * rnd.nextInt(2);
        long eps = rnd.nextInt(4) == 0 ? 0 : rnd.nextLong(1L << 40);
        return new LayerNorm(rnd.nextInt(3), rnd.nextInt(2), d, X + 16 * rnd.nextInt(32), stride, Y + 16 * rnd.nextInt(32),
                stride, 16 * rnd.nextInt(0, 64), eps, 16 + rnd.nextInt(24));
    }

    private void edges() {
        // -32768 x -128 everywhere, K = 4096: int32 overflow on every channel, saturation on every output
        Gemm big = new Gemm(Isa.ROWS_ALL, Isa.OUT_INT16, false, false, 4096, 64, X, 8192, Y, 128, 0, 0, 0, 0, 0, 0);
        cases.add(new NpuCase("edge-gemm-extremes", memory(List.of(big), 2), 0, MAX_TOKENS, 0));
        cases.add(new NpuCase("edge-gemm-k0-n0", memory(List.of(
                new Gemm(Isa.ROWS_ALL, Isa.OUT_INT32, false, false, 0, 64, X, 16, 0, 256, 0, 0, 0, 0, 0, 0),
                new Gemm(Isa.ROWS_ALL, Isa.OUT_INT16, false, false, 64, 0, X, 128, Y, 16, 0, 0, 0, 0, 0, 0)), 1), 0, 3, 0));
        cases.add(new NpuCase("edge-empty-program", memory(List.of(), 1), 5, 2, 1));
        // constant rows (zero variance) with E = 0
        NpuMemory flat = memory(List.of(new LayerNorm(Isa.ROWS_ALL, Isa.OUT_INT16, 64, X, 128, Y, 128, 0, 0, 20)), 1);
        for (int i = 0; i < 8 * 64; i++) NpuMemory.putShort(flat.get(Isa.ARG_ACT), X + 2L * i, (short) -32768);
        cases.add(new NpuCase("edge-layernorm-constant", flat, 0, MAX_TOKENS, 0));
        // the longest sequence: the last rows of the cache, both softmax modes, with a score scale so large that
        // most weights underflow to 0 and u saturates to int32
        Attention wide = new Attention(Isa.OUT_INT16, 2, 64, X, 1024, X + 256, X + 512, 0, 16384, Y, 256,
                NpuMath.requantizer((1 << 24) - 1, 0), NpuMath.requantizer(1 << 23, 23));
        for (int flags = 0; flags < 2; flags++) {
            cases.add(new NpuCase("edge-attention-longest-" + flags, memory(List.of(wide), 3), MAX_SEQ - MAX_TOKENS, MAX_TOKENS, flags));
            cases.add(new NpuCase("edge-attention-last-position-" + flags, memory(List.of(randomAttention()), 1), MAX_SEQ - 1, 1, flags));
        }
    }

    private void errors() {
        Gemm ok = new Gemm(Isa.ROWS_ALL, Isa.OUT_INT16, false, false, 32, 64, X, 64, Y, 128, 0, 0, 0, 0, 0, 0);
        NpuMemory badMagic = memory(List.of(ok), 0);
        NpuMemory.putInt(badMagic.get(Isa.ARG_PROGRAM), 0, 0x12345678);
        cases.add(new NpuCase("error-bad-header", badMagic, 0, 1, 0));
        NpuMemory badVersion = memory(List.of(ok), 0);
        NpuMemory.putInt(badVersion.get(Isa.ARG_PROGRAM), 4, 7);
        cases.add(new NpuCase("error-bad-version", badVersion, 0, 1, 0));
        cases.add(new NpuCase("error-no-tokens", memory(List.of(ok), 0), 0, 0, 0));
        cases.add(new NpuCase("error-too-many-tokens", memory(List.of(ok), 0), 0, MAX_TOKENS + 1, 0));
        cases.add(new NpuCase("error-past-max-seq", memory(List.of(ok), 0), MAX_SEQ - 1, 2, 0));
        cases.add(new NpuCase("error-reserved-flag", memory(List.of(ok), 0), 0, 1, 4));
        NpuMemory badOp = memory(List.of(ok, ok), 0);
        NpuMemory.putInt(badOp.get(Isa.ARG_PROGRAM), 4L * (Isa.HEADER_WORDS + Isa.INSTRUCTION_WORDS), 0x42);
        cases.add(new NpuCase("error-bad-opcode", badOp, 0, 2, 0));
        cases.add(new NpuCase("error-misaligned", memory(List.of(ok,
                new Gemm(Isa.ROWS_ALL, Isa.OUT_INT16, false, false, 32, 64, X + 8, 64, Y, 128, 0, 0, 0, 0, 0, 0)), 0), 0, 2, 0));
        cases.add(new NpuCase("error-bad-head-dim", memory(List.of(
                new Attention(Isa.OUT_INT16, 1, 8, X, 64, X + 16, X + 32, 0, 4096, Y, 16, 0, 0)), 0), 0, 1, 0));
        cases.add(new NpuCase("error-oob-act", memory(List.of(ok,
                new Gemm(Isa.ROWS_ALL, Isa.OUT_INT16, false, false, 32, 64, X, 64, ACT - 64, 128, 0, 0, 0, 0, 0, 0)), 0), 0, 1, 0));
        cases.add(new NpuCase("error-oob-weights", memory(List.of(
                new Gemm(Isa.ROWS_ALL, Isa.OUT_INT16, false, false, 512, 64, X, 1024, Y, 128, WEIGHTS - 4096, 0, 0, 0, 0, 0)), 0), 0, 1, 0));
        cases.add(new NpuCase("error-oob-kv", memory(List.of(
                new Attention(Isa.OUT_INT16, 4, 64, X, 2048, X + 512, X + 1024, KV - 16384, 0, Y, 512, 0, 0)), 0), 0, 1, 0));
        cases.add(new NpuCase("error-oob-params", memory(List.of(
                new LayerNorm(Isa.ROWS_ALL, Isa.OUT_INT16, 1024, X, 2048, Y, 2048, PARAMS - 4096, 0, 20)), 0), 0, 1, 0));
    }
}
