package dev.fpgallm.board;

import java.util.List;
import java.util.Locale;

/**
 * One point of the bandwidth grid (docs/board.md, "Bandwidth calibration file"): what the probe kernel read with how
 * many ports, bursts of what size and how many requests in flight, at which kernel clock, and what that took.
 *
 * @param runMs        median wall time of a launch that read {@code bytes}
 * @param emptyRunMs   median wall time of a launch that read nothing (launch and completion overhead)
 */
public record BandwidthRow(String date, String machine, String app, double kernelClockMhz, String direction, int ports,
                           int burstBytes, int outstanding, int gap, long bytes, int repeats, double runMs,
                           double emptyRunMs) {
    /** The probe's beat: one 128-bit word per port per cycle at most (the PS HP port width). */
    public static final int BEAT_BYTES = 16;

    public static final List<String> COLUMNS = List.of("date", "machine", "app", "kernel_clock_mhz", "direction",
            "ports", "burst_bytes", "outstanding", "gap", "bytes", "repeats", "run_ms", "empty_run_ms",
            "bytes_per_cycle", "peak_bytes_per_cycle", "efficiency", "gbytes_per_s");

    /** Bytes per kernel cycle while data moved: bytes / ((run - empty run) x clock). NaN if the run was not longer. */
    public double bytesPerCycle() {
        double seconds = (runMs - emptyRunMs) / 1000;
        return seconds > 0 ? bytes / (seconds * kernelClockMhz * 1e6) : Double.NaN;
    }

    /** One beat per active port per cycle. */
    public int peakBytesPerCycle() {
        return ports * BEAT_BYTES;
    }

    /** Measured over peak: what a cycle model multiplies its ideal transfer rate by. */
    public double efficiency() {
        return bytesPerCycle() / peakBytesPerCycle();
    }

    public double gbytesPerSecond() {
        return bytesPerCycle() * kernelClockMhz * 1e6 / 1e9;
    }

    /** The cells in {@link #COLUMNS} order. */
    public List<String> cells() {
        return List.of(date, machine, app, f(kernelClockMhz, 3), direction, String.valueOf(ports),
                String.valueOf(burstBytes), String.valueOf(outstanding), String.valueOf(gap), String.valueOf(bytes),
                String.valueOf(repeats), f(runMs, 4), f(emptyRunMs, 4), f(bytesPerCycle(), 3),
                String.valueOf(peakBytesPerCycle()), f(efficiency(), 4), f(gbytesPerSecond(), 3));
    }

    private static String f(double v, int decimals) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%." + decimals + "f", v) : "n/a";
    }
}
