package dev.fpgallm.power;

import java.time.Duration;
import java.util.OptionalDouble;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A power sensor read on a background thread every {@code interval} while a measurement runs; the average is the
 * mean of the readings (one is also taken at start and at stop, so short windows still get two).
 */
public final class SampledPower implements PowerMeter {
    private final String source;
    private final Supplier<OptionalDouble> sensor;
    private final Duration interval;

    public SampledPower(String source, Supplier<OptionalDouble> sensor, Duration interval) {
        if (interval.isNegative() || interval.isZero()) throw new IllegalArgumentException("interval " + interval);
        this.source = source;
        this.sensor = sensor;
        this.interval = interval;
    }

    @Override
    public String source() {
        return source;
    }

    @Override
    public Measurement start() {
        Sum sum = new Sum();
        sum.add(sensor.get());
        CountDownLatch stop = new CountDownLatch(1);
        Thread sampler = Thread.ofPlatform().daemon().name("power-sampler").start(() -> {
            try {
                while (!stop.await(interval.toNanos(), TimeUnit.NANOSECONDS)) sum.add(sensor.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return () -> {
            stop.countDown();
            try {
                sampler.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            sum.add(sensor.get());
            return sum.mean();
        };
    }

    /** Readings so far; shared by the sampler thread and the caller. */
    private static final class Sum {
        private double total;
        private int count;

        synchronized void add(OptionalDouble watts) {
            if (watts.isEmpty()) return;
            total += watts.getAsDouble();
            count++;
        }

        synchronized OptionalDouble mean() {
            return count == 0 ? OptionalDouble.empty() : OptionalDouble.of(total / count);
        }
    }
}
