package dev.fpgallm.bench;

import java.util.List;
import java.util.stream.Stream;

/**
 * The KPI CSV: first exactly the columns of results/benchmark_template.csv, in its order, then the statistics and
 * the run's environment (build, JDK, ONNX Runtime, OS, CPU, threads, RAM, load average), one row per result.
 */
public final class BenchCsv {
    public static final List<String> TEMPLATE_COLUMNS = List.of("date", "machine", "backend", "model", "precision",
            "softmax_mode", "prompt_len", "gen_tokens", "seq_len", "repeats", "warmup", "prefill_ms",
            "latency_per_token_ms", "latency_per_token_ms_min", "latency_per_token_ms_max", "throughput_tokens_per_sec",
            "predicted_kv260_prefill_ms", "predicted_kv260_latency_per_token_ms", "avg_power_w", "idle_power_w",
            "energy_per_token_j", "power_source", "quality_drop_pct");
    public static final List<String> STATISTICS_COLUMNS = List.of("prefill_ms_mean", "prefill_ms_stddev", "prefill_ms_min",
            "prefill_ms_max", "prefill_ms_p90", "latency_per_token_ms_mean", "latency_per_token_ms_stddev",
            "latency_per_token_ms_p90", "throughput_tokens_per_sec_mean", "throughput_tokens_per_sec_stddev",
            "prefill_tokens_per_sec");
    public static final List<String> ENVIRONMENT_COLUMNS = List.of("fpga_llm_version", "fpga_llm_commit", "jdk",
            "onnxruntime_version", "os", "arch", "host", "cpu", "cores", "threads", "ram_gib", "load_avg_start");
    public static final List<String> COLUMNS = Stream.of(TEMPLATE_COLUMNS, STATISTICS_COLUMNS, ENVIRONMENT_COLUMNS)
            .flatMap(List::stream).toList();

    private BenchCsv() {
    }

    public static String text(List<BenchRow> rows) {
        StringBuilder sb = new StringBuilder(line(COLUMNS));
        for (BenchRow r : rows) sb.append(line(r.cells()));
        return sb.toString();
    }

    /** One CSV line (RFC 4180): cells with a comma, quote or line break are quoted. */
    static String line(List<String> cells) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            String c = cells.get(i);
            if (i > 0) sb.append(',');
            if (c.contains(",") || c.contains("\"") || c.contains("\n")) sb.append('"').append(c.replace("\"", "\"\"")).append('"');
            else sb.append(c);
        }
        return sb.append('\n').toString();
    }
}
