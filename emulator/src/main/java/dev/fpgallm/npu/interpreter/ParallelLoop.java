package dev.fpgallm.npu.interpreter;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed team of worker threads that split a loop 0..n-1 between them, the caller included. Reused for every
 * instruction of every launch: nothing is allocated per loop, so the per-token path stays allocation-free.
 * <p>
 * One handshake per loop: the caller publishes the loop by bumping {@code epoch} and waits for {@code pending} to
 * reach 0. Waiting on either side spins briefly ({@link Thread#onSpinWait}, up to {@link #SPIN_NANOS}: the next
 * instruction's loop usually follows within microseconds) and then parks, so a machine with more threads than cores
 * is not burnt by spinning waiters. Each side announces that it is about to park in a volatile flag and checks the
 * condition again before parking; the other side writes its condition first and unparks when it sees the flag, so
 * a wake-up cannot be lost (both are volatile accesses, hence sequentially consistent).
 */
public final class ParallelLoop implements AutoCloseable {
    /** The loop body: handles index {@code i} on worker {@code worker} (0 = the calling thread). */
    @FunctionalInterface
    public interface Body {
        void run(int i, int worker);
    }

    /** How long a waiter spins before it parks. */
    static final long SPIN_NANOS = 50_000;

    private final int workers;
    private final Thread[] threads;
    private final boolean[] parked;              // per worker: about to park or parked (read and written volatile-ly)
    private final AtomicInteger next = new AtomicInteger(), pending = new AtomicInteger();
    private volatile int epoch;                  // bumped once per loop (and at close)
    private volatile Thread caller;
    private volatile boolean callerParked;
    private volatile Body body;
    private volatile int count, grain;
    private volatile boolean closed;
    private volatile Throwable failure;

    public ParallelLoop(int threads) {
        this.workers = Math.max(1, threads);
        this.threads = new Thread[workers];
        this.parked = new boolean[workers];
        for (int w = 1; w < workers; w++) {
            int id = w;
            Thread t = new Thread(() -> work(id), "npu-worker-" + w);
            t.setDaemon(true);
            this.threads[w] = t;
        }
        for (int w = 1; w < workers; w++) this.threads[w].start();
    }

    public int workers() {
        return workers;
    }

    /** Runs body(i) for i in 0..n-1 on all workers, claiming {@code grain} indices at a time; returns when done. */
    public void run(int n, int grain, Body body) {
        if (n <= 0) return;
        if (workers == 1 || n == 1) {
            for (int i = 0; i < n; i++) body.run(i, 0);
            return;
        }
        if (closed) throw new IllegalStateException("the parallel loop is closed");
        this.body = body;
        this.count = n;
        this.grain = Math.max(1, grain);
        this.failure = null;
        this.caller = Thread.currentThread();
        next.set(0);
        pending.set(workers - 1);
        epoch++; // the only writer: the calling thread
        wakeParkedWorkers();
        drain(0);
        awaitWorkers();
        this.body = null;
        Throwable f = failure;
        if (f instanceof RuntimeException r) throw r;
        if (f instanceof Error e) throw e;
        if (f != null) throw new IllegalStateException(f);
    }

    private void wakeParkedWorkers() {
        for (int w = 1; w < workers; w++)
            if (isParked(w)) LockSupport.unpark(threads[w]);
    }

    private void awaitWorkers() {
        long start = System.nanoTime();
        for (int spins = 0; pending.get() != 0; spins++) {
            if (spins < 64 || System.nanoTime() - start < SPIN_NANOS) {
                Thread.onSpinWait();
                continue;
            }
            callerParked = true;
            if (pending.get() != 0) LockSupport.park(this);
            callerParked = false;
        }
    }

    private void work(int id) {
        int seen = 0;
        while (true) {
            seen = awaitEpoch(id, seen);
            if (closed) return;
            drain(id);
            if (pending.decrementAndGet() == 0 && callerParked) LockSupport.unpark(caller);
        }
    }

    /** Waits until the epoch differs from {@code seen}; returns the new one. */
    private int awaitEpoch(int id, int seen) {
        long start = System.nanoTime();
        int e;
        for (int spins = 0; (e = epoch) == seen; spins++) {
            if (spins < 64 || System.nanoTime() - start < SPIN_NANOS) {
                Thread.onSpinWait();
                continue;
            }
            setParked(id, true);
            if (epoch == seen) LockSupport.park(this);
            setParked(id, false);
        }
        return e;
    }

    private void drain(int id) {
        Body b = body;
        int n = count, g = grain;
        try {
            for (int start = next.getAndAdd(g); start < n; start = next.getAndAdd(g)) {
                int end = Math.min(n, start + g);
                for (int i = start; i < end; i++) b.run(i, id);
            }
        } catch (Throwable t) {
            failure = t;
            next.set(n);
        }
    }

    // The per-worker parked flags need volatile semantics; an array element is read and written through these.
    private static final java.lang.invoke.VarHandle PARKED = java.lang.invoke.MethodHandles.arrayElementVarHandle(boolean[].class);

    private boolean isParked(int w) {
        return (boolean) PARKED.getVolatile(parked, w);
    }

    private void setParked(int w, boolean v) {
        PARKED.setVolatile(parked, w, v);
    }

    /** The worker threads (the caller is worker 0 and not among them), for tests. */
    List<Thread> threads() {
        return java.util.Arrays.asList(threads).subList(1, workers);
    }

    /** Ends the worker threads and waits for them. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        epoch++;
        for (int w = 1; w < workers; w++) LockSupport.unpark(threads[w]);
        boolean interrupted = false;
        for (int w = 1; w < workers; w++)
            while (threads[w].isAlive()) {
                try {
                    threads[w].join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        if (interrupted) Thread.currentThread().interrupt();
    }
}
