package dev.fpgallm.bench;

import java.util.Arrays;

/** Median, minimum and maximum of repeated measurements (the median of an even count is the mean of the middle two). */
public record Summary(double median, double min, double max) {
    public static Summary of(double... values) {
        if (values.length == 0) throw new IllegalArgumentException("no values");
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        double median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
        return new Summary(median, v[0], v[n - 1]);
    }
}
