package dev.fpgallm.cli;

import dev.fpgallm.backend.BackendKind;
import dev.fpgallm.backends.Backends;
import dev.fpgallm.Progress;
import dev.fpgallm.UserError;
import dev.fpgallm.backend.Backend;
import dev.fpgallm.engine.NpuEngine;
import dev.fpgallm.generate.Generation;
import dev.fpgallm.generate.Sampler;
import dev.fpgallm.json.Json;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.npu.timing.Band;
import dev.fpgallm.tokenizer.Gpt2Tokenizer;
import dev.fpgallm.tokenizer.TextStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Generate text from a prompt, streaming it, then print prefill time, latency per token and tokens/s.",
                "The prompt is the PROMPT words, -p TEXT or -f FILE. Greedy unless a sampling option is given; "
                        + "sampling follows llama.cpp's chain (repeat penalty, top-k, top-p, min-p, temperature)."})
final class GenerateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    ModelOptions modelOptions;
    @Mixin
    MaxSeqOption maxSeqOption;
    @Mixin
    BackendOptions backendOptions;
    @Mixin
    BoardOptions boardOptions;
    @Mixin
    PromptOptions promptOptions;
    @Mixin
    SamplingOptions sampling;

    @Parameters(arity = "0..*", paramLabel = "PROMPT", description = "The prompt (several words are joined by spaces); or -p, -f.")
    List<String> prompt;

    @Option(names = {"-n", "--max-new-tokens"}, paramLabel = "N", description = "Tokens to generate (default ${DEFAULT-VALUE}).")
    int maxNewTokens = 32;

    @Option(names = "--json", description = "Print one JSON object (prompt_ids, output_ids, text, metrics) instead of streaming.")
    boolean json;

    @Option(names = "--truncate-prompt", description = "Keep the prompt's last tokens when prompt + new tokens exceed --max-seq.")
    boolean truncatePrompt;

    @Option(names = "--ignore-eos", description = "Keep generating after <|endoftext|> (benchmarks).")
    boolean ignoreEos;

    @Override
    public Integer call() {
        backendOptions.settings.board = boardOptions;
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (maxNewTokens < 1) throw new UserError("--max-new-tokens must be at least 1, got " + maxNewTokens);
        Sampler.Settings settings = sampling.settings();
        backendOptions.settings.check();
        String text = promptOptions.text(new PromptOptions.Other("PROMPT",
                        prompt == null || prompt.isEmpty() ? null : String.join(" ", prompt)))
                .orElseThrow(() -> new UserError("no prompt: give it as PROMPT, -p TEXT or -f FILE"));
        Gpt2Tokenizer tokenizer = Gpt2Tokenizer.gpt2();
        int[] ids = tokenizer.encode(text);
        if (ids.length == 0) throw new UserError("the prompt is empty");
        List<String> notices = new ArrayList<>();
        Gpt2Config config = modelOptions.config(notices);
        int maxSeq = maxSeqOption.resolve(config);
        ModelOptions.checkIds(config, ids, "the prompt");
        backendOptions.check(config, maxSeq, false);
        long total = (long) ids.length + maxNewTokens; // both may be near Integer.MAX_VALUE
        if (total > maxSeq) {
            if (!truncatePrompt || maxNewTokens >= maxSeq)
                throw new UserError("prompt (" + ids.length + " tokens) + --max-new-tokens (" + maxNewTokens + ") = "
                        + total + " exceeds --max-seq " + maxSeq
                        + (maxNewTokens < maxSeq ? " (--truncate-prompt keeps the prompt's last " + (maxSeq - maxNewTokens) + " tokens)" : ""));
            ids = Arrays.copyOfRange(ids, ids.length - (maxSeq - maxNewTokens), ids.length);
            notices.add("note: prompt truncated to its last " + ids.length + " tokens");
        }
        boolean samples = sampling.samples();
        long usedSeed = sampling.seed();
        Sampler sampler = new Sampler(settings, usedSeed);
        Main.checked();
        notices.forEach(err::println);

        Progress.Sink progress = Main.progress();
        Gpt2Weights weights = modelOptions.load(progress);
        try (Backend backend = backendOptions.open(weights, maxSeq, progress, false)) {
            TextStream stream = new TextStream(tokenizer);
            if (!json) {
                out.print(tokenizer.decode(ids));
                out.flush();
            }
            Generation.Result r = Generation.run(backend, ids, maxNewTokens, sampler, !ignoreEos, id -> {
                if (!json) {
                    out.print(stream.push(id));
                    out.flush();
                }
            });
            String generated = tokenizer.decode(r.outputIds());
            if (json) {
                out.println(Json.write(jsonResult(backend, weights, r, generated, samples, usedSeed, settings)));
            } else {
                out.println(stream.finish());
                out.println();
                printStats(out, backend, weights.config().name(), r, samples, usedSeed, settings);
            }
            out.flush();
        }
        return Main.EXIT_OK;
    }

    /** How tokens were picked, in one phrase: "greedy", "sampling (temp 0.8, top-k 40), seed 7", plus the penalty. */
    static String describe(boolean samples, long seed, Sampler.Settings s) {
        List<String> parts = new ArrayList<>();
        if (samples) {
            parts.add(String.format(Locale.ROOT, "temp %s", trim(s.temperature())));
            if (s.topK() > 0) parts.add("top-k " + s.topK());
            if (s.topP() < 1) parts.add("top-p " + trim(s.topP()));
            if (s.minP() > 0) parts.add("min-p " + trim(s.minP()));
        }
        if (s.repeatPenalty() != 1 && s.repeatLastN() != 0)
            parts.add("repeat penalty " + trim(s.repeatPenalty()) + " over "
                    + (s.repeatLastN() < 0 ? "the whole context" : "the last " + s.repeatLastN() + " tokens"));
        String how = samples ? "sampling" : "greedy";
        return how + (parts.isEmpty() ? "" : " (" + String.join(", ", parts) + ")") + (samples ? ", seed " + seed : "");
    }

    /** Backends whose work runs as Java code, so their first prefill in a JVM is also the JIT compiler's warm-up. */
    private static boolean jit(Backend b) {
        return b.name().equals(BackendKind.EMU.id()) || b.name().equals(BackendKind.REF.id());
    }

    private static String trim(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.valueOf(v);
    }

    /** The metrics after the streamed text: how tokens were picked, prefill, latency per token, the predicted band. */
    static void printStats(PrintWriter out, Backend backend, String model, Generation.Result r,
                           boolean sampling, long seed, Sampler.Settings settings) {
        out.printf(Locale.ROOT, "--- %s backend, %s (%s), %s%n", backend.name(), model,
                backend.precision(), describe(sampling, seed, settings));
        out.printf(Locale.ROOT, "prompt tokens:                 %d%n", r.promptIds().length);
        out.printf(Locale.ROOT, "generated tokens:              %d%n", r.outputIds().length);
        out.printf(Locale.ROOT, "prefill (time to first token): %.1f ms%n", r.prefillMillis());
        if (r.coldStart() && jit(backend)) // on a line of its own: scripts read the figure at the end of the line above
            out.println("                               includes JIT warm-up: the process's first " + backend.name()
                    + " prefill (bench's --warmup runs exclude it)");
        if (Double.isNaN(r.latencyPerTokenMillis()))
            out.println("latency per generated token:   n/a (one token generated)");
        else
            out.printf(Locale.ROOT, "latency per generated token:   %.2f ms (%.1f tokens/s)%n",
                    r.latencyPerTokenMillis(), r.tokensPerSecond());
        if (r.predictedDecodeBand().isPresent() && backend instanceof NpuEngine e) {
            Band d = r.predictedDecodeBand().get();
            out.printf(Locale.ROOT, "%-31s%s (%s)%s%n", "predicted " + e.board().label() + " per token:", d.millis(2),
                    d.tokensPerSecond(), r.predictedPrefillBand().map(p -> ", prefill " + p.millis(1)).orElse(""));
            out.println("                               " + Band.LABEL + "; " + e.board().describeBand());
        }
    }

    private static Map<String, Object> jsonResult(Backend backend, Gpt2Weights w, Generation.Result r,
                                                  String generated, boolean sampling, long seed, Sampler.Settings s) {
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("backend", backend.name());
        metrics.put("model", w.config().name());
        metrics.put("precision", backend.precision());
        metrics.put("sampling", sampling ? "sample" : "greedy");
        if (sampling) {
            metrics.put("seed", seed);
            metrics.put("temp", s.temperature());
            metrics.put("top_k", (long) s.topK());
            metrics.put("top_p", s.topP());
            metrics.put("min_p", s.minP());
        }
        metrics.put("repeat_penalty", s.repeatPenalty());
        metrics.put("repeat_last_n", (long) s.repeatLastN());
        metrics.put("prompt_tokens", (long) r.promptIds().length);
        metrics.put("generated_tokens", (long) r.outputIds().length);
        metrics.put("prefill_ms", r.prefillMillis());
        metrics.put("prefill_includes_jit_warmup", r.coldStart() && jit(backend));
        metrics.put("latency_per_token_ms", r.latencyPerTokenMillis());
        metrics.put("tokens_per_sec", r.tokensPerSecond());
        // Single numbers are the band's pessimistic end; the _band lists hold [optimistic, pessimistic]. The keys
        // name the board (predicted_kv260_..., predicted_u250_...).
        String p = "predicted_" + (backend instanceof NpuEngine e ? e.board().id() : "kv260") + "_";
        if (r.predictedDecodeMillis().isPresent())
            metrics.put(p + "latency_per_token_ms", r.predictedDecodeMillis().getAsDouble());
        if (r.predictedPrefillMillis().isPresent())
            metrics.put(p + "prefill_ms", r.predictedPrefillMillis().getAsDouble());
        r.predictedDecodeBand().ifPresent(b -> metrics.put(p + "latency_per_token_ms_band", List.of(b.lowMs(), b.highMs())));
        r.predictedPrefillBand().ifPresent(b -> metrics.put(p + "prefill_ms_band", List.of(b.lowMs(), b.highMs())));
        if (backend instanceof NpuEngine e && r.predictedDecodeBand().isPresent()) {
            metrics.put(p + "note", Band.LABEL + "; " + e.board().describeBand());
            metrics.put("predicted_board", e.board().name());
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("prompt_ids", r.promptIds());
        m.put("output_ids", r.outputIds());
        m.put("text", generated);
        m.put("metrics", metrics);
        return m;
    }
}
