package dev.fpgallm.npu.interpreter;

import dev.fpgallm.npu.isa.AccessList;
import dev.fpgallm.npu.isa.Attention;
import dev.fpgallm.npu.timing.BoardModel;
import dev.fpgallm.npu.timing.CycleModel;
import dev.fpgallm.npu.isa.Gemm;
import dev.fpgallm.npu.isa.Instruction;
import dev.fpgallm.npu.isa.Isa;
import dev.fpgallm.npu.isa.Launch;
import dev.fpgallm.npu.isa.LayerNorm;
import dev.fpgallm.npu.isa.NpuFault;
import dev.fpgallm.npu.isa.ProgramHeader;
import java.util.Arrays;

/**
 * The NPU interpreter: executes one launch of {@code npu_top} over device memory exactly as docs/isa.md section 6
 * describes (header check, argument check, then per instruction: decode, field check, bounds check, execute; the
 * status words at the end), counting events per instruction. Decoded programs are cached (re-decoded only when the
 * program bytes change), and so are the instruction checks per n_tokens ({@link LaunchChecks}); every per-launch
 * structure is reused, so a launch allocates nothing. The cycle model is not run here: predictions come from
 * {@link LaunchPrediction}, made where they are read.
 */
public final class Npu implements AutoCloseable {
    /** Sees every access before the instruction runs; the emulated device uses it for its strict mode. */
    @FunctionalInterface
    public interface AccessObserver {
        /**
         * Instruction {@code instruction}'s accesses in this launch. When {@code fixed}, the list is the very object
         * this instruction hands over at every launch of these program bytes with this n_tokens (its ranges do not
         * move with the position), so an observer may remember its verdict by the list's identity.
         */
        void observe(int instruction, Instruction op, AccessList accesses, boolean fixed);
    }

    private final ParallelLoop loop;
    private final Counters counters;
    private final GemmEngine gemm;
    private final AttentionEngine attention;
    private final LayerNormEngine layerNorm;
    private final LaunchReport report = new LaunchReport();
    private final AccessList accesses = new AccessList();
    private final Launch launch = new Launch(null, 0, 0, 0);
    // the decoded program, valid while the program bytes equal `program`
    private byte[] program = new byte[0];
    private ProgramHeader header;
    private NpuFault headerFault;
    private Instruction[] ops = new Instruction[0];
    private NpuFault[] opFaults = new NpuFault[0];
    // the decoded program's checks for the last few n_tokens (decode's 1, prefill's chunk and its remainder), kept in
    // slots rather than indexed by n_tokens, which the host may give any 32-bit value
    private final LaunchChecks[] checks = new LaunchChecks[8];
    private int nextSlot;

    public Npu(int threads) {
        loop = new ParallelLoop(threads);
        counters = new Counters(loop.workers());
        gemm = new GemmEngine(loop, counters);
        attention = new AttentionEngine(loop, counters);
        layerNorm = new LayerNormEngine(loop, counters);
    }

    /**
     * Runs one launch and returns the interpreter's report (valid until the next launch). Kernel-detected problems
     * end up in the status words (as on the board); an {@link IllegalArgumentException} means the host broke the
     * emulator's own preconditions (a buffer smaller than the program header says), which on a board would corrupt
     * memory.
     */
    public LaunchReport launch(NpuMemory mem, int position, int nTokens, int flags, AccessObserver observer) {
        counters.clear();
        report.reset();
        int executed = 0;
        try {
            decode(mem.get(Isa.ARG_PROGRAM));
            if (headerFault != null) throw headerFault;
            checkBuffers(mem, header);
            if (nTokens == 0 || Integer.compareUnsigned(nTokens, header.maxTokens()) > 0
                    || Integer.toUnsignedLong(position) + Integer.toUnsignedLong(nTokens) > Integer.toUnsignedLong(header.maxSeq())
                    || (flags & ~Isa.FLAG_SOFTMAX_EXACT) != 0)
                throw new NpuFault(Isa.BAD_ARGS, -1, "position " + Integer.toUnsignedString(position) + ", n_tokens "
                        + Integer.toUnsignedString(nTokens) + ", flags " + flags + " (max_tokens " + header.maxTokens()
                        + ", max_seq " + header.maxSeq() + ")");
            launch.set(header, position, nTokens, flags);
            report.start(ops, launch, header.instructionCount());
            LaunchChecks c = checks(nTokens);
            for (int i = 0; i < header.instructionCount(); i++) {
                if (c.faults[i] != null) throw c.faults[i];
                Instruction op = ops[i];
                if (observer != null) {
                    AccessList a = c.accesses[i];
                    if (a == null) {
                        accesses.clear();
                        op.accesses(launch, accesses);
                    }
                    observer.observe(i, op, a == null ? accesses : a, a != null);
                }
                long sat0 = counters.saturations(), ovf0 = counters.overflows();
                switch (op) {
                    case Gemm g -> gemm.run(g, launch, mem);
                    case Attention at -> attention.run(at, launch, mem);
                    case LayerNorm ln -> layerNorm.run(ln, launch, mem);
                }
                report.saturations[i] = counters.saturations() - sat0;
                report.overflows[i] = counters.overflows() - ovf0;
                report.count = ++executed;
            }
        } catch (NpuFault f) {
            report.status[Isa.S_CODE] = f.code;
            report.status[Isa.S_FAILED_INSTR] = f.instruction;
        }
        int[] status = report.status;
        status[Isa.S_EXECUTED] = executed;
        status[Isa.S_SATURATIONS] = (int) counters.saturations();
        status[Isa.S_OVERFLOWS] = (int) counters.overflows();
        byte[] out = mem.get(Isa.ARG_STATUS);
        if (out == null || out.length < Isa.STATUS_BYTES)
            throw new IllegalArgumentException("the status buffer must hold " + Isa.STATUS_BYTES + " bytes");
        for (int w = 0; w < Isa.STATUS_WORDS; w++) NpuMemory.putInt(out, 4L * w, status[w]);
        return report;
    }

