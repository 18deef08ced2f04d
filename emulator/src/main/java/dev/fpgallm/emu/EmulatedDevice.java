package dev.fpgallm.emu;

import dev.fpgallm.npu.isa.Isa;
import dev.fpgallm.npu.interpreter.Npu;
import dev.fpgallm.xrt.BufferFlags;
import dev.fpgallm.xrt.BufferObject;
import dev.fpgallm.xrt.Device;
import dev.fpgallm.xrt.Kernel;
import dev.fpgallm.xrt.Uuid;
import dev.fpgallm.xrt.XrtException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The NPU as a device: the XRT-shaped API over emulated buffers, with {@code npu_top} as its only kernel. In strict
 * mode (the default in tests) the device also catches what a board would silently get wrong: a buffer in another
 * memory group than its kernel argument, and the kernel reading device memory the host never synced.
 */
public final class EmulatedDevice implements Device {
    /** The memory groups, one per PS port the kernel's bundles sit on (hls-kernels/link/kv260.cfg). */
    public static final List<String> PORTS = List.of("HP0", "HP1", "HP2", "HP3", "HPC0", "HPC1");
    static final Uuid UUID = new Uuid(new byte[] {'f', 'p', 'g', 'a', '-', 'l', 'l', 'm', '-', 'n', 'p', 'u', '-', 'e', 'm', '1'});

    private final boolean strict;
    private final Npu npu;
    private long nextAddress = 0x4000_0000L;
    private int openBuffers;
    private boolean closed;

    public EmulatedDevice(boolean strict, int threads) {
        this.strict = strict;
        this.npu = new Npu(threads);
    }

    /** A strict emulator on all cores. */
    public static EmulatedDevice strict() {
        return new EmulatedDevice(true, Runtime.getRuntime().availableProcessors());
    }

    public boolean isStrict() {
        return strict;
    }

    Npu npu() {
        return npu;
    }

    /** The memory group of a buffer argument of npu_top. */
    static int groupOf(int arg) {
        return PORTS.indexOf(Isa.ARG_PORTS[arg]);
    }

    @Override
    public String name() {
        return "emulator (npu_top, ISA v" + Isa.VERSION + (strict ? ", strict" : "") + ")";
    }

    /** The emulator carries npu_top built in; an xclbin path is accepted (it must exist) and changes nothing. */
    @Override
    public Uuid loadXclbin(Path xclbin) {
        open();
        if (!Files.isRegularFile(xclbin)) throw new XrtException("xclbin " + xclbin + " does not exist");
        return UUID;
    }

    @Override
    public Uuid xclbinUuid() {
        open();
        return UUID;
    }

    @Override
    public BufferObject allocate(long size, BufferFlags flags, int memoryGroup) {
        open();
        if (size <= 0 || size > Integer.MAX_VALUE - 8)
            throw new XrtException("cannot allocate " + size + " bytes: the emulator holds buffers up to 2 GiB");
        if (memoryGroup < 0 || memoryGroup >= PORTS.size())
            throw new XrtException("memory group " + memoryGroup + " does not exist (groups 0.." + (PORTS.size() - 1) + ": " + PORTS + ")");
        long address = nextAddress;
        nextAddress += (size + 4095) & ~4095L;
        openBuffers++;
        return new EmulatedBuffer(this, (int) size, flags, memoryGroup, address);
    }

    void released(EmulatedBuffer b) {
        openBuffers--;
    }

    /** Buffers allocated and not yet closed (leak checks in tests). */
    public int openBuffers() {
        return openBuffers;
    }

    @Override
    public Kernel openKernel(String name) {
        open();
        if (!Isa.KERNEL_NAME.equals(name))
            throw new XrtException("no kernel '" + name + "' on the emulated device; it has " + Isa.KERNEL_NAME);
        return new EmulatedKernel(this);
    }

    private void open() {
        if (closed) throw new IllegalStateException("the emulated device is closed");
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        npu.close();
    }
}
