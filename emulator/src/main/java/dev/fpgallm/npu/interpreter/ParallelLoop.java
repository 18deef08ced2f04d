package dev.fpgallm.npu.interpreter;

import java.util.concurrent.Phaser;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fixed team of worker threads that split a loop 0..n-1 between them, the caller included. Reused for every
 * instruction of every launch: nothing is allocated per loop, so the per-token path stays allocation-free.
 */
public final class ParallelLoop implements AutoCloseable {
    /** The loop body: handles index {@code i} on worker {@code worker} (0 = the calling thread). */
    @FunctionalInterface
    public interface Body {
        void run(int i, int worker);
    }

    private final int workers;
    private final Phaser phaser;
    private final AtomicInteger next = new AtomicInteger();
    private volatile Body body;
    private volatile int count;
    private volatile int grain;
    private volatile boolean closed;
    private volatile Throwable failure;

    public ParallelLoop(int threads) {
        this.workers = Math.max(1, threads);
        this.phaser = new Phaser(workers);
        for (int w = 1; w < workers; w++) {
            int id = w;
            Thread t = new Thread(() -> work(id), "npu-worker-" + w);
            t.setDaemon(true);
            t.start();
        }
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
        this.body = body;
        this.count = n;
        this.grain = Math.max(1, grain);
        this.failure = null;
        next.set(0);
        phaser.arriveAndAwaitAdvance(); // start
        drain(0);
        phaser.arriveAndAwaitAdvance(); // done
        this.body = null;
        Throwable f = failure;
        if (f instanceof RuntimeException r) throw r;
        if (f instanceof Error e) throw e;
    }

    private void work(int id) {
        while (true) {
            phaser.arriveAndAwaitAdvance();
            if (closed) return;
            drain(id);
            phaser.arriveAndAwaitAdvance();
        }
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

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (workers > 1) phaser.arriveAndDeregister();
    }
}
