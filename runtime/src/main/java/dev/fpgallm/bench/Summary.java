package dev.fpgallm.bench;

import java.util.Arrays;
import java.util.List;

/**
 * Statistics of repeated measurements, as llama-bench reports them (mean +- standard deviation) and more: median,
 * 90th percentile, minimum, maximum, and the samples in the order they were measured.
 *
 * @param stddev the sample standard deviation (n - 1 in the denominator; 0 for a single run)
 * @param p90    the 90th percentile, linearly interpolated between the closest ranks (NumPy's default)
 */
public record Summary(double mean, double stddev, double median, double p90, double min, double max, List<Double> samples) {
    public Summary {
        samples = List.copyOf(samples);
    }

    public static Summary of(double... values) {
        if (values.length == 0) throw new IllegalArgumentException("no values");
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        double mean = Arrays.stream(v).sum() / n;
        double squares = 0;
        for (double x : v) squares += (x - mean) * (x - mean);
        double stddev = n > 1 ? Math.sqrt(squares / (n - 1)) : 0;
        return new Summary(mean, stddev, percentile(v, 0.5), percentile(v, 0.9), v[0], v[n - 1],
                Arrays.stream(values).boxed().toList());
    }

    /** The same statistics of f(sample) for every sample (e.g. tokens/s from ms per token). */
    public Summary map(java.util.function.DoubleUnaryOperator f) {
        return of(samples.stream().mapToDouble(Double::doubleValue).map(f).toArray());
    }

    /** Of sorted values, at rank q x (n - 1), interpolated. */
    static double percentile(double[] sorted, double q) {
        double rank = q * (sorted.length - 1);
        int lo = (int) Math.floor(rank), hi = (int) Math.ceil(rank);
        return sorted[lo] + (rank - lo) * (sorted[hi] - sorted[lo]);
    }
}
