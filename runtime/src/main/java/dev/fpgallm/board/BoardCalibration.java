package dev.fpgallm.board;

import dev.fpgallm.UserError;
import dev.fpgallm.npu.timing.BoardModel;
import dev.fpgallm.npu.timing.BoardModel.Corner;
import dev.fpgallm.npu.timing.BoardModel.Figure;
import dev.fpgallm.npu.timing.CycleModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * A board model with the figures a bandwidth CSV measured (`fpga-llm probe-bandwidth`, docs/board.md "Bandwidth
 * calibration file") in place of assumed ones. The probe reads like the kernel does, so each of the model's memory
 * figures is looked up at what the kernel uses: its kernel clock, and bursts and requests in flight as the m_axi
 * pragmas declare them (16 beats of 16 bytes, 16 outstanding: {@link CycleModel.Port}):
 * <ul>
 *   <li>the weight ports' efficiency from the rows with all four ports reading together (a GEMM streams its weights
 *       over the four at once);</li>
 *   <li>every other port's from the one-port rows (attention streams the KV cache on its port alone);</li>
 *   <li>the AXI latency from the one-port rows with one request in flight, where the model's own rate
 *       {@code burst / (L + burst)} gives {@code L = burst / efficiency - burst};</li>
 *   <li>the launch overhead from the probe's empty launch (start and wait, median over the file's runs).</li>
 * </ul>
 * Where the grid has no point at the kernel's burst or request count, the nearest smaller one is taken (fewer bytes
 * per request and fewer in flight are never faster: a conservative step, not an interpolation). The band spans the
 * matching rows (several runs of one point: the slowest at the pessimistic end). What the file does not measure keeps
 * its assumed value and says so: the latency without one-in-flight rows, and the DDR efficiency, which is only raised
 * to the largest share of the DDR's bandwidth a row reached (four 128-bit ports at 200 MHz cannot reach the KV260's
 * 19.2 GB/s, so a probe cannot measure that ceiling). A file without rows for the kernel's clock and port counts is
 * refused.
 */
public final class BoardCalibration {
    /** How far a row's clock may be from the model's and still count as the same build. */
    private static final double CLOCK_TOLERANCE = 1e-3;
    /** Above one beat per port per cycle a row is not a measurement of this probe (timer or file trouble). */
    private static final double MAX_EFFICIENCY = 1.0 + 1e-3;

    private BoardCalibration() {
    }

    /** {@code board} with the figures {@code file} measured; refuses (UserError) a file that does not cover the kernel. */
    public static BoardModel apply(BoardModel board, Path file) {
        List<BandwidthRow> all = BandwidthCsv.parse(file);
        if (all.isEmpty()) throw new UserError(file + ": no measured rows (only the header)");
        double mhz = board.clock() / 1e6;
        List<BandwidthRow> atClock = all.stream()
                .filter(r -> Math.abs(r.kernelClockMhz() - mhz) <= CLOCK_TOLERANCE * mhz && r.direction().equals("read") && r.gap() == 1)
                .toList();
        if (atClock.isEmpty())
            throw new UserError(String.format(Locale.ROOT, "%s: no contiguous read rows at %.0f MHz, the %s model's kernel clock "
                    + "(the file has %s MHz)", file, mhz, board.label(), clocks(all)));
        CycleModel.Port kernelPort = CycleModel.Port.WEIGHTS;
        if (kernelPort.beatBytes != BandwidthRow.BEAT_BYTES)
            throw new IllegalStateException("the probe's beat is not the kernel's");
        int burstBytes = kernelPort.burstBeats * kernelPort.beatBytes, outstanding = kernelPort.outstanding;
        int weightPorts = (int) board.weightPorts().value();

        Lookup weights = Lookup.of(file, atClock, weightPorts, burstBytes, outstanding, mhz);
        Lookup others = Lookup.of(file, atClock, 1, burstBytes, outstanding, mhz);
        Lookup latency = Lookup.find(file, atClock, 1, burstBytes, 1);

        String where = "measured: " + file;
        Corner o = board.optimistic(), p = board.pessimistic();
        Figure oLatency = o.axiLatencyCycles(), pLatency = p.axiLatencyCycles();
        if (latency != null) {
            double beats = latency.burstBytes / (double) BandwidthRow.BEAT_BYTES;
            // fastest row, shortest round trip
            oLatency = new Figure("AXI latency", Math.max(0, beats / latency.high - beats), where + ", " + latency.describe(mhz)
                    + ": L = burst / efficiency - burst (the model's rate with one request in flight)");
            pLatency = new Figure("AXI latency", Math.max(0, beats / latency.low - beats), oLatency.source());
        } else {
            oLatency = new Figure(oLatency.what(), oLatency.value(), "assumed (" + file + " has no one-port rows with one request in flight): " + oLatency.source());
            pLatency = new Figure(pLatency.what(), pLatency.value(), "assumed (" + file + " has no one-port rows with one request in flight): " + pLatency.source());
        }
        double share = atClock.stream().mapToDouble(r -> r.gbytesPerSecond() * 1e9 / board.ddrBytesPerSecond().value())
                .filter(Double::isFinite).max().orElse(0);
        Corner optimistic = new Corner(o.name(), oLatency,
                new Figure("port efficiency", others.high, where + ", " + others.describe(mhz)),
                new Figure("weight-port efficiency", weights.high, where + ", " + weights.describe(mhz)),
                ddr(o.ddrEfficiency(), share, file));
        Corner pessimistic = new Corner(p.name(), pLatency,
                new Figure("port efficiency", others.low, optimistic.portEfficiency().source()),
                new Figure("weight-port efficiency", weights.low, optimistic.weightPortEfficiency().source()),
                ddr(p.ddrEfficiency(), share, file));
        double[] empty = atClock.stream().mapToDouble(BandwidthRow::emptyRunMs).sorted().toArray();
        Figure overhead = new Figure("launch overhead", empty[empty.length / 2] / 1000, String.format(Locale.ROOT,
                "%s, the probe's empty launch (start and wait; median of %d rows at %.0f MHz), without the NPU step's buffer syncs",
                where, empty.length, mhz));
        return board.calibrated(label(file, weights, others, latency), optimistic, pessimistic, overhead);
    }

