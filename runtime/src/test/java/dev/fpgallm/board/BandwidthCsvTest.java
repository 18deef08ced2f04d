package dev.fpgallm.board;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fpgallm.UserError;
import dev.fpgallm.cli.CliRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bandwidth calibration file: the arithmetic from measured times to bytes per cycle, the round trip a cycle
 * model will read it by, and the probe command's refusals. The rows here are made-up inputs, not measurements.
 */
class BandwidthCsvTest {
    @TempDir
    Path dir;

    /** 4 ports x 16 MiB in 10 ms, 0.1 ms of it launch overhead, at 200 MHz. */
    private static BandwidthRow row(int ports, int burstBytes, int outstanding) {
        return new BandwidthRow("2026-12-01T00:00:00Z", "example; no board", "fpga-llm-probe-200mhz", 200, "read", ports,
                burstBytes, outstanding, 1, ports * 16L * 1024 * 1024, 5, 10.0, 0.1);
    }

    @Test
    void bytesPerCycleIsBytesOverTheDataTimeTimesTheClock() {
        BandwidthRow r = row(4, 256, 16);
        // 67,108,864 bytes / (9.9 ms x 200 MHz = 1,980,000 cycles)
        assertEquals(67_108_864 / 1_980_000.0, r.bytesPerCycle(), 1e-9);
        assertEquals(64, r.peakBytesPerCycle());
        assertEquals(r.bytesPerCycle() / 64, r.efficiency(), 1e-12);
        assertEquals(r.bytesPerCycle() * 0.2, r.gbytesPerSecond(), 1e-9);
        BandwidthRow noTime = new BandwidthRow("d", "m", "a", 200, "read", 1, 16, 1, 1, 1024, 5, 0.1, 0.1);
        assertEquals("n/a", noTime.cells().get(BandwidthRow.COLUMNS.indexOf("bytes_per_cycle")));
    }

    @Test
    void rowsAppendAndReadBack() throws IOException {
        Path csv = dir.resolve("kv260-bandwidth.csv");
        BandwidthCsv.append(csv, List.of(row(1, 64, 1), row(4, 4096, 32)));
        BandwidthCsv.append(csv, List.of(row(2, 128, 4)));
        List<String> lines = Files.readAllLines(csv);
        assertEquals(BandwidthCsv.HEADER, lines.getFirst());
        assertEquals(4, lines.size(), lines.toString());
        List<BandwidthRow> back = BandwidthCsv.parse(csv);
        assertEquals(List.of(row(1, 64, 1), row(4, 4096, 32), row(2, 128, 4)), back);
        assertEquals(back.get(1).efficiency(), row(4, 4096, 32).efficiency(), 1e-12);
    }

    @Test
    void theCommittedTemplateHasTheHeaderAndNoNumbers() throws IOException {
        Path root = Path.of("").toAbsolutePath();
        while (root != null && !Files.isDirectory(root.resolve("results"))) root = root.getParent();
        assertTrue(root != null, "results/ not found");
        List<String> template = Files.readAllLines(root.resolve("results/kv260-bandwidth_template.csv"));
        assertEquals(List.of(BandwidthCsv.HEADER), template, "header only: no board has produced a row yet");
    }

    @Test
    void anotherFileIsNotAppendedTo() throws IOException {
        Path other = Files.writeString(dir.resolve("bench.csv"), "date,backend\n");
        UserError e = assertThrows(UserError.class, () -> BandwidthCsv.append(other, List.of(row(1, 64, 1))));
        assertTrue(e.getMessage().contains("is not a bandwidth CSV"), e.getMessage());
        assertEquals("date,backend\n", Files.readString(other));
    }

    @Test
    void theProbeCommandRefusesBadGridsInOneLine() throws IOException {
        Path xclbin = Files.writeString(dir.resolve("fpga-llm-probe-200mhz.xclbin"), "not read before the grid is checked");
        String out = dir.resolve("bw.csv").toString();
        CliRunner.run("probe-bandwidth", "--xclbin", xclbin.toString(), "--out", out, "--burst-bytes", "24")
                .assertOneLineError("--burst-bytes must be multiples of 16");
        CliRunner.run("probe-bandwidth", "--xclbin", xclbin.toString(), "--out", out, "--burst-bytes", "8192")
                .assertOneLineError("a burst is a power of two");
        CliRunner.run("probe-bandwidth", "--xclbin", xclbin.toString(), "--out", out, "--ports", "5")
                .assertOneLineError("ports must be 1..4");
        Path unnamed = Files.writeString(dir.resolve("probe.xclbin"), "x");
        CliRunner.run("probe-bandwidth", "--xclbin", unnamed.toString(), "--out", out)
                .assertOneLineError("--clock-mhz is needed");
        assertTrue(Files.notExists(Path.of(out)), "nothing written");
    }
}
