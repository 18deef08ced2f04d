package dev.fpgallm.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fpgallm.UserError;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.model.SyntheticCheckpoint;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class HostThreadsTest {
    /** Parallel streams started inside the pool use its threads, and no others. */
    @Test
    void parallelLoopsRunOnThePoolsThreads() {
        try (HostThreads one = new HostThreads(1); HostThreads three = new HostThreads(3)) {
            assertEquals(1, threadsUsed(one));
            assertTrue(threadsUsed(three) <= 3);
        }
    }

    private static int threadsUsed(HostThreads pool) {
        Set<Thread> seen = ConcurrentHashMap.newKeySet();
        return pool.call(() -> {
            IntStream.range(0, 2000).parallel().forEach(i -> {
                seen.add(Thread.currentThread());
                long x = 0;
                for (int k = 0; k < 20_000; k++) x += k * (long) i;
                if (x == 42) seen.clear();
            });
            return seen.size();
        });
    }

    /** The FP32 reference on 1 or 4 threads computes the same logits (each row's products in the same order). */
    @Test
    void theReferenceGivesTheSameLogitsOnAnyThreadCount() {
        Gpt2Weights w = SyntheticCheckpoint.generate(Gpt2Config.tiny(), 3);
        int[] tokens = {15496, 11, 616, 1438, 318};
        try (ReferenceModel a = new ReferenceModel(w, 8, 1); ReferenceModel b = new ReferenceModel(w, 8, 4)) {
            assertEquals(1, a.threads());
            float[][] x = a.prefillAll(tokens), y = b.prefillAll(tokens);
            for (int i = 0; i < tokens.length; i++) assertArrayEquals(x[i], y[i]);
            assertArrayEquals(a.decode(262), b.decode(262));
        }
    }

    /** Exceptions of the work pass as they were thrown (a UserError stays one). */
    @Test
    void exceptionsPassUnchanged() {
        try (HostThreads pool = new HostThreads(2)) {
            UserError e = assertThrows(UserError.class, () -> pool.call(() -> {
                throw new UserError("refused");
            }));
            assertEquals("refused", e.getMessage());
        }
    }
}
