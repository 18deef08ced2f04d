package dev.fpgallm.npu;

import java.util.ArrayList;
import java.util.List;

/**
 * The NPU interpreter: executes one launch of {@code npu_top} over device memory exactly as docs/isa.md section 6
 * describes (header check, argument check, then per instruction: decode, field check, bounds check, execute; the
 * status words at the end), keeping per-instruction statistics and the cycle model's prediction.
 */
public final class Npu implements AutoCloseable {
    /** Sees every checked access before the instruction runs; the emulated device uses it for its strict mode. */
    @FunctionalInterface
    public interface AccessObserver {
        void observe(int instruction, Instruction op, Access access);
    }

    private final ParallelLoop loop;
    private final Counters counters;
    private final GemmEngine gemm;
    private final AttentionEngine attention;
    private final LayerNormEngine layerNorm;
    private final CycleModel cycleModel;

    public Npu(int threads, BoardModel board) {
        loop = new ParallelLoop(threads);
        counters = new Counters(loop.workers());
        gemm = new GemmEngine(loop, counters);
        attention = new AttentionEngine(loop, counters);
        layerNorm = new LayerNormEngine(loop, counters);
        cycleModel = new CycleModel(board);
    }

    public CycleModel cycleModel() {
        return cycleModel;
    }

    /**
     * Runs one launch. Kernel-detected problems end up in the status words (as on the board); an
     * {@link IllegalArgumentException} means the host broke the emulator's own preconditions (a buffer smaller than
     * the program header says), which on a board would corrupt memory.
     */
    public LaunchReport launch(NpuMemory mem, int position, int nTokens, int flags, AccessObserver observer) {
        counters.clear();
        List<InstructionStats> stats = new ArrayList<>();
        int[] status = new int[Isa.STATUS_WORDS];
        status[Isa.S_FAILED_INSTR] = -1;
        long cycles = 0;
        int executed = 0;
        try {
            byte[] program = mem.get(Isa.ARG_PROGRAM);
            ProgramHeader header = ProgramHeader.decode(words(program, 0, Isa.HEADER_WORDS));
            checkBuffers(mem, header);
            if (nTokens == 0 || Integer.compareUnsigned(nTokens, header.maxTokens()) > 0
                    || Integer.toUnsignedLong(position) + Integer.toUnsignedLong(nTokens) > Integer.toUnsignedLong(header.maxSeq())
                    || (flags & ~Isa.FLAG_SOFTMAX_EXACT) != 0)
                throw new NpuFault(Isa.BAD_ARGS, -1, "position " + Integer.toUnsignedString(position) + ", n_tokens "
                        + Integer.toUnsignedString(nTokens) + ", flags " + flags + " (max_tokens " + header.maxTokens()
                        + ", max_seq " + header.maxSeq() + ")");
            Launch launch = new Launch(header, position, nTokens, flags);
            int[] words = words(program, 4 * Isa.HEADER_WORDS, Isa.INSTRUCTION_WORDS * header.instructionCount());
            for (int i = 0; i < header.instructionCount(); i++) {
                Instruction op = Instruction.decode(words, i * Isa.INSTRUCTION_WORDS, i);
                for (Access a : op.bounds(launch)) {
                    long size = header.bytesOf(a.arg());
                    if (a.bytes() > 0 && (a.from() < 0 || a.to() > size))
                        throw new NpuFault(Isa.OUT_OF_BOUNDS, i, Isa.ARG_NAMES[a.arg()] + " bytes [" + a.from() + ", "
                                + a.to() + ") outside its " + size + " bytes");
                }
                long[] read = new long[Isa.BUFFER_ARGS], written = new long[Isa.BUFFER_ARGS];
                for (Access a : op.accesses(launch)) {
                    if (a.bytes() == 0) continue;
                    if (observer != null) observer.observe(i, op, a);
                    (a.write() ? written : read)[a.arg()] += a.bytes();
                }
                long sat0 = counters.saturations(), ovf0 = counters.overflows();
                switch (op) {
                    case Gemm g -> gemm.run(g, launch, mem);
                    case Attention at -> attention.run(at, launch, mem);
                    case LayerNorm ln -> layerNorm.run(ln, launch, mem);
                }
                long c = cycleModel.cycles(op, launch);
                cycles += c;
                executed++;
                stats.add(new InstructionStats(i, op, op.macs(launch), read, written,
                        counters.saturations() - sat0, counters.overflows() - ovf0, c));
            }
        } catch (NpuFault f) {
            status[Isa.S_CODE] = f.code;
            status[Isa.S_FAILED_INSTR] = f.instruction;
        }
        status[Isa.S_EXECUTED] = executed;
        status[Isa.S_SATURATIONS] = (int) counters.saturations();
        status[Isa.S_OVERFLOWS] = (int) counters.overflows();
        byte[] out = mem.get(Isa.ARG_STATUS);
        if (out == null || out.length < Isa.STATUS_BYTES)
            throw new IllegalArgumentException("the status buffer must hold " + Isa.STATUS_BYTES + " bytes");
        for (int w = 0; w < Isa.STATUS_WORDS; w++) NpuMemory.putInt(out, 4L * w, status[w]);
        return new LaunchReport(status, stats, cycles,
                cycleModel.seconds(cycles) + cycleModel.board().launchOverheadSeconds());
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
        if (b == null || b.length < offset + 4L * count)
            throw new IllegalArgumentException("the program buffer holds " + (b == null ? 0 : b.length)
                    + " bytes; the program needs " + (offset + 4L * count));
        int[] w = new int[count];
        for (int i = 0; i < count; i++) w[i] = NpuMemory.getInt(b, offset + 4L * i);
        return w;
    }

    @Override
    public void close() {
        loop.close();
    }
}
