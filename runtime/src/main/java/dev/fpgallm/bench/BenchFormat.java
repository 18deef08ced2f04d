package dev.fpgallm.bench;

import dev.fpgallm.json.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * bench's output formats, as llama-bench has them: a markdown table for people, CSV (the template's columns first),
 * a JSON array and JSON lines (one object per row, with every field and the samples). All are made from the rows.
 */
public enum BenchFormat {
    MD("md"), CSV("csv"), JSON("json"), JSONL("jsonl");

    public final String name;

    BenchFormat(String name) {
        this.name = name;
    }

    public static Optional<BenchFormat> named(String s) {
        for (BenchFormat f : values()) if (f.name.equals(s.toLowerCase(Locale.ROOT))) return Optional.of(f);
        return Optional.empty();
    }

    /** The format a file's extension names (.md, .csv, .json, .jsonl). */
    public static Optional<BenchFormat> of(Path file) {
        String n = file.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot < 0 ? Optional.empty() : named(n.substring(dot + 1));
    }

    public String render(List<BenchRow> rows) {
        return switch (this) {
            case MD -> markdown(rows);
            case CSV -> BenchCsv.text(rows);
            case JSON -> rows.stream().map(r -> "  " + Json.write(r.json())).collect(Collectors.joining(",\n", "[\n", "\n]\n"));
            case JSONL -> rows.stream().map(r -> Json.write(r.json()) + "\n").collect(Collectors.joining());
        };
    }

    /** The table people read: mean +- stddev of every measured time, the spread of ms/token, predictions beside. */
    static String markdown(List<BenchRow> rows) {
        if (rows.isEmpty()) throw new IllegalArgumentException("no rows");
        BenchRow first = rows.getFirst();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "fpga-llm bench: %s, %d generated tokens, batch 1, %d runs after %d warm-up%n%n",
                first.model(), first.genTokens(), first.repeats(), first.warmup()));
        List<String> head = List.of("backend", "precision", "softmax", "prompt", "prefill ms", "ms/token", "median", "p90",
                "min-max", "tokens/s", "pred. KV260 prefill ms", "pred. KV260 ms/token", "avg W", "J/token", "drop %");
        sb.append(row(head));
        sb.append(head.stream().map(h -> h.equals("backend") || h.equals("precision") || h.equals("softmax") ? "---" : "---:")
                .collect(Collectors.joining(" | ", "| ", " |\n")));
        for (BenchRow r : rows) {
            List<String> c = new ArrayList<>();
            c.add(r.backend());
            c.add(r.precision());
            c.add(r.softmaxMode());
            c.add(String.valueOf(r.promptLen()));
            c.add(spread(r.prefillMs(), 2));
            c.add(spread(r.latencyMs(), 3));
            c.add(BenchRow.f(r.latencyMs().median(), 3));
            c.add(BenchRow.f(r.latencyMs().p90(), 3));
            c.add(BenchRow.f(r.latencyMs().min(), 3) + "-" + BenchRow.f(r.latencyMs().max(), 3));
            c.add(spread(r.throughputPerRun(), 2));
            c.add(r.predicted().map(p -> BenchRow.f(p.prefillMs(), 3)).orElse("n/a"));
            c.add(r.predicted().map(p -> BenchRow.f(p.latencyPerTokenMs(), 4)).orElse("n/a"));
            c.add(BenchRow.cell(BenchRow.num(r.avgPowerW(), 3)));
            c.add(BenchRow.cell(BenchRow.num(r.energyPerTokenJ(), 5)));
            c.add(BenchRow.cell(BenchRow.num(r.qualityDropPct(), 3)));
            sb.append(row(c));
        }
        sb.append(String.format(Locale.ROOT, "%ntimes: wall clock on this machine, mean ± stddev over the runs (ms/token also "
                + "median, p90, min-max); tokens/s: 1000 / ms per token of each run; pred. KV260: PREDICTED by the cycle "
                + "model, not measured; drop %%: quality_drop_pct (with --quality; ref is 0 by definition)%n"));
        sb.append("build: ").append(first.env().describe()).append('\n');
        return sb.toString();
    }

    private static String spread(Summary s, int decimals) {
        return BenchRow.f(s.mean(), decimals) + " ± " + BenchRow.f(s.stddev(), decimals);
    }

    private static String row(List<String> cells) {
        return cells.stream().map(c -> c.replace("|", "\\|")).collect(Collectors.joining(" | ", "| ", " |\n"));
    }
}
