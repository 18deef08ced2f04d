package dev.fpgallm.power;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * RAPL energy counters through Linux powercap ({@code /sys/class/powercap/intel-rapl:N}; the kernel's RAPL driver
 * uses these names on AMD processors too). Only top-level package zones are summed (their sub-zones, core and
 * uncore, are parts of them; a psys zone covers the packages again).
 * {@code energy_uj} counts microjoules and wraps to 0 after {@code max_energy_range_uj}; since 2020 kernels make it
 * readable by root only, so on most machines this finds nothing unless run as root.
 */
public final class Rapl {
    private final List<Path> zones;
    private final long[] maxRange;
    private final long[] last;
    private final String label;

    private Rapl(List<Path> zones, long[] maxRange, long[] first, String label) {
        this.zones = zones;
        this.maxRange = maxRange;
        this.last = first;
        this.label = label;
    }

    /** The readable package zones under {@code sysRoot}, if any. */
    public static Optional<Rapl> find(Path sysRoot) {
        Path powercap = sysRoot.resolve("class/powercap");
        if (!Files.isDirectory(powercap)) return Optional.empty();
        List<Path> candidates;
        try (Stream<Path> s = Files.list(powercap)) {
            candidates = s.filter(p -> p.getFileName().toString().matches("intel-rapl:\\d+"))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
        } catch (IOException e) {
            return Optional.empty();
        }
        List<Path> zones = new ArrayList<>();
        List<Long> ranges = new ArrayList<>(), firsts = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Path z : candidates) {
            Optional<String> name = Ina260.readLine(z.resolve("name"));
            Optional<Long> energy = Ina260.readLong(z.resolve("energy_uj")), range = Ina260.readLong(z.resolve("max_energy_range_uj"));
            if (name.isEmpty() || !name.get().startsWith("package") || energy.isEmpty() || range.isEmpty() || range.get() <= 0)
                continue;
            zones.add(z);
            ranges.add(range.get());
            firsts.add(energy.get());
            names.add(name.get());
        }
        if (zones.isEmpty()) return Optional.empty();
        return Optional.of(new Rapl(zones, ranges.stream().mapToLong(Long::longValue).toArray(),
                firsts.stream().mapToLong(Long::longValue).toArray(), "rapl " + String.join("+", names)));
    }

    public String label() {
        return label;
    }

    /**
     * Microjoules consumed since the previous call (or since {@link #find}), summed over the zones; a counter that
     * went backwards wrapped once. Call it more often than the shortest wrap time (minutes at full load).
     * A zone that cannot be read this time contributes nothing and is read again next time.
     */
    public synchronized long advance() {
        long total = 0;
        for (int i = 0; i < zones.size(); i++) {
            Optional<Long> now = Ina260.readLong(zones.get(i).resolve("energy_uj"));
            if (now.isEmpty()) continue;
            total += delta(last[i], now.get(), maxRange[i]);
            last[i] = now.get();
        }
        return total;
    }

    /** Counter increase from {@code before} to {@code after} with wrap-around at {@code maxRange}. */
    static long delta(long before, long after, long maxRange) {
        return after >= before ? after - before : maxRange - before + after;
    }
}
