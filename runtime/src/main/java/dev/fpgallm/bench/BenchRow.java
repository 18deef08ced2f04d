package dev.fpgallm.bench;

import dev.fpgallm.RunEnvironment;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * One benchmark result: a backend at one prompt length, summarised over the repeats. Times are wall-clock on this
 * machine; the predicted_kv260 values are the cycle model's (backends without a board model have none).
 *
 * @param env                  the build, JDK, ONNX Runtime, OS, CPU, threads, RAM and load average of the run
 * @param prefillMs            time to first token (prefill + first greedy pick) per repeat
 * @param latencyMs            per repeat, the mean wall time of a decode step (one generated token after the first)
 * @param predicted            the cycle model's KV260 times, for backends with a board model
 * @param avgPowerW            mean power over the measured repeats (prefill and decode), if a sensor was readable
 * @param idlePowerW           mean power over the idle baseline before the benchmark, if measured
 * @param subtractIdle         energy_per_token_j counts only the power above idle
 * @param qualityDropPct       quality_drop_pct of this configuration (bench --quality, fpga-llm eval's method), if measured
 */
public record BenchRow(Instant date, RunEnvironment env, String backend, String model, String precision, String softmaxMode,
                       int promptLen, int genTokens, int repeats, int warmup, Summary prefillMs, Summary latencyMs,
                       Optional<Predicted> predicted, OptionalDouble avgPowerW, OptionalDouble idlePowerW,
                       boolean subtractIdle, String powerSource, OptionalDouble qualityDropPct) {

    /**
     * The cycle model's KV260 prediction of this row (medians over the repeats): the prefill launch(es), and the mean
     * decode step. PREDICTED, never measured.
     */
    public record Predicted(double prefillMs, double latencyPerTokenMs) {
    }

    /** KV-cache positions the run fills: the prompt and the generated tokens. */
    public int seqLen() {
        return promptLen + genTokens;
    }

    /** Decode throughput from the median latency: 1000 / latency_per_token_ms (the template's column). */
    public double throughput() {
        return 1000 / latencyMs.median();
    }

    /** Decode tokens/s of each repeat, summarised (what llama-bench's t/s mean +- stddev is). */
    public Summary throughputPerRun() {
        return latencyMs.map(ms -> 1000 / ms);
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
        return new BenchRow(date, env, backend, model, precision, softmaxMode, promptLen, genTokens, repeats, warmup,
                prefillMs, latencyMs, predicted, avgPowerW, idlePowerW, subtractIdle, powerSource, dropPct);
    }

    /**
     * Every field of the row under its column name, in {@link BenchCsv#COLUMNS} order: the template's columns, the
     * statistics, then the run's environment. Figures are BigDecimals with the decimals they are written with; null
     * where there is no value (n/a).
     */
    public Map<String, Object> fields() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("date", date.truncatedTo(ChronoUnit.SECONDS).toString());
        m.put("machine", env.machine());
        m.put("backend", backend);
        m.put("model", model);
        m.put("precision", precision);
        m.put("softmax_mode", softmaxMode);
        m.put("prompt_len", (long) promptLen);
        m.put("gen_tokens", (long) genTokens);
        m.put("seq_len", (long) seqLen());
        m.put("repeats", (long) repeats);
        m.put("warmup", (long) warmup);
        m.put("prefill_ms", num(prefillMs.median(), 2));
        m.put("latency_per_token_ms", num(latencyMs.median(), 3));
        m.put("latency_per_token_ms_min", num(latencyMs.min(), 3));
        m.put("latency_per_token_ms_max", num(latencyMs.max(), 3));
        m.put("throughput_tokens_per_sec", num(throughput(), 2));
        m.put("predicted_kv260_prefill_ms", predicted.map(p -> num(p.prefillMs(), 3)).orElse(null));
        m.put("predicted_kv260_latency_per_token_ms", predicted.map(p -> num(p.latencyPerTokenMs(), 4)).orElse(null));
        m.put("avg_power_w", num(avgPowerW, 3));
        m.put("idle_power_w", num(idlePowerW, 3));
        m.put("energy_per_token_j", num(energyPerTokenJ(), 5));
        m.put("power_source", powerSource + (subtractIdle && avgPowerW.isPresent() ? " (energy above idle)" : ""));
        m.put("quality_drop_pct", num(qualityDropPct, 3));
        statistics(m, "prefill_ms", prefillMs, 2);
        statistics(m, "latency_per_token_ms", latencyMs, 3);
        Summary tps = throughputPerRun();
        m.put("throughput_tokens_per_sec_mean", num(tps.mean(), 2));
        m.put("throughput_tokens_per_sec_stddev", num(tps.stddev(), 2));
        m.put("prefill_tokens_per_sec", num(promptLen * 1000.0 / prefillMs.median(), 1));
        m.putAll(env.toMap());
        return m;
    }

    /** {@link #fields()} and the samples of every repeat, in the order measured: one object of the JSON output. */
    public Map<String, Object> json() {
        Map<String, Object> m = fields();
        m.put("prefill_ms_samples", samples(prefillMs, 3));
        m.put("latency_per_token_ms_samples", samples(latencyMs, 4));
        return m;
    }

    /** The CSV cells in {@link BenchCsv#COLUMNS} order; n/a where there is no value. */
    public List<String> cells() {
        return fields().values().stream().map(BenchRow::cell).toList();
    }

    static String cell(Object v) {
        if (v == null) return "n/a";
        return v instanceof BigDecimal b ? b.toPlainString() : v.toString();
    }

    private static void statistics(Map<String, Object> m, String name, Summary s, int decimals) {
        m.put(name + "_mean", num(s.mean(), decimals));
        m.put(name + "_stddev", num(s.stddev(), decimals));
        if (!m.containsKey(name + "_min")) m.put(name + "_min", num(s.min(), decimals));
        if (!m.containsKey(name + "_max")) m.put(name + "_max", num(s.max(), decimals));
        m.put(name + "_p90", num(s.p90(), decimals));
    }

    private static List<Object> samples(Summary s, int decimals) {
        List<Object> out = new ArrayList<>();
        for (double v : s.samples()) out.add(num(v, decimals));
        return out;
    }

    /** A figure rounded to {@code decimals} (a tiny negative becomes 0, not -0.000); null if not finite. */
    static BigDecimal num(double v, int decimals) {
        if (!Double.isFinite(v)) return null;
        BigDecimal b = BigDecimal.valueOf(v).setScale(decimals, RoundingMode.HALF_UP);
        return b.signum() == 0 ? BigDecimal.ZERO.setScale(decimals) : b;
    }

    static BigDecimal num(OptionalDouble v, int decimals) {
        return v.isPresent() ? num(v.getAsDouble(), decimals) : null;
    }

    /** One figure as the CSV writes it: n/a when not finite. */
    static String f(double v, int decimals) {
        return cell(num(v, decimals));
    }
}
