package dev.fpgallm.xrt.ffm;

import dev.fpgallm.xrt.BufferObject;
import dev.fpgallm.xrt.Run;
import dev.fpgallm.xrt.RunState;
import dev.fpgallm.xrt.XrtException;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Arrays;

/**
 * A run of a kernel ({@code xrtRunHandle}). It remembers the buffers set as arguments, so that starting it after
 * one of them was freed is an exception here rather than the kernel writing into freed memory on the board.
 */
final class FfmRun extends NativeHandle implements Run {
    /** xrtRunWaitFor's timeout is an unsigned int of milliseconds, where 0 means no timeout. */
    private static final long MAX_TIMEOUT_MS = 0xFFFF_FFFFL;

    private final String kernelName;
    private FfmBufferObject[] buffers = new FfmBufferObject[16];

    FfmRun(XrtLibrary xrt, MemorySegment handle, String kernelName) {
        super(xrt, handle);
        this.kernelName = kernelName;
    }

    @Override
    public void setArg(int index, BufferObject buffer) {
        MemorySegment run = handle();
        if (!(buffer instanceof FfmBufferObject bo) || bo.xrt != xrt)
            throw new IllegalArgumentException("argument " + index + " of " + kernelName + ": " + buffer
                    + " was not allocated through " + xrt.location);
        checkIndex(index);
        xrt.runSetArg(run, index, bo.handle());
        if (index >= buffers.length) buffers = Arrays.copyOf(buffers, Math.max(index + 1, 2 * buffers.length));
        buffers[index] = bo;
    }

    @Override
    public void setArg(int index, int value) {
        MemorySegment run = handle();
        checkIndex(index);
        xrt.runSetArg(run, index, value);
        forgetBuffer(index);
    }

    @Override
    public void setArg(int index, long value) {
        MemorySegment run = handle();
        checkIndex(index);
        xrt.runSetArg(run, index, value);
        forgetBuffer(index);
    }

    @Override
    public void start() {
        MemorySegment run = handle();
        for (int i = 0; i < buffers.length; i++)
            if (buffers[i] != null && buffers[i].isClosed())
                throw new IllegalStateException("argument " + i + " of " + kernelName + " is " + buffers[i]
                        + ", closed since it was set; set a live buffer before starting");
        xrt.runStart(run);
    }

    @Override
    public RunState await() {
        return state("xrtRunWait", xrt.runWait(handle()));
    }

    @Override
    public RunState waitFor(Duration timeout) {
        MemorySegment run = handle();
        if (timeout.isNegative() || timeout.isZero()) return state();
        // Round up: a positive timeout must not become 0, which XRT reads as "wait forever".
        long ms = Math.min(MAX_TIMEOUT_MS, timeout.plusNanos(999_999).toMillis());
        return state("xrtRunWaitFor", xrt.runWaitFor(run, (int) ms));
    }

    @Override
    public RunState state() {
        return state("xrtRunState", xrt.runState(handle()));
    }

    private RunState state(String call, int code) {
        for (RunState s : RunState.values()) if (s.code == code) return s;
        throw new XrtException(call + "(" + address() + ") returned " + code + ", not an ert_cmd_state",
                xrt.lastErrno());
    }

    private static void checkIndex(int index) {
        if (index < 0) throw new IllegalArgumentException("argument index must be >= 0, got " + index);
    }

    private void forgetBuffer(int index) {
        if (index < buffers.length) buffers[index] = null;
    }

    @Override
    void release(MemorySegment handle) {
        buffers = new FfmBufferObject[0];
        xrt.runClose(handle);
    }

    @Override
    public String toString() {
        return "XRT run of " + kernelName + " " + address();
    }
}
