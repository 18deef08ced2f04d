package dev.fpgallm.power;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.OptionalDouble;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SampledPowerTest {
    @Test
    void averagesReadingsTakenInTheBackground() throws InterruptedException {
        AtomicInteger reads = new AtomicInteger();
        PowerMeter meter = new SampledPower("test", () -> {
            reads.incrementAndGet();
            return OptionalDouble.of(3.5);
        }, Duration.ofMillis(2));
        PowerMeter.Measurement m = meter.start();
        Thread.sleep(50);
        assertEquals(3.5, m.stop().getAsDouble(), 1e-12);
        assertTrue(reads.get() > 2, "sampled during the window, not just at its ends: " + reads.get());
        int after = reads.get();
        Thread.sleep(20);
        assertEquals(after, reads.get(), "the sampler stops with the measurement");
    }

    @Test
    void noReadingsNoAverage() {
        PowerMeter meter = new SampledPower("test", OptionalDouble::empty, Duration.ofMillis(1));
        assertEquals(OptionalDouble.empty(), meter.start().stop());
        assertEquals(OptionalDouble.empty(), PowerMeter.NONE.start().stop());
        assertEquals("n/a", PowerMeter.NONE.source());
    }
}
