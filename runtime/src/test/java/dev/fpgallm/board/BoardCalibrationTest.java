package dev.fpgallm.board;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fpgallm.UserError;
import dev.fpgallm.npu.timing.Band;
import dev.fpgallm.npu.timing.BoardModel;
import dev.fpgallm.npu.isa.Gemm;
import dev.fpgallm.npu.isa.Isa;
import dev.fpgallm.npu.isa.Launch;
import dev.fpgallm.npu.timing.LaunchPrediction;
import dev.fpgallm.npu.isa.ProgramHeader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bandwidth CSV as `fpga-llm probe-bandwidth` writes it, read into the board model's corners: which grid points
 * give which figure, the band over several runs, the conservative step to a smaller burst, and the refusals. Every
 * number in these files is MADE UP for the test (efficiencies chosen, run times computed from them); none is a
 * measurement.
 */
class BoardCalibrationTest {
    static final String MACHINE = "made-up-board; no CPU; 4 cores";
    static final double EMPTY_MS = 0.052;
    /** The CSV keeps run times to 0.1 us: efficiencies come back to a few parts per million. */
    static final double ROUND_TRIP = 1e-5;

    @TempDir
    Path dir;

    /** A row whose run time gives exactly {@code efficiency} at {@code mhz} (16 MiB per port, as the probe reads). */
    static BandwidthRow row(String date, double mhz, int ports, int burstBytes, int outstanding, double efficiency) {
        long bytes = ports * 16L * 1024 * 1024;
        double dataMs = bytes / (efficiency * ports * BandwidthRow.BEAT_BYTES * mhz * 1e6) * 1000;
        return new BandwidthRow(date, MACHINE, "fpga-llm-probe-" + (int) mhz + "mhz", mhz, "read", ports, burstBytes,
                outstanding, 1, bytes, 5, EMPTY_MS + dataMs, EMPTY_MS);
    }

    /** A made-up grid at 200 MHz: 1 and 4 ports, bursts 128..512 bytes, 1, 16 and 32 in flight; and a 100 MHz run. */
    static List<BandwidthRow> grid(String date, double scale) {
        List<BandwidthRow> rows = new ArrayList<>();
        for (int ports : new int[] {1, 4})
            for (int burst : new int[] {128, 256, 512})
                for (int outstanding : new int[] {1, 16, 32}) {
                    double e = outstanding == 1 ? burst / 16.0 / (burst / 16.0 + 70) : ports == 4 ? 0.9 : 0.95;
                    if (burst == 256 && outstanding == 16) e = ports == 4 ? 0.88 : 0.93;  // the point the kernel uses
                    rows.add(row(date, 200, ports, burst, outstanding, e * scale));
                }
        rows.add(row(date, 100, 4, 256, 16, 0.99));
        return rows;
    }

    Path write(List<BandwidthRow> rows) {
        Path f = dir.resolve("kv260-bandwidth.csv");
        BandwidthCsv.append(f, rows);
        return f;
    }

    @Test
    void theKernelsGridPointsGiveTheWeightPortsTheOtherPortsTheLatencyAndTheLaunch() {
        Path f = write(grid("2026-12-01T10:00:00Z", 1));
        BoardModel b = BoardCalibration.apply(BoardModel.kv260(), f);
        for (BoardModel.Corner c : List.of(b.optimistic(), b.pessimistic())) {
            assertEquals(0.88, c.weightPortEfficiency().value(), ROUND_TRIP, "4 ports, 256-byte bursts, 16 in flight");
            assertEquals(0.93, c.portEfficiency().value(), ROUND_TRIP, "1 port, same burst and requests");
            // one in flight: rate = 16 / (16 + 70) beats per cycle, so L = 70
            assertEquals(70, c.axiLatencyCycles().value(), 1e-3);
            assertTrue(c.weightPortEfficiency().source().startsWith("measured: " + f), c.weightPortEfficiency().source());
        }
        assertEquals(EMPTY_MS / 1000, b.launchOverheadSeconds(), 1e-12, "the probe's empty launch");
        assertEquals(BoardModel.kv260().pessimistic().ddrEfficiency(), b.pessimistic().ddrEfficiency(),
                "four 128-bit ports at 200 MHz cannot show more of the DDR than the 75 % assumed");
        assertEquals("calibrated from " + f + " (measured on " + MACHINE + " 2026-12-01)", b.calibration());
        assertTrue(b.describeBand().startsWith(b.calibration() + ": AXI latency 70-70 cycles, weight-port efficiency 88.0-88.0 %"),
                b.describeBand());

        // a decode GEMM at the measured 88 %: inside the assumed band (100 % .. 75 %)
        Band calibrated = lmHead(b), assumed = lmHead(BoardModel.kv260());
        assertTrue(calibrated.lowMs() > assumed.lowMs() && calibrated.highMs() < assumed.highMs(), calibrated + " in " + assumed);
    }

