package dev.fpgallm.plot;

/**
 * The few drawing operations a chart needs, so one layout renders to both PNG ({@link PngCanvas}) and SVG
 * ({@link SvgCanvas}). Coordinates are pixels from the top left; colours are 0xRRGGBB.
 */
public interface Canvas {
    enum Anchor { START, MIDDLE, END }

    void line(double x1, double y1, double x2, double y2, int rgb, double width, boolean dashed);

    void polyline(double[] xs, double[] ys, int rgb, double width, boolean dashed);

    void circle(double cx, double cy, double r, int rgb);

    /** Text with its baseline at y; {@code rotated} turns it 90 degrees counter-clockwise about (x, y). */
    void text(double x, double y, String s, double size, Anchor anchor, int rgb, boolean bold, boolean rotated);

    /** Layout estimate of a text's width (sans-serif averages about 0.55 em per character). */
    static double textWidth(String s, double size) {
        return 0.55 * size * s.length();
    }
}
