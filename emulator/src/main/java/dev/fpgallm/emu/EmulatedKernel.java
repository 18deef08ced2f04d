package dev.fpgallm.emu;

import dev.fpgallm.npu.isa.Isa;
import dev.fpgallm.xrt.Kernel;
import dev.fpgallm.xrt.Run;
import dev.fpgallm.xrt.XrtException;

/** npu_top on the emulated device. */
final class EmulatedKernel implements Kernel {
    private final EmulatedDevice device;
    private boolean closed;

    EmulatedKernel(EmulatedDevice device) {
        this.device = device;
    }

    @Override
    public String name() {
        return Isa.KERNEL_NAME;
    }

    @Override
    public int groupId(int argIndex) {
        open();
        if (argIndex < 0 || argIndex >= Isa.ARG_COUNT)
            throw new XrtException("npu_top has no argument " + argIndex + " (it has " + Isa.ARG_COUNT + ")");
        if (argIndex >= Isa.BUFFER_ARGS)
            throw new XrtException("argument " + argIndex + " (" + Isa.ARG_NAMES[argIndex] + ") of npu_top is a scalar, not a buffer");
        return EmulatedDevice.groupOf(argIndex);
    }

    @Override
    public Run newRun() {
        open();
        return new EmulatedRun(device);
    }

    private void open() {
        if (closed) throw new IllegalStateException("kernel npu_top is closed");
    }

    @Override
    public void close() {
        closed = true;
    }
}
