package dev.fpgallm.bench;

import dev.fpgallm.io.AtomicWrite;
import dev.fpgallm.plot.Canvas;
import dev.fpgallm.plot.LineChart;
import dev.fpgallm.plot.PngCanvas;
import dev.fpgallm.plot.SvgCanvas;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * The benchmark's figure, against prompt length, one line per backend (measured, solid, with error bars of +- one
 * standard deviation over the runs) and one per board prediction (the cycle model's KV260, dashed): prefill (time to
 * first token), latency per generated token and decode tokens/s. PNG and SVG; the subtitle names the build.
 */
public final class BenchPlot {
    static final int WIDTH = 1500, HEIGHT = 600;
    private static final int[] COLORS = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd, 0x8c564b};

    private BenchPlot() {
    }

    /** Writes {@code png} and the SVG beside it (same name, .svg). */
    public static void write(Path png, List<BenchRow> rows) {
        PngCanvas p = new PngCanvas(WIDTH, HEIGHT);
        SvgCanvas s = new SvgCanvas(WIDTH, HEIGHT);
        draw(p, rows);
        draw(s, rows);
        AtomicWrite.replace(png, p.png());
        AtomicWrite.replace(svgBeside(png), s.svg().getBytes(StandardCharsets.UTF_8));
    }

    public static Path svgBeside(Path png) {
        String name = png.getFileName().toString();
        return png.resolveSibling(name.substring(0, name.length() - ".png".length()) + ".svg");
    }

    static void draw(Canvas c, List<BenchRow> rows) {
        if (rows.isEmpty()) throw new IllegalArgumentException("no rows to plot");
        BenchRow first = rows.getFirst();
        c.text(WIDTH / 2.0, 24, "fpga-llm bench: " + first.model() + ", " + first.genTokens() + " generated tokens, batch 1, "
                + first.repeats() + " runs after " + first.warmup() + " warm-up; error bars: mean ± 1 stddev",
                17, Canvas.Anchor.MIDDLE, 0x111111, true, false);
        c.text(WIDTH / 2.0, 44, "measured on " + first.env().machine() + ", " + first.date().truncatedTo(ChronoUnit.SECONDS)
                + ", load average " + first.env().loadAverageText() + " at start; dashed: PREDICTED KV260 (cycle model), not measured",
                12, Canvas.Anchor.MIDDLE, 0x444444, false, false);
        c.text(WIDTH / 2.0, 60, first.env().build().describe() + ", JDK " + first.env().jdk() + ", ONNX Runtime "
                + first.env().onnxRuntime() + ", " + first.env().threads() + " threads", 12, Canvas.Anchor.MIDDLE, 0x444444, false, false);
        List<LineChart.Series> prefill = series(rows, BenchRow::prefillMs, r -> r.predicted().map(BenchRow.Predicted::prefillMs).orElse(Double.NaN));
        List<LineChart.Series> latency = series(rows, BenchRow::latencyMs,
                r -> r.predicted().map(BenchRow.Predicted::latencyPerTokenMs).orElse(Double.NaN));
        List<LineChart.Series> throughput = series(rows, BenchRow::throughputPerRun,
                r -> r.predicted().map(p -> 1000 / p.latencyPerTokenMs()).orElse(Double.NaN));
        double panel = WIDTH / 3.0, top = 70, height = HEIGHT - 114;
        new LineChart("prefill (time to first token)", "prompt length (tokens)", "ms (log scale)", prefill)
                .draw(c, 0, top, panel, height);
        new LineChart("latency per generated token", "prompt length (tokens)", "ms per token (log scale)", latency)
                .draw(c, panel, top, panel, height);
        new LineChart("decode throughput", "prompt length (tokens)", "tokens per second (log scale)", throughput)
                .draw(c, 2 * panel, top, panel, height);
        LineChart.legend(c, 70, HEIGHT - 18, latency);
    }

    /**
     * Per backend in order of appearance: the measured line (mean, +- one standard deviation), then its predicted
     * line if it has one.
     */
    private static List<LineChart.Series> series(List<BenchRow> rows, Function<BenchRow, Summary> measured,
                                                 ToDoubleFunction<BenchRow> predicted) {
        Map<String, List<BenchRow>> byBackend = new LinkedHashMap<>();
        for (BenchRow r : rows) byBackend.computeIfAbsent(r.backend() + " " + r.precision(), k -> new ArrayList<>()).add(r);
        List<LineChart.Series> out = new ArrayList<>();
        int color = 0;
        for (Map.Entry<String, List<BenchRow>> e : byBackend.entrySet()) {
            List<BenchRow> rs = e.getValue();
            double[] x = rs.stream().mapToDouble(BenchRow::promptLen).toArray();
            List<Summary> m = rs.stream().map(measured).toList();
            int rgb = COLORS[color++ % COLORS.length];
            out.add(new LineChart.Series(e.getKey() + " (measured here)", x, m.stream().mapToDouble(Summary::mean).toArray(), rgb,
                    false, m.stream().mapToDouble(s -> s.mean() - s.stddev()).toArray(),
                    m.stream().mapToDouble(s -> s.mean() + s.stddev()).toArray()));
            double[] p = rs.stream().mapToDouble(predicted).toArray();
            if (Arrays.stream(p).anyMatch(Double::isFinite))
                out.add(new LineChart.Series(e.getKey() + ": predicted KV260", x, p, rgb, true));
        }
        return out;
    }
}
