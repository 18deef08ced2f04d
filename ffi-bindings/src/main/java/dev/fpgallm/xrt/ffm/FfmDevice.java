package dev.fpgallm.xrt.ffm;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import dev.fpgallm.xrt.BufferFlags;
import dev.fpgallm.xrt.BufferObject;
import dev.fpgallm.xrt.Device;
import dev.fpgallm.xrt.Kernel;
import dev.fpgallm.xrt.Uuid;
import dev.fpgallm.xrt.XrtException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

/** An XRT device ({@code xrtDeviceHandle}). */
public final class FfmDevice extends NativeHandle implements Device {
    private static final Uuid NO_XCLBIN = new Uuid(new byte[16]);
    private final int index;

    FfmDevice(XrtLibrary xrt, MemorySegment handle, int index) {
        super(xrt, handle);
        this.index = index;
    }

    @Override
    public String name() {
        return "xrt:" + index;
    }

    public int index() {
        return index;
    }

    @Override
    public Uuid loadXclbin(Path xclbin) {
        MemorySegment device = handle();
        if (!Files.isRegularFile(xclbin)) throw new XrtException("xclbin " + xclbin + " does not exist");
        xrt.deviceLoadXclbinFile(device, xclbin.toAbsolutePath());
        return xclbinUuid();
    }

    @Override
    public Uuid xclbinUuid() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment uuid = arena.allocate(16);
            xrt.deviceGetXclbinUuid(handle(), uuid);
            return new Uuid(uuid.toArray(JAVA_BYTE));
        }
    }

    @Override
    public BufferObject allocate(long size, BufferFlags flags, int memoryGroup) {
        if (size <= 0) throw new IllegalArgumentException("buffer size must be positive, got " + size);
        if (memoryGroup < 0) throw new IllegalArgumentException("memory group must be >= 0, got " + memoryGroup);
        MemorySegment bo = xrt.boAlloc(handle(), size, flags.bits, memoryGroup);
        return new FfmBufferObject(xrt, bo, size, flags);
    }

    @Override
    public Kernel openKernel(String name) {
        return openKernel(name, false);
    }

    /** Opens a compute unit for this process alone ({@code xrtPLKernelOpenExclusive}). */
    public Kernel openKernelExclusive(String name) {
        return openKernel(name, true);
    }

    private Kernel openKernel(String name, boolean exclusive) {
        MemorySegment device = handle();
        Uuid loaded = xclbinUuid();
        if (loaded.equals(NO_XCLBIN)) throw new IllegalStateException("no xclbin loaded on " + this + ": load one first");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment uuid = arena.allocate(16);
            uuid.copyFrom(MemorySegment.ofArray(loaded.bytes()));
            return new FfmKernel(xrt, xrt.plKernelOpen(device, uuid, name, exclusive), name);
        }
    }

    @Override
    void release(MemorySegment handle) {
        xrt.deviceClose(handle);
    }

    @Override
    public String toString() {
        return "XRT device " + index + " (" + xrt.location + ")";
    }
}
