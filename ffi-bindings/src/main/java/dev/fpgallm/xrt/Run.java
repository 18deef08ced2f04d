package dev.fpgallm.xrt;

import java.time.Duration;

/** One execution context of a kernel (XRT {@code xrt::run}): set arguments, start, wait; repeatable. */
public interface Run extends AutoCloseable {
    void setArg(int index, BufferObject buffer);

    void setArg(int index, int value);

    void setArg(int index, long value);

    /** Starts the kernel with the arguments set so far. */
    void start();

    /** Waits until the run finishes, however long that takes (XRT's xrtRunWait); returns the final state. */
    default RunState await() {
        RunState state;
        do state = waitFor(Duration.ofDays(1)); while (state == RunState.TIMEOUT);
        return state;
    }

    /** Waits until the run finishes, or at most {@code timeout}; returns the state then (TIMEOUT if still going). */
    RunState waitFor(Duration timeout);

    /** The current state without waiting. */
    RunState state();

    @Override
    void close();
}
