package dev.fpgallm.bench;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;

/**
 * One benchmark result: a backend at one prompt length, summarised over the repeats. Times are wall-clock on this
 * machine; the predicted_kv260 values are the cycle model's (backends without a board model have none).
 *
 * @param prefillMs            time to first token (prefill + first greedy pick) per repeat
 * @param latencyMs            per repeat, the mean wall time of a decode step (one generated token after the first)
 * @param predictedPrefillMs   the cycle model's KV260 prefill (median over repeats)
 * @param predictedLatencyMs   the cycle model's mean KV260 decode step (median over repeats)
 * @param avgPowerW            mean power over the measured repeats (prefill and decode), if a sensor was readable
 * @param idlePowerW           mean power over the idle baseline before the benchmark, if measured
 * @param subtractIdle         energy_per_token_j counts only the power above idle
 * @param qualityDropPct       quality_drop_pct of this configuration (fpga-llm eval), if known
 */
public record BenchRow(Instant date, String machine, String backend, String model, String precision, String softmaxMode,
                       int promptLen, int genTokens, int repeats, int warmup, Summary prefillMs, Summary latencyMs,
                       OptionalDouble predictedPrefillMs, OptionalDouble predictedLatencyMs, OptionalDouble avgPowerW,
                       OptionalDouble idlePowerW, boolean subtractIdle, String powerSource,
                       OptionalDouble qualityDropPct) {

    /** KV-cache positions the run fills: the prompt and the generated tokens. */
    public int seqLen() {
        return promptLen + genTokens;
    }

    /** Decode throughput from the median latency: 1000 / latency_per_token_ms. */
    public double throughput() {
        return 1000 / latencyMs.median();
    }

    /** energy_per_token_j = average power (minus idle with subtractIdle) x latency_per_token_ms / 1000. */
    public OptionalDouble energyPerTokenJ() {
        if (avgPowerW.isEmpty()) return OptionalDouble.empty();
        double watts = avgPowerW.getAsDouble();
        if (subtractIdle) {
            if (idlePowerW.isEmpty()) return OptionalDouble.empty();
            watts -= idlePowerW.getAsDouble();
        }
        return OptionalDouble.of(watts * latencyMs.median() / 1000);
    }

    public BenchRow withQuality(OptionalDouble dropPct) {
        return new BenchRow(date, machine, backend, model, precision, softmaxMode, promptLen, genTokens, repeats, warmup,
                prefillMs, latencyMs, predictedPrefillMs, predictedLatencyMs, avgPowerW, idlePowerW, subtractIdle,
                powerSource, dropPct);
    }

    /** The cells in {@link BenchCsv#COLUMNS} order; n/a where there is no value. */
    public List<String> cells() {
        return List.of(date.truncatedTo(ChronoUnit.SECONDS).toString(), machine, backend, model, precision, softmaxMode,
                String.valueOf(promptLen), String.valueOf(genTokens), String.valueOf(seqLen()), String.valueOf(repeats),
                String.valueOf(warmup), f(prefillMs.median(), 2), f(latencyMs.median(), 3), f(latencyMs.min(), 3),
                f(latencyMs.max(), 3), f(throughput(), 2), f(predictedPrefillMs, 3), f(predictedLatencyMs, 4),
                f(avgPowerW, 3), f(idlePowerW, 3), f(energyPerTokenJ(), 5),
                powerSource + (subtractIdle && avgPowerW.isPresent() ? " (energy above idle)" : ""), f(qualityDropPct, 3));
    }

    static String f(double v, int decimals) {
        if (!Double.isFinite(v)) return "n/a";
        String s = String.format(Locale.ROOT, "%." + decimals + "f", v);
        return s.matches("-0\\.?0*") ? s.substring(1) : s; // a tiny negative rounds to 0, not "-0.000"
    }

    static String f(OptionalDouble v, int decimals) {
        return v.isPresent() ? f(v.getAsDouble(), decimals) : "n/a";
    }
}
