package dev.fpgallm.xrt.ffm;

import dev.fpgallm.xrt.BufferFlags;
import dev.fpgallm.xrt.BufferObject;
import dev.fpgallm.xrt.SyncDirection;
import dev.fpgallm.xrt.XrtException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * An XRT buffer object ({@code xrtBufferHandle}). Its mapped view is a segment of exactly {@link #size()} bytes in
 * an arena this buffer owns: closing the buffer closes the arena first, so a view kept past close throws instead of
 * touching freed memory. Offsets and sizes are checked here, before XRT (2.13's no-op driver does not check them).
 */
@SuppressWarnings("restricted") // sizing XRT's mapped pointer to the buffer needs reinterpret
final class FfmBufferObject extends NativeHandle implements BufferObject {
    /** Heap data goes to xrtBOWrite/xrtBORead through a native staging buffer of at most this many bytes. */
    private static final long STAGING_BYTES = 1 << 20;

    private final long size;
    private final BufferFlags flags;
    private Arena mapArena;
    private MemorySegment mapped;

    FfmBufferObject(XrtLibrary xrt, MemorySegment handle, long requestedSize, BufferFlags flags) {
        super(xrt, handle);
        this.flags = flags;
        long actual;
        try {
            actual = xrt.boSize(handle);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        if (actual < requestedSize) {
            close();
            throw new XrtException("xrtBOSize(" + XrtLibrary.hex(handle) + ") = " + actual + ", less than the "
                    + requestedSize + " bytes allocated");
        }
        this.size = actual;
    }

    @Override
    public long size() {
        handle();
        return size;
    }

    @Override
    public long deviceAddress() {
        return xrt.boAddress(handle());
    }

    @Override
    public synchronized MemorySegment map() {
        MemorySegment bo = handle();
        if (mapped == null) {
            MemorySegment host = xrt.boMap(bo);
            mapArena = Arena.ofShared();
            mapped = host.reinterpret(size, mapArena, null);
        }
        return mapped;
    }

    @Override
    public void sync(SyncDirection direction, long size, long offset) {
        MemorySegment bo = handle();
        Objects.checkFromIndexSize(offset, size, this.size);
        xrt.boSync(bo, direction.code, size, offset);
    }

    @Override
    public void write(MemorySegment src, long offset) {
        MemorySegment bo = handle();
        Objects.checkFromIndexSize(offset, src.byteSize(), size);
        if (src.isNative()) {
            xrt.boWrite(bo, src, offset);
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment staging = arena.allocate(Math.min(STAGING_BYTES, Math.max(1, src.byteSize())));
            for (long done = 0; done < src.byteSize(); done += staging.byteSize()) {
                long n = Math.min(staging.byteSize(), src.byteSize() - done);
                MemorySegment chunk = staging.asSlice(0, n);
                chunk.copyFrom(src.asSlice(done, n));
                xrt.boWrite(bo, chunk, offset + done);
            }
        }
    }

    @Override
    public void read(MemorySegment dst, long offset) {
        MemorySegment bo = handle();
        Objects.checkFromIndexSize(offset, dst.byteSize(), size);
        if (dst.isReadOnly()) throw new IllegalArgumentException("read into a read-only segment");
        if (dst.isNative()) {
            xrt.boRead(bo, dst, offset);
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment staging = arena.allocate(Math.min(STAGING_BYTES, Math.max(1, dst.byteSize())));
            for (long done = 0; done < dst.byteSize(); done += staging.byteSize()) {
                long n = Math.min(staging.byteSize(), dst.byteSize() - done);
                MemorySegment chunk = staging.asSlice(0, n);
                xrt.boRead(bo, chunk, offset + done);
                dst.asSlice(done, n).copyFrom(chunk);
            }
        }
    }

    BufferFlags flags() {
        return flags;
    }

    @Override
    void release(MemorySegment handle) {
        synchronized (this) {
            if (mapArena != null) mapArena.close();
            mapArena = null;
            mapped = null;
        }
        xrt.boFree(handle);
    }

    @Override
    public String toString() {
        return "XRT buffer object " + address() + " (" + size + " bytes)";
    }
}
