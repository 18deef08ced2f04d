package dev.fpgallm.xrt.ffm;

import dev.fpgallm.xrt.Kernel;
import dev.fpgallm.xrt.Run;
import java.lang.foreign.MemorySegment;

/** A compute unit of the loaded xclbin ({@code xrtKernelHandle}). */
final class FfmKernel extends NativeHandle implements Kernel {
    private final String name;

    FfmKernel(XrtLibrary xrt, MemorySegment handle, String name) {
        super(xrt, handle);
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int groupId(int argIndex) {
        return xrt.kernelArgGroupId(handle(), name, argIndex);
    }

    @Override
    public Run newRun() {
        return new FfmRun(xrt, xrt.runOpen(handle()), name);
    }

    @Override
    void release(MemorySegment handle) {
        xrt.kernelClose(handle);
    }

    @Override
    public String toString() {
        return "XRT kernel " + name + " " + address();
    }
}
