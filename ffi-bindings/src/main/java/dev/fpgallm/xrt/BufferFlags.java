package dev.fpgallm.xrt;

/**
 * XRT buffer flags (one type flag only). On edge boards NORMAL buffers are write-combined CMA memory (sync is a
 * no-op, CPU reads are slow); CACHEABLE ones are cached and sync flushes or invalidates the caches.
 */
public enum BufferFlags {
    NORMAL(0L), CACHEABLE(1L << 24), DEVICE_ONLY(1L << 28), HOST_ONLY(1L << 29);

    public final long bits;

    BufferFlags(long bits) {
        this.bits = bits;
    }
}
