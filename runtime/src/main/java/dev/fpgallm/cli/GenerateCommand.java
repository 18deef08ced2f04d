package dev.fpgallm.cli;

import dev.fpgallm.UserError;
import dev.fpgallm.backend.Backend;
import dev.fpgallm.engine.NpuEngine;
import dev.fpgallm.generate.Generation;
import dev.fpgallm.generate.Sampler;
import dev.fpgallm.json.Json;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.npu.Band;
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
        description = "Generate text from a prompt, streaming it, then print prefill time, latency per token and tokens/s.")
final class GenerateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    ModelOptions modelOptions;
    @Mixin
    BackendOptions backendOptions;
    @Mixin
    BoardOptions boardOptions;

    @Parameters(arity = "1..*", paramLabel = "PROMPT", description = "The prompt (several words are joined by spaces).")
    List<String> prompt;

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "32", description = "Tokens to generate (default ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--temperature", paramLabel = "T", description = "Sample at this temperature, a finite number >= 0 (0: greedy; default: greedy).")
    Double temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "0", description = "Sample among the K most likely tokens (0 = all).")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "1.0", description = "Nucleus sampling: the smallest set reaching probability P.")
    double topP;

    @Option(names = "--seed", paramLabel = "S", description = "Random seed for sampling (default: from the clock; printed).")
    Long seed;

    @Option(names = "--greedy", description = "Always take the most likely token (the default unless --temperature, --top-k or --top-p is given).")
    boolean greedy;

    @Option(names = "--json", description = "Print one JSON object (prompt_ids, output_ids, text, metrics) instead of streaming.")
    boolean json;

    @Option(names = "--truncate-prompt", description = "Keep the prompt's last tokens when prompt + new tokens exceed --max-seq.")
    boolean truncatePrompt;

    @Option(names = "--ignore-eos", description = "Keep generating after <|endoftext|> (benchmarks).")
    boolean ignoreEos;

    @Override
    public Integer call() {
        backendOptions.board = boardOptions;
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (maxNewTokens < 1) throw new UserError("--max-new-tokens must be at least 1, got " + maxNewTokens);
        Sampler.check(temperature == null ? 1.0 : temperature, topK, topP);
        backendOptions.check();
        String text = String.join(" ", prompt);
        Gpt2Tokenizer tokenizer = Gpt2Tokenizer.gpt2();
        int[] ids = tokenizer.encode(text);
        if (ids.length == 0) throw new UserError("the prompt is empty");
        List<String> notices = new ArrayList<>();
        Gpt2Config config = modelOptions.config(notices);
        modelOptions.checkMaxSeq(config);
        ModelOptions.checkIds(config, ids, "the prompt");
        backendOptions.check(config, modelOptions.maxSeq, false);
        int maxSeq = modelOptions.maxSeq;
        long total = (long) ids.length + maxNewTokens; // both may be near Integer.MAX_VALUE
        if (total > maxSeq) {
            if (!truncatePrompt || maxNewTokens >= maxSeq)
                throw new UserError("prompt (" + ids.length + " tokens) + --max-new-tokens (" + maxNewTokens + ") = "
                        + total + " exceeds --max-seq " + maxSeq
                        + (maxNewTokens < maxSeq ? " (--truncate-prompt keeps the prompt's last " + (maxSeq - maxNewTokens) + " tokens)" : ""));
            ids = Arrays.copyOfRange(ids, ids.length - (maxSeq - maxNewTokens), ids.length);
            notices.add("note: prompt truncated to its last " + ids.length + " tokens");
        }
        // temperature 0 is the greedy limit of sampling
        boolean sampling = !greedy && (temperature != null ? temperature > 0 : topK > 0 || topP < 1);
        long usedSeed = seed != null ? seed : System.nanoTime() & 0xFFFFFFFFL;
        Sampler sampler = sampling
                ? new Sampler(false, temperature == null ? 1.0 : temperature, topK, topP, usedSeed)
                : Sampler.greedy();
        Main.checked();
        notices.forEach(err::println);

        Gpt2Weights weights = modelOptions.load(err);
        try (Backend backend = backendOptions.open(weights, modelOptions, err)) {
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
                out.println(Json.write(jsonResult(backend, weights, r, generated, sampling, usedSeed)));
            } else {
                out.println(stream.finish());
                out.println();
                printStats(out, backend, weights, r, sampling, usedSeed);
            }
            out.flush();
        }
        return Main.EXIT_OK;
    }

    private static void printStats(PrintWriter out, Backend backend, Gpt2Weights w, Generation.Result r,
                                   boolean sampling, long seed) {
        out.printf(Locale.ROOT, "--- %s backend, %s (%s), %s%n", backend.name(), w.config().name(),
                backend.precision(), sampling ? "sampling, seed " + seed : "greedy");
        out.printf(Locale.ROOT, "prompt tokens:                 %d%n", r.promptIds().length);
        out.printf(Locale.ROOT, "generated tokens:              %d%n", r.outputIds().length);
        out.printf(Locale.ROOT, "prefill (time to first token): %.1f ms%n", r.prefillMillis());
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
                                                  String generated, boolean sampling, long seed) {
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("backend", backend.name());
        metrics.put("model", w.config().name());
        metrics.put("precision", backend.precision());
        metrics.put("sampling", sampling ? "sample" : "greedy");
        if (sampling) metrics.put("seed", seed);
        metrics.put("prompt_tokens", (long) r.promptIds().length);
        metrics.put("generated_tokens", (long) r.outputIds().length);
        metrics.put("prefill_ms", r.prefillMillis());
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
