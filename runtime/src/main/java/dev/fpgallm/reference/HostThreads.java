package dev.fpgallm.reference;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.function.Supplier;

/**
 * The threads the FP32 reference computes on ({@code --threads}). {@link TransformerBlock}'s parallel loops are
 * parallel streams, and a stream started inside a fork/join pool forks its work into that pool
 * ({@link java.util.concurrent.ForkJoinTask#fork()}), so running a forward pass here bounds it to this pool's threads.
 */
public final class HostThreads implements AutoCloseable {
    private final int threads;
    private final ForkJoinPool pool;

    public HostThreads(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads " + threads + " < 1");
        this.threads = threads;
        this.pool = new ForkJoinPool(threads);
    }

    public int threads() {
        return threads;
    }

    /** Runs {@code work} on this pool's threads and returns its result; its exceptions pass as they were thrown. */
    public <T> T call(Supplier<T> work) {
        try {
            return pool.submit(work::get).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public void close() {
        pool.shutdown();
    }
}
