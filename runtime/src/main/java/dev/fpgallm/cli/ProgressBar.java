package dev.fpgallm.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * A one-line progress bar on stderr. On a terminal it redraws in place (at most ten times a second); elsewhere
 * (CI, pipes) it prints the label once and a closing line, so logs stay readable.
 */
public final class ProgressBar implements AutoCloseable {
    private static final int WIDTH = 30;
    private final PrintWriter err;
    private final String label;
    private final long total;
    private final boolean interactive;
    private final long start = System.nanoTime();
    private long done;
    private long lastDraw;

    public ProgressBar(PrintWriter err, String label, long total) {
        this(err, label, total, System.console() != null && System.getenv("CI") == null);
    }

    public ProgressBar(PrintWriter err, String label, long total, boolean interactive) {
        this.err = err;
        this.label = label;
        this.total = Math.max(1, total);
        this.interactive = interactive;
        if (!interactive) {
            err.println(label + " ...");
            err.flush();
        } else draw();
    }

    public void step() {
        advanceTo(done + 1);
    }

    public void advanceTo(long value) {
        done = Math.min(total, value);
        long now = System.nanoTime();
        if (interactive && (now - lastDraw > 100_000_000L || done == total)) {
            lastDraw = now;
            draw();
        }
    }

    private void draw() {
        int filled = (int) (WIDTH * done / total);
        err.print(String.format(Locale.ROOT, "\r%s [%s%s] %d/%d %.1fs", label, "#".repeat(filled),
                ".".repeat(WIDTH - filled), done, total, (System.nanoTime() - start) / 1e9));
        err.flush();
    }

    @Override
    public void close() {
        double secs = (System.nanoTime() - start) / 1e9;
        if (interactive) {
            draw();
            err.println();
        } else err.println(String.format(Locale.ROOT, "%s: done, %d/%d in %.1f s", label, done, total, secs));
        err.flush();
    }
}
