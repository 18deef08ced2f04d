package dev.fpgallm.npu.interpreter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/** The worker team: every index exactly once, on every team size, through many short loops, failures and close. */
class ParallelLoopTest {
    @Test
    void manyShortLoopsVisitEveryIndexOnce() {
        for (int threads = 1; threads <= 4; threads++)
            try (ParallelLoop loop = new ParallelLoop(threads)) {
                assertEquals(threads, loop.workers());
                for (int round = 0; round < 3000; round++) {
                    int n = 1 + round % 37, grain = 1 + round % 5;
                    AtomicIntegerArray seen = new AtomicIntegerArray(n);
                    int workers = loop.workers();
                    boolean[] badWorker = new boolean[1];
                    loop.run(n, grain, (i, w) -> {
                        seen.incrementAndGet(i);
                        if (w < 0 || w >= workers) badWorker[0] = true;
                    });
                    for (int i = 0; i < n; i++) assertEquals(1, seen.get(i), "index " + i + " of " + n + ", " + threads + " threads");
                    assertFalse(badWorker[0]);
                }
            }
    }

    /** Loops after a pause long enough for the workers to park: they are woken, not lost. */
    @Test
    void parkedWorkersWakeForTheNextLoop() {
        try (ParallelLoop loop = new ParallelLoop(3)) {
            for (int round = 0; round < 5; round++) {
                LockSupport.parkNanos(3 * ParallelLoop.SPIN_NANOS);
                AtomicIntegerArray byWorker = new AtomicIntegerArray(3);
                loop.run(300, 1, (i, w) -> {
                    byWorker.incrementAndGet(w);
                    LockSupport.parkNanos(10_000); // long enough that every worker takes some
                });
                assertEquals(300, byWorker.get(0) + byWorker.get(1) + byWorker.get(2));
            }
        }
    }

    @Test
    void aWorkersExceptionReachesTheCallerAndTheLoopStaysUsable() {
        for (int threads = 1; threads <= 4; threads++)
            try (ParallelLoop loop = new ParallelLoop(threads)) {
                IllegalStateException boom = new IllegalStateException("boom");
                for (int round = 0; round < 20; round++) {
                    int failAt = round % 16;
                    IllegalStateException e = assertThrows(IllegalStateException.class, () -> loop.run(16, 1, (i, w) -> {
                        if (i == failAt) throw boom;
                    }));
                    assertSame(boom, e);
                    AtomicIntegerArray seen = new AtomicIntegerArray(16);
                    loop.run(16, 2, (i, w) -> seen.incrementAndGet(i));
                    for (int i = 0; i < 16; i++) assertEquals(1, seen.get(i));
                }
                AssertionError error = new AssertionError("an Error");
                assertSame(error, assertThrows(AssertionError.class, () -> loop.run(8, 1, (i, w) -> {
                    throw error;
                })));
            }
    }

    @Test
    void closeEndsTheThreads() {
        for (int threads = 1; threads <= 4; threads++) {
            ParallelLoop loop = new ParallelLoop(threads);
            loop.run(10, 1, (i, w) -> { });
            List<Thread> team = loop.threads();
            assertEquals(threads - 1, team.size());
            team.forEach(t -> assertTrue(t.isAlive(), t.getName()));
            loop.close();
            team.forEach(t -> assertFalse(t.isAlive(), t.getName()));
            loop.close(); // twice is harmless
            if (threads > 1) assertThrows(IllegalStateException.class, () -> loop.run(10, 1, (i, w) -> { }));
        }
    }
}
