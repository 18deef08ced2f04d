package dev.fpgallm.npu.interpreter;

import dev.fpgallm.npu.timing.BoardModel;
import dev.fpgallm.npu.isa.Gemm;
import dev.fpgallm.npu.isa.Instruction;
import dev.fpgallm.npu.isa.Isa;
import dev.fpgallm.npu.isa.Program;
import dev.fpgallm.npu.isa.ProgramHeader;
import java.util.ArrayList;
import java.util.List;

/**
 * Test fixture: device memory for one program, with helpers to place matrices (isa.md 3.2 layout), params and
 * activation rows, then launch and read results.
 */
final class Machine implements AutoCloseable {
    static final int MAX_TOKENS = 8, MAX_SEQ = 64;
    final byte[][] weightsBytes = new byte[4][256 * 1024];
    final byte[] params = new byte[64 * 1024];
    final byte[] act = new byte[64 * 1024];
    final byte[] kv = new byte[64 * 1024];
    final byte[] logits = new byte[16 * 1024];
    final byte[] status = new byte[64];
    final List<Instruction> program = new ArrayList<>();
    final Npu npu;
    int maxTokens = MAX_TOKENS, maxSeq = MAX_SEQ;
    int[] headerOverride; // raw header words to use instead of the computed ones

    Machine() {
        this(2);
    }

    Machine(int threads) {
        npu = new Npu(threads);
    }

    /** Writes W[n][k] (row-major ints in -128..127) into the tiled layout at wOff. */
    void matrix(long wOff, int[] w, int n, int k) {
        for (int o = 0; o < n; o++)
            for (int i = 0; i < k; i++) {
                int t = o / 16;
                long at = wOff + ((long) (t / 4) * (k / 16) + i / 16) * 256 + (o % 16) * 16 + (i % 16);
                weightsBytes[t % 4][(int) at] = (byte) w[o * k + i];
            }
    }

    void param(long at, int value) {
        NpuMemory.putInt(params, at, value);
    }

    void row(long base, int[] values) {
        for (int i = 0; i < values.length; i++) NpuMemory.putShort(act, base + 2L * i, (short) values[i]);
    }

    int actAt(long base, int i) {
        return NpuMemory.getShort(act, base + 2L * i);
    }

    int logitAt(long base, int i) {
        return NpuMemory.getInt(logits, base + 4L * i);
    }

    int kvAt(long at) {
        return NpuMemory.getShort(kv, at);
    }

    byte[] programBytes() {
        ProgramHeader h = new ProgramHeader(program.size(), weightsBytes[0].length, params.length, act.length, kv.length,
                logits.length, maxTokens, maxSeq);
        byte[] bytes = new Program(h, program).encode();
        if (headerOverride != null)
            for (int i = 0; i < headerOverride.length; i++) NpuMemory.putInt(bytes, 4L * i, headerOverride[i]);
        return bytes;
    }

    LaunchReport launch(int position, int nTokens, int flags) {
        return launch(position, nTokens, flags, null);
    }

    LaunchReport launch(int position, int nTokens, int flags, Npu.AccessObserver observer) {
        NpuMemory mem = new NpuMemory().set(Isa.ARG_PROGRAM, programBytes()).set(Isa.ARG_PARAMS, params)
                .set(Isa.ARG_ACT, act).set(Isa.ARG_KV, kv).set(Isa.ARG_LOGITS, logits).set(Isa.ARG_STATUS, status);
        for (int p = 0; p < 4; p++) mem.set(Isa.ARG_WEIGHTS0 + p, weightsBytes[p]);
        return npu.launch(mem, position, nTokens, flags, observer);
    }

    LaunchReport launch(int nTokens) {
        return launch(0, nTokens, 0);
    }

    int statusWord(int i) {
        return NpuMemory.getInt(status, 4L * i);
    }

    /** A GEMM with the usual defaults: ALL rows, INT16 out, no GELU/residual. */
    static Gemm gemm(int k, int n, int xBase, int xStride, int yBase, int yStride, int wOff, int pOff) {
        return new Gemm(Isa.ROWS_ALL, Isa.OUT_INT16, false, false, k, n, xBase, xStride, yBase, yStride, wOff, pOff, 0, 0, 0, 0);
    }

    @Override
    public void close() {
        npu.close();
    }
}
