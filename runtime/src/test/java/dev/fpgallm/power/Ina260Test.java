package dev.fpgallm.power;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The INA260 hwmon reader on a fake sysfs tree. */
class Ina260Test {
    @TempDir
    Path sys;

    Path hwmon(int n, String name) throws IOException {
        Path d = Files.createDirectories(sys.resolve("class/hwmon/hwmon" + n));
        Files.writeString(d.resolve("name"), name + "\n");
        return d;
    }

    @Test
    void readsMicrowattsAsWatts() throws IOException {
        hwmon(0, "cpu_thermal");
        Path ina = hwmon(1, "ina260_u14");
        Files.writeString(ina.resolve("power1_input"), "4523000\n");
        Ina260 sensor = Ina260.find(sys).orElseThrow();
        assertEquals("ina260_u14 (hwmon1)", sensor.label());
        assertEquals(4.523, sensor.watts().getAsDouble(), 1e-12);
        Files.writeString(ina.resolve("power1_input"), "4600000\n");
        assertEquals(4.6, sensor.watts().getAsDouble(), 1e-12, "every read is fresh");
    }

    @Test
    void withoutPowerFileUsesCurrentTimesVoltage() throws IOException {
        Path ina = hwmon(2, "ina260_u14");
        Files.writeString(ina.resolve("curr1_input"), "905\n");  // mA
        Files.writeString(ina.resolve("in1_input"), "5040\n");   // mV
        assertEquals(0.905 * 5.040, Ina260.find(sys).orElseThrow().watts().getAsDouble(), 1e-12);
    }

    @Test
    void missingOrGarbledFilesGiveNoReading() throws IOException {
        Path ina = hwmon(0, "ina260_u14");
        Ina260 sensor = Ina260.find(sys).orElseThrow();
        assertEquals(OptionalDouble.empty(), sensor.watts());
        Files.writeString(ina.resolve("power1_input"), "not a number\n");
        assertEquals(OptionalDouble.empty(), sensor.watts());
        Files.writeString(ina.resolve("curr1_input"), "900\n"); // voltage still missing
        assertEquals(OptionalDouble.empty(), sensor.watts());
    }

    @Test
    void foundByNameWhateverTheHwmonNumber() throws IOException {
        assertTrue(Ina260.find(sys).isEmpty(), "no hwmon folder");
        hwmon(0, "nvme");
        hwmon(1, "k10temp");
        assertTrue(Ina260.find(sys).isEmpty(), "no INA260 among the devices");
        Files.writeString(hwmon(3, "ina260_u14").resolve("power1_input"), "5000000");
        assertEquals("ina260_u14 (hwmon3)", Ina260.find(sys).orElseThrow().label());
        // after a reboot the same sensor comes up under another number
        try (var files = Files.walk(sys.resolve("class/hwmon/hwmon3"))) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        Files.writeString(hwmon(2, "ina260_u14").resolve("power1_input"), "5000000");
        Ina260 found = Ina260.find(sys).orElseThrow();
        assertEquals("ina260_u14 (hwmon2)", found.label());
        assertEquals(5.0, found.watts().getAsDouble(), 1e-12);
    }

    @Test
    void detectPrefersTheIna260AndSamplesItInTheBackground() throws IOException {
        assertEquals(PowerMeter.NONE, PowerMeter.detect(sys, Duration.ofMillis(5)), "nothing readable: n/a");
        Files.writeString(hwmon(4, "ina260_u14").resolve("power1_input"), "4250000");
        PowerMeter meter = PowerMeter.detect(sys, Duration.ofMillis(5));
        assertEquals("ina260_u14 (hwmon4)", meter.source());
        PowerMeter.Measurement m = meter.start();
        assertEquals(4.25, m.stop().getAsDouble(), 1e-12);
    }
}