    /** The assumed DDR efficiency, raised to what a row measured if that is more. */
    private static Figure ddr(Figure assumed, double measuredShare, Path file) {
        if (measuredShare <= assumed.value()) return assumed;
        return new Figure(assumed.what(), Math.min(1, measuredShare), String.format(Locale.ROOT,
                "measured: %s, the largest share of the DDR's theoretical bandwidth a row reached (%.1f %%; the assumed %.0f %% was lower)",
                file, 100 * measuredShare, 100 * assumed.value()));
    }

    /** "calibrated from FILE (measured on MACHINE DATE)", the dates and machines of the rows used. */
    private static String label(Path file, Lookup... used) {
        TreeSet<String> machines = new TreeSet<>(), dates = new TreeSet<>();
        for (Lookup l : used)
            if (l != null)
                for (BandwidthRow r : l.rows) {
                    machines.add(r.machine());
                    dates.add(r.date().length() >= 10 ? r.date().substring(0, 10) : r.date());
                }
        String when = dates.size() == 1 ? dates.first() : dates.first() + " to " + dates.last();
        return "calibrated from " + file + " (measured on " + String.join(" and ", machines) + " " + when + ")";
    }

    private static String clocks(List<BandwidthRow> rows) {
        TreeSet<String> c = new TreeSet<>();
        for (BandwidthRow r : rows) c.add(String.format(Locale.ROOT, "%.0f", r.kernelClockMhz()));
        return String.join(", ", c);
    }

    /** The rows of one grid point the model uses, and their efficiencies. */
    private record Lookup(int ports, int burstBytes, int outstanding, List<BandwidthRow> rows, double low, double high) {

        /** Like {@link #find}, but refuses a file without such rows. */
        static Lookup of(Path file, List<BandwidthRow> rows, int ports, int burstBytes, int outstanding, double mhz) {
            Lookup l = find(file, rows, ports, burstBytes, outstanding);
            if (l == null)
                throw new UserError(String.format(Locale.ROOT, "%s does not cover what the kernel uses: no read row with %d port%s, "
                                + "bursts of at most %d bytes and at most %d requests in flight at %.0f MHz (the kernel reads "
                                + "%d-byte bursts, %d in flight)", file, ports, ports == 1 ? "" : "s", burstBytes, outstanding, mhz,
                        burstBytes, outstanding));
            return l;
        }

        /** The largest measured burst up to {@code burstBytes}, then the most requests in flight up to {@code outstanding}. */
        static Lookup find(Path file, List<BandwidthRow> rows, int ports, int burstBytes, int outstanding) {
            Predicate<BandwidthRow> fits = r -> r.ports() == ports && r.burstBytes() <= burstBytes && r.outstanding() <= outstanding;
            BandwidthRow best = rows.stream().filter(fits)
                    .max(Comparator.comparingInt(BandwidthRow::burstBytes).thenComparingInt(BandwidthRow::outstanding)).orElse(null);
            if (best == null) return null;
            List<BandwidthRow> point = rows.stream().filter(fits)
                    .filter(r -> r.burstBytes() == best.burstBytes() && r.outstanding() == best.outstanding()).toList();
            double[] e = point.stream().mapToDouble(BandwidthRow::efficiency).toArray();
            for (int i = 0; i < e.length; i++)
                if (!(e[i] > 0 && e[i] <= MAX_EFFICIENCY))
                    throw new UserError(String.format(Locale.ROOT, "%s: the row of %s with %d port%s, %d-byte bursts and %d in flight "
                                    + "has efficiency %.4f; a measurement is in (0, 1] (run_ms must exceed empty_run_ms)", file,
                            point.get(i).date(), ports, ports == 1 ? "" : "s", best.burstBytes(), best.outstanding(), e[i]));
            return new Lookup(ports, best.burstBytes(), best.outstanding(), new ArrayList<>(point),
                    Math.min(1, Arrays.stream(e).min().orElseThrow()), Math.min(1, Arrays.stream(e).max().orElseThrow()));
        }

        /** "4 ports, 256-byte bursts, 16 in flight, 200 MHz: 91.2-93.0 % over 2 rows" */
        String describe(double mhz) {
            return String.format(Locale.ROOT, "%d port%s, %d-byte bursts, %d in flight, %.0f MHz: %s over %d row%s", ports,
                    ports == 1 ? "" : "s", burstBytes, outstanding, mhz,
                    low == high ? String.format(Locale.ROOT, "%.1f %%", 100 * low) : String.format(Locale.ROOT, "%.1f-%.1f %%", 100 * low, 100 * high),
                    rows.size(), rows.size() == 1 ? "" : "s");
        }
    }
}
