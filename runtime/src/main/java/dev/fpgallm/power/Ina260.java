package dev.fpgallm.power;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.stream.Stream;

/**
 * A TI INA260 power monitor through Linux hwmon, as on the KV260 carrier ({@code ina260_u14}, the SOM's 5 V input).
 * hwmon numbers change between boots, so the device is found by its {@code name} file, never by number. The driver
 * reports {@code power1_input} in microwatts; without it, {@code curr1_input} (mA) x {@code in1_input} (mV).
 */
public final class Ina260 {
    private final Path dir;
    private final String name;

    Ina260(Path dir, String name) {
        this.dir = dir;
        this.name = name;
    }

    /** The first hwmon device (by directory name) whose name starts with {@code ina260}, under {@code sysRoot}. */
    public static Optional<Ina260> find(Path sysRoot) {
        Path hwmon = sysRoot.resolve("class/hwmon");
        if (!Files.isDirectory(hwmon)) return Optional.empty();
        List<Path> devices;
        try (Stream<Path> s = Files.list(hwmon)) {
            devices = s.filter(p -> p.getFileName().toString().startsWith("hwmon"))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
        } catch (IOException e) {
            return Optional.empty();
        }
        for (Path d : devices) {
            Optional<String> name = readLine(d.resolve("name"));
            if (name.isPresent() && name.get().startsWith("ina260")) return Optional.of(new Ina260(d, name.get()));
        }
        return Optional.empty();
    }

    /** For reports: the device name and the hwmon directory it was found in. */
    public String label() {
        return name + " (" + dir.getFileName() + ")";
    }

    /** The present power in watts, empty if the files cannot be read. */
    public OptionalDouble watts() {
        Optional<Long> microwatts = readLong(dir.resolve("power1_input"));
        if (microwatts.isPresent()) return OptionalDouble.of(microwatts.get() / 1e6);
        Optional<Long> milliamps = readLong(dir.resolve("curr1_input")), millivolts = readLong(dir.resolve("in1_input"));
        if (milliamps.isPresent() && millivolts.isPresent())
            return OptionalDouble.of(milliamps.get() * (double) millivolts.get() / 1e6);
        return OptionalDouble.empty();
    }

    static Optional<String> readLine(Path file) {
        try {
            String s = Files.readString(file, StandardCharsets.US_ASCII).strip();
            return s.isEmpty() ? Optional.empty() : Optional.of(s);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    static Optional<Long> readLong(Path file) {
        Optional<String> s = readLine(file);
        if (s.isEmpty()) return Optional.empty();
        try {
            return Optional.of(Long.parseLong(s.get()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
