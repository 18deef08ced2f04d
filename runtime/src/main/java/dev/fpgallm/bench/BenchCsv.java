package dev.fpgallm.bench;

import dev.fpgallm.io.AtomicWrite;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** The KPI CSV: exactly the columns of results/benchmark_template.csv, in its order. */
public final class BenchCsv {
    public static final List<String> COLUMNS = List.of("date", "machine", "backend", "model", "precision",
            "softmax_mode", "prompt_len", "gen_tokens", "seq_len", "repeats", "warmup", "prefill_ms",
            "latency_per_token_ms", "latency_per_token_ms_min", "latency_per_token_ms_max", "throughput_tokens_per_sec",
            "predicted_kv260_prefill_ms", "predicted_kv260_latency_per_token_ms", "avg_power_w", "idle_power_w",
            "energy_per_token_j", "power_source", "quality_drop_pct");

    private BenchCsv() {
    }

    public static String text(List<BenchRow> rows) {
        StringBuilder sb = new StringBuilder(line(COLUMNS));
        for (BenchRow r : rows) sb.append(line(r.cells()));
        return sb.toString();
    }

    /** Writes beside the target and renames into place: a reader never sees half a file. */
    public static void write(Path file, List<BenchRow> rows) {
        AtomicWrite.replace(file, text(rows).getBytes(StandardCharsets.UTF_8));
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
