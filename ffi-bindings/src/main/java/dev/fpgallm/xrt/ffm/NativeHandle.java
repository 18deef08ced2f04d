package dev.fpgallm.xrt.ffm;

import java.lang.foreign.MemorySegment;

/**
 * An XRT handle owned by one Java object: released exactly once by {@link #close()} (again is a no-op), and
 * never passed to XRT after that: using a closed object is an {@link IllegalStateException}, not a call into
 * freed native state. Objects are meant for one thread at a time; only {@link #close()} is safe to race.
 */
abstract sealed class NativeHandle implements AutoCloseable permits FfmDevice, FfmBufferObject, FfmKernel, FfmRun {
    final XrtLibrary xrt;
    private final MemorySegment handle;
    private volatile boolean closed;

    NativeHandle(XrtLibrary xrt, MemorySegment handle) {
        this.xrt = xrt;
        this.handle = handle;
        xrt.openHandles.incrementAndGet();
    }

    /** The live handle; throws once closed. */
    final MemorySegment handle() {
        if (closed) throw new IllegalStateException(this + " is closed");
        return handle;
    }

    /** The handle's address, for messages only (also after close). */
    final String address() {
        return XrtLibrary.hex(handle);
    }

    final boolean isClosed() {
        return closed;
    }

    @Override
    public final void close() {
        synchronized (this) {
            if (closed) return;
            closed = true;
        }
        xrt.openHandles.decrementAndGet();
        release(handle);
    }

    /** Frees the native object; called once. */
    abstract void release(MemorySegment handle);
}
