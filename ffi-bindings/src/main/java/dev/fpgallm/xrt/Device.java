package dev.fpgallm.xrt;

import java.nio.file.Path;

/**
 * An accelerator device, shaped like XRT's {@code xrt::device}: the host flow is open -> load xclbin -> allocate
 * buffer objects -> open the kernel -> write -> sync -> run -> wait -> sync -> read. Implemented over XRT's C API
 * (the board, or XRT's no-op driver) and by the pure-Java emulator. Closing the device closes nothing else: close
 * buffers, runs and kernels first (try-with-resources does that in the right order).
 */
public interface Device extends AutoCloseable {
    /** A human-readable name (the XRT device name, or "emulator"). */
    String name();

    /**
     * Loads an xclbin and returns its UUID. On a Kria board the bitstream arrives with {@code xmutil loadapp};
     * loading the xclbin still registers its metadata (kernels, memory topology) with XRT.
     */
    Uuid loadXclbin(Path xclbin);

    /** The UUID of the loaded xclbin. */
    Uuid xclbinUuid();

    /**
     * Allocates a buffer object in a memory group (the group a kernel argument is connected to, see
     * {@link Kernel#groupId(int)}).
     */
    BufferObject allocate(long size, BufferFlags flags, int memoryGroup);

    /** Opens a compute unit of the loaded xclbin by kernel name (shared access). */
    Kernel openKernel(String name);

    @Override
    void close();
}
