package dev.fpgallm;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Progress of one long step (writing weights, calibrating, benchmarking, evaluating): done of total, the elapsed
 * time and an ETA. On a terminal it redraws one line in place, at most ten times a second; anywhere else (CI logs,
 * pipes, files) it prints only a start line and an end line, so logs stay short and stdout's JSON or CSV is never
 * touched. Every long step of fpga-llm reports through this one class.
 */
public final class Progress implements AutoCloseable {
    /** Counts shown as megabytes. */
    public static final String BYTES = "bytes";
    private static final int WIDTH = 24;
    private static final long REDRAW_NANOS = 100_000_000L;
    /** No ETA before this much time has passed: the first steps (JIT warm-up, caches) say little about the rest. */
    private static final long ETA_AFTER_NANOS = 1_000_000_000L;

    private final Sink sink;
    private final String label;
    private final String unit;
    private final long total;
    private final LongSupplier clock;
    private final long start;
    private long done;
    private long lastDraw;
    private boolean closed;

    private Progress(Sink sink, String label, long total, String unit, LongSupplier clock) {
        this.sink = sink;
        this.label = label;
        this.total = Math.max(1, total);
        this.unit = unit;
        this.clock = clock;
        this.start = clock.getAsLong();
        if (sink.terminal != null) {
            sink.active = this;
            draw();
        } else sink.lines.accept(label + " (" + amount(this.total) + ") ...");
    }

    /** One more unit done. */
    public void step() {
        advanceTo(done + 1);
    }

    /** {@code n} more units done. */
    public void advance(long n) {
        advanceTo(done + n);
    }

    public void advanceTo(long value) {
        done = Math.max(0, Math.min(total, value));
        if (sink.terminal == null) return;
        long now = clock.getAsLong();
        if (now - lastDraw >= REDRAW_NANOS || done == total) draw();
    }

    public long done() {
        return done;
    }

    /** The terminal line: label, bar, done/total, percentage, elapsed and ETA. */
    String line() {
        long now = clock.getAsLong(), elapsed = now - start;
        int filled = (int) (WIDTH * done / total);
        StringBuilder s = new StringBuilder(label).append(" [").append("#".repeat(filled)).append(".".repeat(WIDTH - filled))
                .append("] ").append(fraction()).append(String.format(Locale.ROOT, " %3d%% %s", 100 * done / total, duration(elapsed)));
        if (done > 0 && done < total && elapsed >= ETA_AFTER_NANOS)
            s.append(", ETA ").append(duration((long) ((double) elapsed * (total - done) / done)));
        return s.toString();
    }

    private void draw() {
        lastDraw = clock.getAsLong();
        sink.terminal.print("\r" + line() + "\u001b[K");
        sink.terminal.flush();
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        String took = duration(clock.getAsLong() - start);
        String end = done >= total ? label + ": done, " + amount(total) + " in " + took
                : label + ": stopped at " + fraction() + " after " + took;
        if (sink.terminal != null) {
            sink.terminal.print("\r" + end + "\u001b[K\n");
            sink.terminal.flush();
            if (sink.active == this) sink.active = null;
        } else sink.lines.accept(end);
    }

    private String fraction() {
        if (unit.equals(BYTES)) return String.format(Locale.ROOT, "%.1f/%.1f MB", done / 1e6, total / 1e6);
        return done + "/" + total + " " + unit;
    }

    private String amount(long n) {
        return unit.equals(BYTES) ? String.format(Locale.ROOT, "%.1f MB", n / 1e6) : n + " " + unit;
    }

    /** 0.4 s, 12 s, 3m05s, 1h02m. */
    static String duration(long nanos) {
        double s = nanos / 1e9;
        if (s < 10) return String.format(Locale.ROOT, "%.1f s", s);
        long t = Math.round(s);
        if (t < 60) return t + " s";
        if (t < 3600) return String.format(Locale.ROOT, "%dm%02ds", t / 60, t % 60);
        return String.format(Locale.ROOT, "%dh%02dm", t / 3600, t % 3600 / 60);
    }

    /**
     * Where progress and one-line notes go: a terminal (progress redrawn in place), or lines (a log: the start and end
     * of each step), or nowhere.
     */
    public static final class Sink {
        public static final Sink NONE = new Sink(line -> { }, null, System::nanoTime);
        private final Consumer<String> lines;
        private final PrintWriter terminal;
        private final LongSupplier clock;
        private Progress active;

        private Sink(Consumer<String> lines, PrintWriter terminal, LongSupplier clock) {
            this.lines = lines;
            this.terminal = terminal;
            this.clock = clock;
        }

        /** Notes and each step's start and end as lines (CI, pipes, files, tests). */
        public static Sink lines(Consumer<String> lines) {
            return new Sink(lines, null, System::nanoTime);
        }

        /** stderr: redrawn in place when it is a terminal, else lines. */
        public static Sink stderr(PrintWriter err, boolean terminal) {
            return terminal ? terminal(err, System::nanoTime) : lines(line -> {
                err.println(line);
                err.flush();
            });
        }

        /** A terminal timed by {@code clock} (tests). */
        static Sink terminal(PrintWriter err, LongSupplier clock) {
            return new Sink(line -> {
                err.println(line);
                err.flush();
            }, err, clock);
        }

        public boolean isTerminal() {
            return terminal != null;
        }

        /** Starts a step of {@code total} units (nouns such as "tokens", or {@link #BYTES}). */
        public Progress start(String label, long total, String unit) {
            return new Progress(this, label, total, unit, clock);
        }

        /** A one-line note; on a terminal it goes above the step being drawn. */
        public void note(String line) {
            if (terminal != null && active != null) {
                terminal.print("\r\u001b[K");
                lines.accept(line);
                active.draw();
            } else lines.accept(line);
        }
    }
}
