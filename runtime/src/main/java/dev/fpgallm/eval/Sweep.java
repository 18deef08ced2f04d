package dev.fpgallm.eval;

import dev.fpgallm.backend.Backend;
import dev.fpgallm.backends.Backends;
import dev.fpgallm.engine.NpuEngine;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.npu.timing.Band;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Measures configurations against one FP32 reference pass and prints them as the seed's section-9 trade-off table:
 * quality from {@link Evaluation}, and for NPU configurations the cycle model's predicted decode step (a band) on the
 * board the options name (--board).
 */
public final class Sweep {
    /** Decode steps run before timing the host's FP16 layers (JIT warm-up), then steps timed (median taken). */
    static final int HOST_WARMUP = 8, HOST_STEPS = 16;

    private Sweep() {
    }

    /**
     * One configuration's results.
     *
     * @param label            what was run, e.g. "emu w8a16 approx"
     * @param stage            the seed's stage for this option (section 9), or "" when not one of its rows
     * @param launches         kernel launches per step (0 for backends without the NPU)
     * @param hostMillis       the host's FP16 layers per decode step, measured on this machine (median of 16 steps at
     *                         positions 8..23, after 8 warm-up steps; 0 without FP16 layers)
     * @param predicted        the cycle model's decode step at the window's last position (a band), plus hostMillis
     * @param board            the board the prediction is for (kv260, u250; "" without one)
     */
    public record Row(String label, String stage, Quality quality, int launches, double hostMillis,
                      Optional<Band> predicted, String board) {
        /** The row for eval --json: the table's columns, unrounded; null where the table says - or n/a. */
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("configuration", label);
            m.put("stage", stage);
            m.put("scored_tokens", (long) quality.tokens());
            m.put("perplexity_fp32", quality.perplexityFp32());
            m.put("perplexity", quality.perplexity());
            m.put("quality_drop_pct", quality.dropPercent());
            m.put("top1_agreement_pct", 100 * quality.top1Agreement());
            m.put("logit_cosine", quality.meanCosine());
            m.put("kl_nats", quality.meanKl());
            m.put("launches_per_step", launches == 0 ? null : (long) launches);
            m.put("host_fp16_ms_per_token_measured", hostMillis == 0 ? null : hostMillis);
            // predicted from the kernel's modelled schedule (not synthesized): the band's slow and fast ends
            String p = "predicted_" + (board.isEmpty() ? "kv260" : board) + "_tokens_per_sec_";
            m.put(p + "low", predicted.map(Band::lowTokensPerSecond).orElse(null));
            m.put(p + "high", predicted.map(Band::highTokensPerSecond).orElse(null));
            return m;
        }
    }

    /** The FP32 reference's own row (0 % drop by construction). */
    public static Row referenceRow(Evaluation reference, Backend fp32, String stage, Runnable tick) {
        return new Row("fp32 reference", stage, reference.compare(fp32, tick), 0, 0, Optional.empty(), "");
    }

    /** Opens {@code backend} with all-row logits and the evaluation's window, compares it, and predicts its decode step. */
    public static Row measure(Gpt2Weights w, Evaluation reference, String backend, Backends.Options options, String stage,
                              Runnable tick) {
        Backends.Options o = options.withMaxSeq(reference.longestWindow()).withAllLogits(true);
        try (Backend b = Backends.open(backend, w, o)) {
            Quality q = reference.compare(b, tick);
            String label = backend + " " + b.precision() + " " + b.softmaxMode();
            if (!(b instanceof NpuEngine e)) return new Row(label, stage, q, 0, 0, Optional.empty(), "");
            double host = 0;
            if (!e.compiledModel().fp16Layers().isEmpty()) {
                int[] tokens = reference.corpus().sequences().getFirst();
                int steps = Math.min(HOST_WARMUP + HOST_STEPS, reference.longestWindow()); // what the cache holds
                int warm = Math.min(HOST_WARMUP, steps / 3);
                double[] ms = new double[steps - warm];
                e.reset();
                for (int i = 0; i < steps; i++) {
                    e.decode(tokens[i % tokens.length]);
                    if (i >= warm) ms[i - warm] = e.lastHostMillis();
                }
                Arrays.sort(ms);
                host = (ms[(ms.length - 1) / 2] + ms[ms.length / 2]) / 2;
            }
            Band npu = e.predictBand(reference.longestWindow() - 1, 1);
            return new Row(label, stage, q, e.compiledModel().segments().size(), host, Optional.of(npu.plus(host)),
                    e.board().id());
        }
    }

    /** The rows as an aligned text table. */
    public static void print(List<Row> rows, Consumer<String> out) {
        String board = rows.stream().map(Row::board).filter(b -> !b.isEmpty()).findFirst().orElse("kv260");
        out.accept(String.format(Locale.ROOT, "%-34s %11s %8s %8s %9s %9s %8s %11s %17s  %s",
                "configuration", "perplexity", "drop %", "top-1 %", "cosine", "KL nats", "launches",
                "host ms/tok", "pred. " + board.toUpperCase(Locale.ROOT) + " t/s", "seed stage"));
        for (Row r : rows) {
            Quality q = r.quality();
            out.accept(String.format(Locale.ROOT, "%-34s %11.3f %8.3f %8.2f %9.6f %9.5f %8s %11s %17s  %s",
                    r.label(), q.perplexity(), q.dropPercent(), 100 * q.top1Agreement(), q.meanCosine(), q.meanKl(),
                    r.launches() == 0 ? "-" : String.valueOf(r.launches()),
                    r.hostMillis() == 0 ? "-" : String.format(Locale.ROOT, "%.2f", r.hostMillis()),
                    r.predicted().map(b -> String.format(Locale.ROOT, "%.1f to %.1f", b.lowTokensPerSecond(),
                            b.highTokensPerSecond())).orElse("n/a"),
                    r.stage()));
        }
    }
}