    /** The decoded program's checks at n_tokens, made at its first launch with that many rows. */
    private LaunchChecks checks(int nTokens) {
        for (LaunchChecks c : checks) if (c != null && c.nTokens == nTokens) return c;
        LaunchChecks c = new LaunchChecks(header, ops, opFaults, nTokens);
        checks[nextSlot] = c;
        nextSlot = (nextSlot + 1) % checks.length;
        return c;
    }

    /**
     * Decodes the header and instructions unless the program bytes are the ones decoded last time. Decode faults
     * are kept per instruction, so that a launch raises them only when it reaches that instruction.
     */
    private void decode(byte[] bytes) {
        if (bytes == null || bytes.length < 4 * Isa.HEADER_WORDS)
            throw new IllegalArgumentException("the program buffer holds " + (bytes == null ? 0 : bytes.length)
                    + " bytes; a program needs at least " + 4 * Isa.HEADER_WORDS);
        int n = NpuMemory.getInt(bytes, 4L * Isa.H_N_INSTR);
        long length = 4L * Isa.HEADER_WORDS + 4L * Isa.INSTRUCTION_WORDS * Integer.toUnsignedLong(n);
        if (length <= bytes.length && length == program.length && Arrays.equals(bytes, 0, (int) length, program, 0, program.length))
            return;
        int[] headerWords = words(bytes, 0, Isa.HEADER_WORDS);
        header = null;
        headerFault = null;
        try {
            header = ProgramHeader.decode(headerWords);
        } catch (NpuFault f) {
            headerFault = f;
            program = Arrays.copyOf(bytes, 4 * Isa.HEADER_WORDS);
            ops = new Instruction[0];
            Arrays.fill(checks, null);
            return;
        }
        int[] words = words(bytes, 4 * Isa.HEADER_WORDS, Isa.INSTRUCTION_WORDS * n);
        ops = new Instruction[n];
        opFaults = new NpuFault[n];
        for (int i = 0; i < n; i++) {
            try {
                ops[i] = Instruction.decode(words, i * Isa.INSTRUCTION_WORDS, i);
            } catch (NpuFault f) {
                opFaults[i] = f;
            }
        }
        program = Arrays.copyOf(bytes, (int) length);
        Arrays.fill(checks, null);
    }

    /** The emulator cannot model memory beyond its arrays: every buffer must be as large as the header says. */
    private static void checkBuffers(NpuMemory mem, ProgramHeader h) {
        for (int arg = 0; arg < Isa.BUFFER_ARGS; arg++) {
            byte[] b = mem.get(arg);
            long need = h.bytesOf(arg);
            if (b == null || b.length < need)
                throw new IllegalArgumentException("buffer '" + Isa.ARG_NAMES[arg] + "' holds "
                        + (b == null ? "nothing" : b.length + " bytes") + " but the program needs " + need);
        }
    }

    private static int[] words(byte[] b, int offset, int count) {
        if (b.length < offset + 4L * count)
            throw new IllegalArgumentException("the program buffer holds " + b.length + " bytes; the program needs "
                    + (offset + 4L * count));
        int[] w = new int[count];
        for (int i = 0; i < count; i++) w[i] = NpuMemory.getInt(b, offset + 4L * i);
        return w;
    }

    @Override
    public void close() {
        loop.close();
    }
}
