package dev.fpgallm.power;

import java.time.Duration;
import java.util.OptionalDouble;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Average power from RAPL energy counters: energy consumed over the window divided by its length. A background
 * thread reads the counters every {@code interval} only so that no wrap-around is missed in long windows.
 */
public final class EnergyCounterPower implements PowerMeter {
    private final Rapl rapl;
    private final Duration interval;
    private final LongSupplier nanoTime;

    public EnergyCounterPower(Rapl rapl, Duration interval, LongSupplier nanoTime) {
        this.rapl = rapl;
        this.interval = interval;
        this.nanoTime = nanoTime;
    }

    @Override
    public String source() {
        return rapl.label();
    }

    @Override
    public Measurement start() {
        rapl.advance(); // forget what was consumed before the window
        long t0 = nanoTime.getAsLong();
        AtomicLong microjoules = new AtomicLong();
        CountDownLatch stop = new CountDownLatch(1);
        Thread poller = Thread.ofPlatform().daemon().name("rapl-poller").start(() -> {
            try {
                while (!stop.await(interval.toNanos(), TimeUnit.NANOSECONDS)) microjoules.addAndGet(rapl.advance());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return () -> {
            stop.countDown();
            try {
                poller.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            long energy = microjoules.addAndGet(rapl.advance());
            double seconds = (nanoTime.getAsLong() - t0) / 1e9;
            return seconds > 0 ? OptionalDouble.of(energy / 1e6 / seconds) : OptionalDouble.empty();
        };
    }
}
