package dev.fpgallm.power;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Average electrical power over a measured window, from whatever this machine can read: the KV260's INA260 (the
 * SOM's 5 V input), else the host's RAPL energy counters, else nothing. Never a guessed value: without a readable
 * sensor the average is empty and reports say n/a.
 */
public interface PowerMeter {
    /** What is measured, for reports (the CSV's power_source column), e.g. {@code ina260_u14 (hwmon2)}; n/a if nothing. */
    String source();

    /** Starts measuring now. */
    Measurement start();

    /** A running measurement. */
    interface Measurement {
        /** Stops and returns the average power in watts since {@link #start}, empty when no reading succeeded. */
        OptionalDouble stop();
    }

    /** Nothing readable: every measurement is empty. */
    PowerMeter NONE = new PowerMeter() {
        @Override
        public String source() {
            return "n/a";
        }

        @Override
        public Measurement start() {
            return OptionalDouble::empty;
        }
    };

    /**
     * The best meter under {@code sysRoot} (normally {@code /sys}): an INA260 hwmon device sampled every
     * {@code interval}, else readable RAPL package counters, else {@link #NONE}.
     */
    static PowerMeter detect(Path sysRoot, Duration interval) {
        Optional<Ina260> ina = Ina260.find(sysRoot);
        if (ina.isPresent()) return new SampledPower(ina.get().label(), ina.get()::watts, interval);
        Optional<Rapl> rapl = Rapl.find(sysRoot);
        if (rapl.isPresent()) return new EnergyCounterPower(rapl.get(), interval, System::nanoTime);
        return NONE;
    }
}
