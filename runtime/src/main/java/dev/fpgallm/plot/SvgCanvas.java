package dev.fpgallm.plot;

import java.util.Locale;

/** A {@link Canvas} that writes SVG 1.1 text. */
public final class SvgCanvas implements Canvas {
    private final StringBuilder sb = new StringBuilder();
    private final int width, height;

    public SvgCanvas(int width, int height) {
        this.width = width;
        this.height = height;
    }

    private static String color(int rgb) {
        return String.format(Locale.ROOT, "#%06x", rgb & 0xFFFFFF);
    }

    private static String n(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static String stroke(int rgb, double width, boolean dashed) {
        return " fill=\"none\" stroke=\"" + color(rgb) + "\" stroke-width=\"" + n(width) + "\""
                + (dashed ? " stroke-dasharray=\"6 4\"" : " stroke-linecap=\"round\" stroke-linejoin=\"round\"");
    }

    @Override
    public void line(double x1, double y1, double x2, double y2, int rgb, double width, boolean dashed) {
        sb.append("<line x1=\"").append(n(x1)).append("\" y1=\"").append(n(y1)).append("\" x2=\"").append(n(x2))
                .append("\" y2=\"").append(n(y2)).append('"').append(stroke(rgb, width, dashed)).append("/>\n");
    }

    @Override
    public void polyline(double[] xs, double[] ys, int rgb, double width, boolean dashed) {
        if (xs.length < 2) return;
        sb.append("<polyline points=\"");
        for (int i = 0; i < xs.length; i++) sb.append(i == 0 ? "" : " ").append(n(xs[i])).append(',').append(n(ys[i]));
        sb.append('"').append(stroke(rgb, width, dashed)).append("/>\n");
    }

    @Override
    public void circle(double cx, double cy, double r, int rgb) {
        sb.append("<circle cx=\"").append(n(cx)).append("\" cy=\"").append(n(cy)).append("\" r=\"").append(n(r))
                .append("\" fill=\"").append(color(rgb)).append("\"/>\n");
    }

    @Override
    public void text(double x, double y, String s, double size, Anchor anchor, int rgb, boolean bold, boolean rotated) {
        String a = switch (anchor) {
            case START -> "start";
            case MIDDLE -> "middle";
            case END -> "end";
        };
        sb.append("<text x=\"").append(n(x)).append("\" y=\"").append(n(y)).append("\" font-family=\"sans-serif\" font-size=\"")
                .append(n(size)).append("\" text-anchor=\"").append(a).append("\" fill=\"").append(color(rgb)).append('"')
                .append(bold ? " font-weight=\"bold\"" : "")
                .append(rotated ? " transform=\"rotate(-90 " + n(x) + " " + n(y) + ")\"" : "")
                .append('>').append(escape(s)).append("</text>\n");
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    public String svg() {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + width
                + "\" height=\"" + height + "\" viewBox=\"0 0 " + width + " " + height + "\">\n"
                + "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n" + sb + "</svg>\n";
    }
}
