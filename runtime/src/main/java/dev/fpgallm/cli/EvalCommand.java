package dev.fpgallm.cli;

import dev.fpgallm.backend.Softmax;
import dev.fpgallm.Progress;
import dev.fpgallm.RunEnvironment;
import dev.fpgallm.UserError;
import dev.fpgallm.backend.Backend;
import dev.fpgallm.backends.Backends;
import dev.fpgallm.eval.Corpus;
import dev.fpgallm.eval.Evaluation;
import dev.fpgallm.eval.LayerSensitivity;
import dev.fpgallm.eval.Sweep;
import dev.fpgallm.json.Json;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.store.ModelStore;
import dev.fpgallm.npu.timing.Band;
import dev.fpgallm.quant.Precision;
import dev.fpgallm.reference.ReferenceModel;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Quality of a configuration against the FP32 reference: perplexity (sliding window of --max-seq "
                + "tokens), quality_drop_pct, top-1 agreement, mean logit cosine and KL.",
                "The text scored is -f FILE (as llama-perplexity's -f) or -p TEXT; without either, sequences sampled from "
                        + "the FP32 model itself (--sequences, --corpus-seed). --sweep measures the spec's "
                        + "section-9 trade-off table (precision, softmax, FP16 fallback) with the cycle model's "
                        + "predicted KV260 tokens/s (a band)."})
final class EvalCommand implements Callable<Integer> {
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

    @Option(names = "--text", paramLabel = "FILE", hidden = true, description = "The old spelling of -f/--prompt-file.")
    Path legacyTextFile;

    @Option(names = "--sequences", paramLabel = "N",
            description = "Sampled corpus: sequences of --max-seq tokens (default ${DEFAULT-VALUE}).")
    int sequences = 2;

    @Option(names = "--corpus-seed", paramLabel = "S", description = "Sampled corpus: the seed it is drawn with (default ${DEFAULT-VALUE}).")
    long corpusSeed = 0;

    @Option(names = "--seed", paramLabel = "S", hidden = true, description = "The old spelling of --corpus-seed.")
    Long legacySeed;

    @Option(names = "--stride", paramLabel = "N", description = "Sliding window step (default: half of --max-seq).")
    Integer stride;

    @Option(names = "--max-tokens", paramLabel = "N",
            description = "-f/-p: score at most this many tokens (the reference logits are kept in memory; default ${DEFAULT-VALUE}).")
    int maxTokens = 1024;

    @Option(names = "--sweep", description = "Measure the trade-off table: ref, w8a16 and w8a8 with exact and approx softmax, FP16 fallback (auto and all layers).")
    boolean sweep;

    @Option(names = "--json", description = "Print one JSON object instead of the table: the run's build and machine, the "
            + "model, the corpus and every row (with --sweep also the FP16 sensitivity ranking).")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        backendOptions.settings.board = boardOptions;
        backendOptions.settings.check();
        List<String> notices = new ArrayList<>();
        if (legacySeed != null) {
            corpusSeed = legacySeed;
            notices.add("note: eval --seed is now --corpus-seed (--seed is the sampling seed of generate)");
        }
        if (sweep && !backendOptions.backend.npu())
            throw new UserError("--sweep compares NPU configurations: use --backend emu (or xrt)");
        if (sequences < 1) throw new UserError("--sequences must be at least 1");
        if (maxTokens < 2) throw new UserError("--max-tokens must be at least 2");
        Corpus textCorpus = textCorpus(notices);
        Gpt2Config config = modelOptions.config(notices);
        if (textCorpus != null)
            for (int[] seq : textCorpus.sequences()) ModelOptions.checkIds(config, seq, "the text scored");
        int window = maxSeqOption.resolve(config);
        if (window < 2) throw new UserError("--max-seq must be at least 2 for perplexity");
        int step = stride == null ? Math.max(1, window / 2) : stride;
        if (step < 1 || step >= window) throw new UserError("--stride must be in 1.." + (window - 1));
        backendOptions.check(config, window, true);
        long scored = textCorpus != null ? Math.min(maxTokens, textCorpus.tokens()) : (long) sequences * (window - 1);
        checkReferenceMemory(scored, config.vocabSize(), textCorpus != null ? "--max-tokens" : "--sequences x (--max-seq - 1)");
        Main.checked();
        notices.forEach(err::println);
        Progress.Sink progress = Main.progress();
        ModelStore.Source source = modelOptions.source(progress);
        int threads = backendOptions.settings.threads.threads;
        RunEnvironment env = RunEnvironment.capture(threads);
        env.loadWarning().ifPresent(err::println);
        Gpt2Weights w = modelOptions.load(progress);
        PrintWriter text = json ? new PrintWriter(Writer.nullWriter()) : out; // with --json, stdout gets only the JSON

