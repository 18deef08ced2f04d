package dev.fpgallm.xrt;

import java.lang.foreign.MemorySegment;

/**
 * A buffer object (XRT {@code xrt::bo}): host-side memory and a device-side copy that only
 * {@link #sync(SyncDirection, long, long)} makes agree, as on the KV260's non-coherent HP ports.
 */
public interface BufferObject extends AutoCloseable {
    long size();

    /** The buffer's physical address as the kernel sees it. */
    long deviceAddress();

    /**
     * The host view of the buffer, {@link #size()} bytes, valid until {@link #close()}. Writes to it reach the
     * device only after a sync to the device; the device's writes appear after a sync from the device.
     */
    MemorySegment map();

    /** Copies {@code size} bytes at {@code offset} between host and device memory. */
    void sync(SyncDirection direction, long size, long offset);

    default void sync(SyncDirection direction) {
        sync(direction, size(), 0);
    }

    /** Copies {@code src} into the host side at {@code offset} (XRT's xrtBOWrite; no sync). */
    void write(MemorySegment src, long offset);

    /** Copies the host side at {@code offset} into {@code dst} (XRT's xrtBORead; no sync). */
    void read(MemorySegment dst, long offset);

    /** Frees the buffer; using it afterwards is an {@link IllegalStateException}. Closing twice is harmless. */
    @Override
    void close();
}
