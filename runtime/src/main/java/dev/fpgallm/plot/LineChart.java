package dev.fpgallm.plot;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * A line chart with logarithmic axes (base 2 for x, base 10 for y): benchmark numbers span decades (an emulator on a
 * laptop vs a predicted board) and prompt lengths double. Non-positive or missing values are left out.
 */
public record LineChart(String title, String xLabel, String yLabel, List<Series> series) {
    private static final int AXIS = 0x333333, GRID = 0xdddddd, TEXT = 0x222222;

    /**
     * One line; {@code dashed} marks predicted values. {@code low} and {@code high} (or null) are the ends of each
     * point's error bar; a non-positive low end is drawn to the bottom of the plot without a cap (log scale).
     */
    public record Series(String name, double[] x, double[] y, int rgb, boolean dashed, double[] low, double[] high) {
        public Series(String name, double[] x, double[] y, int rgb, boolean dashed) {
            this(name, x, y, rgb, dashed, null, null);
        }

        boolean hasBar(int i) {
            return low != null && high != null && Double.isFinite(low[i]) && usable(high[i]) && high[i] > low[i];
        }
    }

    public void draw(Canvas c, double left, double top, double width, double height) {
        double pl = left + 70, pr = left + width - 15, pt = top + 34, pb = top + height - 48;
        c.text((pl + pr) / 2, top + 20, title, 15, Canvas.Anchor.MIDDLE, TEXT, true, false);
        TreeSet<Double> xs = new TreeSet<>();
        double yMin = Double.POSITIVE_INFINITY, yMax = Double.NEGATIVE_INFINITY;
        for (Series s : series)
            for (int i = 0; i < s.x().length; i++)
                if (usable(s.x()[i]) && usable(s.y()[i])) {
                    xs.add(s.x()[i]);
                    yMin = Math.min(yMin, s.y()[i]);
                    yMax = Math.max(yMax, s.y()[i]);
                    if (s.hasBar(i)) {
                        if (usable(s.low()[i])) yMin = Math.min(yMin, s.low()[i]);
                        yMax = Math.max(yMax, s.high()[i]);
                    }
                }
        if (xs.isEmpty()) {
            frame(c, pl, pt, pr, pb);
            c.text((pl + pr) / 2, (pt + pb) / 2, "no data", 13, Canvas.Anchor.MIDDLE, TEXT, false, false);
            return;
        }
        double x0 = log2(xs.first()) - 0.3, x1 = log2(xs.last()) + 0.3;
        double y0 = Math.log10(yMin) - 0.15, y1 = Math.log10(yMax) + 0.15;
        Scale sx = new Scale(x0, x1, pl, pr), sy = new Scale(y0, y1, pb, pt);
        for (double t : yTicks(y0, y1)) {
            double py = sy.at(Math.log10(t));
            c.line(pl, py, pr, py, GRID, 1, false);
            c.text(pl - 6, py + 4, label(t), 11, Canvas.Anchor.END, TEXT, false, false);
        }
        for (double x : xs) {
            double px = sx.at(log2(x));
            c.line(px, pt, px, pb, GRID, 1, false);
            c.text(px, pb + 16, label(x), 11, Canvas.Anchor.MIDDLE, TEXT, false, false);
        }
        frame(c, pl, pt, pr, pb); // over the grid
        c.text((pl + pr) / 2, pb + 38, xLabel, 12, Canvas.Anchor.MIDDLE, TEXT, false, false);
        c.text(left + 16, (pt + pb) / 2, yLabel, 12, Canvas.Anchor.MIDDLE, TEXT, false, true);
        for (Series s : series) {
            List<double[]> pts = new ArrayList<>();
            for (int i = 0; i < s.x().length; i++)
                if (usable(s.x()[i]) && usable(s.y()[i])) pts.add(new double[] {sx.at(log2(s.x()[i])), sy.at(Math.log10(s.y()[i]))});
            double[] px = pts.stream().mapToDouble(p -> p[0]).toArray(), py = pts.stream().mapToDouble(p -> p[1]).toArray();
            c.polyline(px, py, s.rgb(), 2, s.dashed());
            for (int i = 0; i < px.length; i++) c.circle(px[i], py[i], s.dashed() ? 2.5 : 3.5, s.rgb());
            for (int i = 0; i < s.x().length; i++) {
                if (!usable(s.x()[i]) || !usable(s.y()[i]) || !s.hasBar(i)) continue;
                double x = sx.at(log2(s.x()[i]));
                double barTop = Math.max(pt, sy.at(Math.log10(s.high()[i])));
                double bottom = usable(s.low()[i]) ? Math.min(pb, sy.at(Math.log10(s.low()[i]))) : pb;
                c.line(x, barTop, x, bottom, s.rgb(), 1.2, false);
                c.line(x - 5, barTop, x + 5, barTop, s.rgb(), 1.2, false);
                if (usable(s.low()[i])) c.line(x - 5, bottom, x + 5, bottom, s.rgb(), 1.2, false); // no cap: open below
            }
        }
    }

    /** A legend row: one entry per series, left to right from (x, y). */
    public static void legend(Canvas c, double x, double y, List<Series> series) {
        for (Series s : series) {
            c.line(x, y - 4, x + 26, y - 4, s.rgb(), 2, s.dashed());
            c.circle(x + 13, y - 4, s.dashed() ? 2.5 : 3.5, s.rgb());
            c.text(x + 32, y, s.name(), 12, Canvas.Anchor.START, TEXT, false, false);
            x += 32 + Canvas.textWidth(s.name(), 12) + 24;
        }
    }

    private static void frame(Canvas c, double l, double t, double r, double b) {
        c.polyline(new double[] {l, r, r, l, l}, new double[] {t, t, b, b, t}, AXIS, 1, false);
    }

    private static boolean usable(double v) {
        return Double.isFinite(v) && v > 0;
    }

    private static double log2(double v) {
        return Math.log(v) / Math.log(2);
    }

    /** 1-2-5 steps inside [10^lo, 10^hi]; only powers of ten when that would crowd the axis. */
    static List<Double> yTicks(double lo, double hi) {
        List<Double> ticks = new ArrayList<>();
        double[] steps = hi - lo > 4 ? new double[] {1} : new double[] {1, 2, 5};
        for (int e = (int) Math.floor(lo); e <= (int) Math.ceil(hi); e++)
            for (double m : steps) {
                double t = m * Math.pow(10, e), lt = Math.log10(t);
                if (lt >= lo && lt <= hi) ticks.add(t);
            }
        return ticks;
    }

    static String label(double v) {
        if (v >= 1 && v == Math.rint(v)) return String.format(Locale.ROOT, "%.0f", v);
        return String.format(Locale.ROOT, "%.3g", v).replaceAll("(\\.\\d*?)0+$", "$1").replaceAll("\\.$", "");
    }

    private record Scale(double from, double to, double pixelFrom, double pixelTo) {
        double at(double v) {
            return pixelFrom + (v - from) / (to - from) * (pixelTo - pixelFrom);
        }
    }
}
