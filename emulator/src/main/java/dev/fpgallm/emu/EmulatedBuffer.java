package dev.fpgallm.emu;

import dev.fpgallm.xrt.BufferFlags;
import dev.fpgallm.xrt.BufferObject;
import dev.fpgallm.xrt.SyncDirection;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A buffer object with a host copy and a device copy, like a buffer behind the KV260's non-coherent HP ports:
 * the kernel sees only what was synced to the device, the host only what was synced back.
 */
final class EmulatedBuffer implements BufferObject {
    private final EmulatedDevice device;
    private final long address;
    private final int group;
    private final BufferFlags flags;
    private byte[] host;
    private byte[] deviceCopy;
    private MemorySegment mapped;
    private long version; // changes of the device copy so far: the device may keep copies derived from one version
    final ValidRanges valid = new ValidRanges();

    EmulatedBuffer(EmulatedDevice device, int size, BufferFlags flags, int group, long address) {
        this.device = device;
        this.host = new byte[size];
        this.deviceCopy = new byte[size];
        this.flags = flags;
        this.group = group;
        this.address = address;
        this.mapped = MemorySegment.ofArray(host);
    }

    int group() {
        return group;
    }

    byte[] deviceBytes() {
        open();
        return deviceCopy;
    }

    /** Changes with every sync to the device and every launch that may have written it. */
    long version() {
        return version;
    }

    /** A launch had this buffer as an argument the kernel writes (act, kv, logits, status). */
    void writtenByKernel() {
        version++;
    }

    @Override
    public long size() {
        open();
        return host.length;
    }

    @Override
    public long deviceAddress() {
        open();
        return address;
    }

    @Override
    public MemorySegment map() {
        open();
        return mapped;
    }

    @Override
    public void sync(SyncDirection direction, long size, long offset) {
        open();
        check("sync", size, offset);
        if (direction == SyncDirection.TO_DEVICE) {
            System.arraycopy(host, (int) offset, deviceCopy, (int) offset, (int) size);
            version++;
            valid.add(offset, offset + size);
        } else {
            System.arraycopy(deviceCopy, (int) offset, host, (int) offset, (int) size);
        }
    }

    @Override
    public void write(MemorySegment src, long offset) {
        open();
        check("write", src.byteSize(), offset);
        MemorySegment.copy(src, 0, mapped, offset, src.byteSize());
    }

    @Override
    public void read(MemorySegment dst, long offset) {
        open();
        check("read", dst.byteSize(), offset);
        MemorySegment.copy(mapped, offset, dst, 0, dst.byteSize());
    }

    private void check(String what, long size, long offset) {
        if (size < 0 || offset < 0 || offset + size > host.length)
            throw new IllegalArgumentException(what + " of " + size + " bytes at offset " + offset + " outside the "
                    + host.length + "-byte buffer at 0x" + Long.toHexString(address));
    }

    private void open() {
        if (host == null) throw new IllegalStateException("buffer at 0x" + Long.toHexString(address) + " is closed");
    }

    @Override
    public void close() {
        if (host == null) return;
        host = null;
        deviceCopy = null;
        mapped = null;
        device.released(this);
    }

    @Override
    public String toString() {
        return "emulated buffer 0x" + Long.toHexString(address) + " (" + (host == null ? "closed" : host.length + " bytes")
                + ", group " + group + ", " + flags + ")";
    }
}
