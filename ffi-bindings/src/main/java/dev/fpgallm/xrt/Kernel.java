package dev.fpgallm.xrt;

/** A compute unit of a loaded xclbin (XRT {@code xrt::kernel}). */
public interface Kernel extends AutoCloseable {
    String name();

    /**
     * The memory group of a buffer argument (argument index = position in the kernel's C signature); buffers
     * passed to that argument must be allocated there.
     */
    int groupId(int argIndex);

    /** A new run handle whose arguments can be set and which can be started many times. */
    Run newRun();

    @Override
    void close();
}