        Corpus corpus = textCorpus;
        if (corpus == null) {
            try (Progress p = progress.start("sampling the corpus from the FP32 model", (long) sequences * (window - 1), "tokens")) {
                corpus = Corpus.sampled(w, sequences, window, corpusSeed, p::step);
            }
        }
        text.printf(Locale.ROOT, "model:   %s%s%n", w.config().name(), source.synthetic() ? " (synthetic weights)" : "");
        text.printf(Locale.ROOT, "corpus:  %s%n", corpus.description());
        String drift = corpus.fromModel() || source.synthetic()
                ? (source.synthetic() ? "synthetic weights" : "real weights")
                + (corpus.fromModel() ? " and a corpus sampled from the FP32 model itself" : "")
                + ": these numbers measure quantization drift from FP32, not language quality" : null;
        if (drift != null) text.println("note:    " + drift);
        text.println("build:   " + env.describe());
        text.flush();

        List<Sweep.Row> rows = new ArrayList<>();
        Evaluation reference;
        try (Backend ref = new ReferenceModel(w, Math.min(window, w.config().nPositions()), threads)) {
            Corpus c = corpus;
            try (Progress p = progress.start("FP32 reference", Evaluation.tokenCount(c, window, step), "tokens")) {
                reference = Evaluation.reference(ref, c, window, step, p::advance);
            }
            text.printf(Locale.ROOT, "scored:  %d tokens in %d window(s) of up to %d tokens, stride %d%n",
                    reference.scoredTokens(), reference.windowCount(), window, step);
            text.flush();
            try (Progress p = progress.start("ref fp32 (itself)", reference.windowCount(), "windows")) {
                rows.add(Sweep.referenceRow(reference, ref, "FP32 baseline", p::step));
            }
        }
        String backend = backendOptions.backend.id();
        List<String> sensitivity = new ArrayList<>();
        List<Object> ranking = new ArrayList<>();
        if (!sweep) {
            Backends.Options o = backendOptions.options(w, window, progress, true);
            rows.add(measure(w, reference, backend, o, "", progress));
        } else {
            for (Precision p : Precision.values())
                for (boolean exact : new boolean[] {true, false})
                    rows.add(measure(w, reference, backend, options(w, window, p, exact, NpuOptions.Fp16Spec.NONE, progress),
                            stage(p, exact), progress));
            for (Precision p : Precision.values()) {
                // auto resolved here rather than in BackendOptions, so that the ranking goes into the report
                Backends.Options base = options(w, window, p, false, NpuOptions.Fp16Spec.NONE, progress);
                err.println("measuring each layer's sensitivity (" + p.label() + " approx) ...");
                List<LayerSensitivity.Score> ranked = LayerSensitivity.rank(w, base, backend, progress::note);
                List<Integer> picked = LayerSensitivity.pick(ranked, LayerSensitivity.DEFAULT_LAYERS);
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %s approx:", p.label()));
                for (LayerSensitivity.Score sc : ranked)
                    line.append(String.format(Locale.ROOT, "  layer %d %.5f", sc.layer(), sc.meanKl()));
                sensitivity.add(line.append("  -> FP16 layer(s) ").append(picked).toString());
                ranking.add(rankingMap(p, ranked, picked));
                rows.add(measure(w, reference, backend, base.withFp16Layers(picked),
                        "FP16 fallback, most sensitive layer (risk 2)", progress));
            }
            rows.add(measure(w, reference, backend, options(w, window, Precision.W8A16, false,
                    new NpuOptions.Fp16Spec(List.of(), true, 0), progress), "~FP16 end-to-end (debug), LM head INT8", progress));
        }
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>(env.toMap());
            m.put("date", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
            m.put("model", w.config().name());
            m.put("synthetic_weights", source.synthetic());
            m.put("corpus", corpus.description());
            m.put("corpus_from_model", corpus.fromModel());
            if (drift != null) m.put("note", drift);
            m.put("window", (long) window);
            m.put("stride", (long) step);
            m.put("scored_tokens", (long) reference.scoredTokens());
            m.put("windows", (long) reference.windowCount());
            m.put("rows", rows.stream().map(r -> (Object) r.toMap()).toList());
            if (sweep) {
                m.put("fp16_sensitivity", ranking);
                m.put("predicted_position", (long) (reference.longestWindow() - 1));
            }
            out.println(Json.write(m));
            out.flush();
            return Main.EXIT_OK;
        }
        out.println();
        Sweep.print(rows, out::println);
        out.println();
        out.println("perplexity: exp(mean NLL) over the scored tokens; drop % = quality_drop_pct = (ppl / ppl_fp32 - 1) x 100;");
        out.println("top-1 %, cosine and KL(FP32 || config) compare the logits at the same positions.");
        if (!sensitivity.isEmpty()) {
            out.println("FP16 fallback auto: mean KL from FP32 with only that layer in FP16, on the calibration text "
                    + "(most sensitive first; the first " + LayerSensitivity.DEFAULT_LAYERS + " picked):");
            sensitivity.forEach(out::println);
        }
        if (rows.stream().anyMatch(r -> r.launches() > 0))
            out.printf(Locale.ROOT, "pred. %s t/s: PREDICTED for a decode step at position %d on the %s (one launch "
                    + "overhead per launch), a band: %s;%n  %s;%n  plus host ms/tok = the host FP16 layers MEASURED on this "
                    + "machine (not the board's host CPU); each run of FP16 layers adds one launch per step.%n",
                    boardOptions.model().label(), reference.longestWindow() - 1, boardOptions.model().name(), Band.LABEL,
                    boardOptions.model().describeBand());
        return Main.EXIT_OK;
    }

    /** The corpus of -f FILE (or the old --text FILE) or -p TEXT, read and checked now; null: sample one. */
    private Corpus textCorpus(List<String> notices) {
        Path file = promptOptions.promptFile;
        if (legacyTextFile != null) {
            if (file != null || promptOptions.prompt != null)
                throw new UserError("give the text once: -f/--prompt-file, -p/--prompt and --text are alternatives");
            file = legacyTextFile;
            notices.add("note: eval --text FILE is now -f/--prompt-file FILE");
        }
        if (file != null && promptOptions.prompt != null)
            throw new UserError("give the text once: -f/--prompt-file and -p/--prompt are alternatives");
        if (file != null) return Corpus.file(file, legacyTextFile != null ? "--text" : "-f", maxTokens);
        if (promptOptions.prompt != null) return Corpus.text("the -p text", promptOptions.prompt, maxTokens);
        return null;
    }

    /**
     * The FP32 reference's logits of every scored token stay in memory (each configuration is compared with them):
     * refuse up front what the heap cannot hold, instead of failing minutes later.
     */
    static void checkReferenceMemory(long tokens, int vocab, String what) {
        long bytes = tokens * vocab * 4; // tokens <= 2^31 x 2^31: cannot overflow a long here
        long heap = Runtime.getRuntime().maxMemory();
        if (bytes > heap / 2)
            throw new UserError(String.format(Locale.ROOT, "%s = %,d scored tokens need %.1f GB for the FP32 "
                    + "reference's logits (kept for the comparison), more than half of this JVM's %.1f GB heap: score "
                    + "fewer tokens (or raise -Xmx through FPGA_LLM_JAVA_OPTS)", what, tokens, bytes / 1e9, heap / 1e9));
    }

    /** One precision's FP16 sensitivity ranking for eval --json. */
    private static Map<String, Object> rankingMap(Precision p, List<LayerSensitivity.Score> ranked, List<Integer> picked) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("configuration", p.label() + " approx");
        m.put("layers_most_sensitive_first", ranked.stream().map(sc -> {
            Map<String, Object> l = new LinkedHashMap<>();
            l.put("layer", (long) sc.layer());
            l.put("mean_kl_nats", sc.meanKl());
            return (Object) l;
        }).toList());
        m.put("fp16_layers_picked", picked.stream().map(i -> (Object) (long) i).toList());
        return m;
    }

    private Backends.Options options(Gpt2Weights w, int window, Precision p, boolean exact, NpuOptions.Fp16Spec fp16,
                                     Progress.Sink progress) {
        BackendSettings b = new BackendSettings();
        b.npu.precision = p;
        b.npu.softmax = exact ? Softmax.EXACT : Softmax.APPROX;
        b.npu.fp16Layers = fp16;
        b.xrt = backendOptions.settings.xrt;
        b.threads = backendOptions.settings.threads;
        b.board = backendOptions.settings.board;
        return b.options(backendOptions.backend, w, window, progress, true);
    }

    private static String stage(Precision p, boolean exact) {
        return (p == Precision.W8A16 ? "INT8 W + INT16 A: MVP default" : "INT8 W/A: after v1")
                + (exact ? "; exact softmax: reference comparison" : "; approx softmax: MVP fast path");
    }

    private static Sweep.Row measure(Gpt2Weights w, Evaluation reference, String backend, Backends.Options o,
                                     String stage, Progress.Sink progress) {
        String what = backend + " " + o.precision().label() + " " + (o.exactSoftmax() ? "exact" : "approx")
                + (o.fp16Layers().isEmpty() ? "" : " fp16 " + o.fp16Layers());
        try (Progress p = progress.start(what, reference.windowCount(), "windows")) {
            return Sweep.measure(w, reference, backend, o, stage, p::step);
        }
    }
}
