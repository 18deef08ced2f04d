package dev.fpgallm.hls;

import dev.fpgallm.npu.Isa;
import dev.fpgallm.npu.NpuCase;
import dev.fpgallm.npu.NpuMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/** The C++ kernel (hls-kernels/build/libnpu_csim.so) called directly through java.lang.foreign. */
final class CsimKernel implements AutoCloseable {
    private final Arena library = Arena.ofShared();
    private final MethodHandle npuTop;

    CsimKernel(Path so) {
        SymbolLookup lookup = SymbolLookup.libraryLookup(so, library);
        ValueLayout[] args = new ValueLayout[Isa.ARG_COUNT];
        for (int i = 0; i < Isa.ARG_COUNT; i++) args[i] = i < Isa.BUFFER_ARGS ? ValueLayout.ADDRESS : ValueLayout.JAVA_INT;
        npuTop = Linker.nativeLinker().downcallHandle(lookup.find(Isa.KERNEL_NAME).orElseThrow(),
                FunctionDescriptor.ofVoid(args));
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
