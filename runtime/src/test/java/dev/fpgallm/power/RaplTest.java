package dev.fpgallm.power;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RAPL energy counters on a fake powercap tree. */
class RaplTest {
    static final long RANGE = 262_143_328_850L;
    @TempDir
    Path sys;

    Path zone(String dir, String name, long energy) throws IOException {
        Path z = Files.createDirectories(sys.resolve("class/powercap/" + dir));
        Files.writeString(z.resolve("name"), name + "\n");
        Files.writeString(z.resolve("energy_uj"), energy + "\n");
        Files.writeString(z.resolve("max_energy_range_uj"), RANGE + "\n");
        return z;
    }

    static void set(Path zone, long energy) throws IOException {
        Files.writeString(zone.resolve("energy_uj"), energy + "\n");
    }

    @Test
    void sumsPackageZonesOnlyAndHandlesWrapAround() throws IOException {
        Path p0 = zone("intel-rapl:0", "package-0", RANGE - 1_000);
        Path p1 = zone("intel-rapl:1", "package-1", 5_000);
        Path core = zone("intel-rapl:0:0", "core", 7);   // part of package-0: not counted again
        Path psys = zone("intel-rapl:2", "psys", 7);     // the whole platform: overlaps the packages
        Rapl rapl = Rapl.find(sys).orElseThrow();
        assertEquals("rapl package-0+package-1", rapl.label());
        set(p0, 2_000);                 // wrapped: 1,000 to the top, then 2,000
        set(p1, 8_000);
        set(core, 1_000_000);
        set(psys, 1_000_000);
        assertEquals(3_000 + 3_000, rapl.advance());
        assertEquals(0, rapl.advance(), "nothing consumed since");
        assertEquals(150, Rapl.delta(RANGE - 100, 50, RANGE));
        assertEquals(10, Rapl.delta(5, 15, RANGE));
    }

    @Test
    void unreadableCountersMeanNoRapl() throws IOException {
        assertTrue(Rapl.find(sys).isEmpty());
        Path z = zone("intel-rapl:0", "package-0", 1);
        Files.delete(z.resolve("energy_uj")); // as when only root may read it
        assertTrue(Rapl.find(sys).isEmpty());
        assertEquals(PowerMeter.NONE, PowerMeter.detect(sys, Duration.ofSeconds(1)));
    }

    @Test
    void averagePowerIsEnergyOverTime() throws IOException {
        Path p0 = zone("intel-rapl:0", "package-0", 100);
        AtomicLong now = new AtomicLong();
        PowerMeter meter = new EnergyCounterPower(Rapl.find(sys).orElseThrow(), Duration.ofHours(1), now::get);
        set(p0, 5_000); // consumed before the window: not counted
        PowerMeter.Measurement m = meter.start();
        set(p0, 5_000 + 24_000_000);   // 24 J
        now.set(3_000_000_000L);       // in 3 s
        assertEquals(8.0, m.stop().getAsDouble(), 1e-12);
        assertTrue(PowerMeter.detect(sys, Duration.ofSeconds(1)) instanceof EnergyCounterPower);
    }
}
