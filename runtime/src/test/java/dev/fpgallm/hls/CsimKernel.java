package dev.fpgallm.hls;

import dev.fpgallm.npu.timing.BoardModel;
import dev.fpgallm.npu.isa.Isa;
import dev.fpgallm.npu.vectors.NpuCase;
import dev.fpgallm.npu.interpreter.NpuMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * The C++ kernel (hls-kernels/build/libnpu_csim.so) called directly through java.lang.foreign, with its
 * C-simulation count of the modelled schedule (hls-kernels/src/cost.cpp: npu_csim_*).
 */
final class CsimKernel implements AutoCloseable {
    private final Arena library = Arena.ofShared();
    private final MethodHandle npuTop, corner, defaults, instructions, instructionCycles, launchCycles, loopTable;

    CsimKernel(Path so) {
        SymbolLookup lookup = SymbolLookup.libraryLookup(so, library);
        ValueLayout[] args = new ValueLayout[Isa.ARG_COUNT];
        for (int i = 0; i < Isa.ARG_COUNT; i++) args[i] = i < Isa.BUFFER_ARGS ? ValueLayout.ADDRESS : ValueLayout.JAVA_INT;
        Linker linker = Linker.nativeLinker();
        npuTop = linker.downcallHandle(lookup.find(Isa.KERNEL_NAME).orElseThrow(), FunctionDescriptor.ofVoid(args));
        corner = linker.downcallHandle(lookup.find("npu_csim_timing_corner_ports").orElseThrow(), FunctionDescriptor.of(
                ValueLayout.JAVA_INT, ValueLayout.JAVA_DOUBLE, ValueLayout.JAVA_DOUBLE, ValueLayout.JAVA_DOUBLE, ValueLayout.JAVA_DOUBLE));
        defaults = linker.downcallHandle(lookup.find("npu_csim_timing_board_default").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
        instructions = linker.downcallHandle(lookup.find("npu_csim_timing_instructions").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT));
        instructionCycles = linker.downcallHandle(lookup.find("npu_csim_timing_instruction_cycles").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_DOUBLE, ValueLayout.JAVA_INT));
        launchCycles = linker.downcallHandle(lookup.find("npu_csim_timing_launch_cycles").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_DOUBLE));
        loopTable = linker.downcallHandle(lookup.find("npu_csim_loop_table").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.ADDRESS));
    }

    /**
     * The corner later launches are counted in: AXI latency (cycles), the efficiency of every port but the weight
     * ports, the weight ports' efficiency, DDR bytes per cycle.
     */
    void countIn(double latency, double efficiency, double weightEfficiency, double ddrBytesPerCycle) {
        try {
            if ((int) corner.invokeExact(latency, efficiency, weightEfficiency, ddrBytesPerCycle) != 0)
                throw new IllegalArgumentException("the kernel refused the corner " + latency + ", " + efficiency + ", "
                        + weightEfficiency + ", " + ddrBytesPerCycle);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** A board model's corner. */
    void countIn(BoardModel board, BoardModel.Corner c) {
        countIn(c.axiLatencyCycles().value(), c.portEfficiency().value(), c.weightPortEfficiency().value(), board.ddrBytesPerCycle(c));
    }

    /**
     * The kernel's built-in corner of a board (kv260, u250; 0 optimistic, 1 pessimistic), the one `make timing
     * BOARD=...` counts: {latency, efficiency, DDR bytes/cycle}.
     */
    double[] builtInCorner(String board, int pessimistic) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ValueLayout.JAVA_DOUBLE, 3);
            if ((int) defaults.invokeExact(a.allocateFrom(board), pessimistic, out) != 0)
                throw new IllegalArgumentException("the kernel has no built-in corners for " + board);
            return out.toArray(ValueLayout.JAVA_DOUBLE);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The modelled cycles the kernel counted for each instruction of the last launch (the failing one included). */
    double[] lastInstructionCycles() {
        try {
            double[] c = new double[(int) instructions.invokeExact()];
            for (int i = 0; i < c.length; i++) c[i] = (double) instructionCycles.invokeExact(i);
            return c;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The last launch's cycles outside its instructions (header, program fetch, status). */
    double lastLaunchCycles() {
        try {
            return (double) launchCycles.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Every loop that has run in this thread: label, kind, port, II, depth, tail (tab-separated lines). */
    String loopTable() {
        try {
            return ((MemorySegment) loopTable.invokeExact()).reinterpret(Long.MAX_VALUE).getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        return t instanceof RuntimeException r ? r : new IllegalStateException(t);
    }

    /** Runs a case on copies of its inputs in native memory; returns the buffers afterwards. */
    NpuMemory run(NpuCase c) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment[] seg = new MemorySegment[Isa.BUFFER_ARGS];
            for (int arg = 0; arg < Isa.BUFFER_ARGS; arg++) {
                byte[] b = c.inputs().get(arg);
                seg[arg] = arena.allocate(Math.max(16, b.length), 64);
                MemorySegment.copy(b, 0, seg[arg], ValueLayout.JAVA_BYTE, 0, b.length);
            }
            Object[] a = new Object[Isa.ARG_COUNT];
            System.arraycopy(seg, 0, a, 0, Isa.BUFFER_ARGS);
            a[Isa.ARG_POSITION] = c.position();
            a[Isa.ARG_N_TOKENS] = c.nTokens();
            a[Isa.ARG_FLAGS] = c.flags();
            npuTop.invokeWithArguments(a);
            NpuMemory out = new NpuMemory();
            for (int arg = 0; arg < Isa.BUFFER_ARGS; arg++)
                out.set(arg, seg[arg].asSlice(0, c.inputs().get(arg).length).toArray(ValueLayout.JAVA_BYTE));
            return out;
        } catch (Throwable t) {
            throw new IllegalStateException("npu_top in the C-simulation library failed on " + c.name(), t);
        }
    }

    @Override
    public void close() {
        library.close();
    }
}