    @Test
    void severalRunsOfAPointMakeTheBand() {
        List<BandwidthRow> rows = new ArrayList<>(grid("2026-12-01T10:00:00Z", 1));
        rows.addAll(grid("2026-12-03T09:00:00Z", 0.95));
        BoardModel b = BoardCalibration.apply(BoardModel.kv260(), write(rows));
        assertEquals(0.88, b.optimistic().weightPortEfficiency().value(), ROUND_TRIP, "the faster run");
        assertEquals(0.88 * 0.95, b.pessimistic().weightPortEfficiency().value(), ROUND_TRIP, "the slower run");
        assertTrue(b.pessimistic().axiLatencyCycles().value() > b.optimistic().axiLatencyCycles().value());
        assertTrue(b.calibration().endsWith(" 2026-12-01 to 2026-12-03)"), b.calibration());
        assertTrue(lmHead(b).highMs() > lmHead(b).lowMs());
    }

    @Test
    void withoutTheKernelsBurstSizeTheNextSmallerOneIsTaken() {
        List<BandwidthRow> rows = grid("2026-12-01T10:00:00Z", 1).stream().filter(r -> r.burstBytes() != 256).toList();
        BoardModel b = BoardCalibration.apply(BoardModel.kv260(), write(rows));
        assertEquals(0.9, b.optimistic().weightPortEfficiency().value(), ROUND_TRIP);
        assertTrue(b.optimistic().weightPortEfficiency().source().contains("128-byte bursts, 16 in flight"),
                b.optimistic().weightPortEfficiency().source());
    }

    @Test
    void withoutOneRequestInFlightTheLatencyStaysAssumed() {
        List<BandwidthRow> rows = grid("2026-12-01T10:00:00Z", 1).stream().filter(r -> r.outstanding() != 1).toList();
        BoardModel b = BoardCalibration.apply(BoardModel.kv260(), write(rows));
        assertEquals(64, b.optimistic().axiLatencyCycles().value());
        assertEquals(80, b.pessimistic().axiLatencyCycles().value());
        assertTrue(b.pessimistic().axiLatencyCycles().source().startsWith("assumed ("), b.pessimistic().axiLatencyCycles().source());
    }

    @Test
    void aFileThatDoesNotCoverTheKernelIsRefused() throws Exception {
        List<BandwidthRow> grid = grid("2026-12-01T10:00:00Z", 1);
        assertRefused(List.of(), "no measured rows");
        assertRefused(grid.stream().filter(r -> r.kernelClockMhz() == 100).toList(), "no contiguous read rows at 200 MHz");
        assertRefused(grid.stream().filter(r -> r.ports() == 1).toList(), "no read row with 4 ports");
        assertRefused(grid.stream().filter(r -> r.burstBytes() > 256).toList(), "bursts of at most 256 bytes");
        assertRefused(grid.stream().filter(r -> r.outstanding() > 16).toList(), "at most 16 requests in flight");
        List<BandwidthRow> tooFast = new ArrayList<>(grid);
        tooFast.add(row("2026-12-02T10:00:00Z", 200, 4, 256, 16, 1.5));
        assertRefused(tooFast, "efficiency 1.5000");
        // the U250 model runs at 300 MHz: a KV260 file is not its measurement
        UserError e = assertThrows(UserError.class, () -> BoardCalibration.apply(BoardModel.u250(), write(grid)));
        assertTrue(e.getMessage().contains("at 300 MHz, the U250 model's kernel clock (the file has 100, 200 MHz)"), e.getMessage());
    }

    private void assertRefused(List<BandwidthRow> rows, String says) throws Exception {
        Path f = dir.resolve("refused.csv");
        Files.deleteIfExists(f);
        BandwidthCsv.append(f, rows);
        UserError e = assertThrows(UserError.class, () -> BoardCalibration.apply(BoardModel.kv260(), f));
        assertTrue(e.getMessage().contains(says), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line");
    }

    /** The LM-head GEMM of DistilGPT2 as one decode launch. */
    private static Band lmHead(BoardModel b) {
        Gemm g = new Gemm(Isa.ROWS_FIRST, Isa.OUT_INT32, false, false, 768, 50304, 0, 1536, 0, 4 * 50304, 0, 0, 0, 0, 0, 0);
        ProgramHeader h = new ProgramHeader(1, 1 << 30, 1 << 30, 1 << 30, 1 << 30, 1 << 30, 1, 256);
        return LaunchPrediction.of(b, List.of(g), new Launch(h, 0, 1, 0)).band();
    }
}
