package dev.fpgallm.cli;

import dev.fpgallm.UserError;
import dev.fpgallm.backend.Backend;
import dev.fpgallm.backend.BackendKind;
import dev.fpgallm.backends.Backends;
import dev.fpgallm.Progress;
import dev.fpgallm.RunEnvironment;
import dev.fpgallm.bench.BenchFormat;
import dev.fpgallm.bench.BenchPlot;
import dev.fpgallm.bench.BenchRow;
import dev.fpgallm.bench.Benchmark;
import dev.fpgallm.bench.QualityCache;
import dev.fpgallm.io.AtomicWrite;
import dev.fpgallm.quant.CalibrationCache;
import dev.fpgallm.engine.NpuEngine;
import dev.fpgallm.eval.Corpus;
import dev.fpgallm.eval.Evaluation;
import dev.fpgallm.eval.Sweep;
import dev.fpgallm.io.OutputPath;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.npu.timing.Band;
import dev.fpgallm.power.PowerMeter;
import dev.fpgallm.reference.ReferenceModel;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"The spec's speed benchmark: for each backend and prompt length, warm-up runs, then repeated runs "
                + "of prefill + greedy generation (end-of-text ignored), batch 1. Reports latency per token, tokens/s and "
                + "prefill (time to first token) as mean +- stddev, median, p90, min and max; the predicted board times "
                + "(--board, a band per NPU backend; the CSV's predicted_* columns hold its pessimistic end, the template's "
                + "predicted_kv260_* the KV260's); power and "
                + "energy where a sensor is readable. Every row carries the build (version, commit), JDK, ONNX Runtime, OS, CPU, threads, RAM and the load average at the start; a load above the "
                + "core count is warned about.",
                "quality_drop_pct is measured only with --quality (minutes on DistilGPT2; cached per model and "
                        + "configuration under $FPGA_LLM_HOME/quality). Output as llama-bench: -o md|csv|json|jsonl on "
                        + "stdout, --out FILE by its extension (the CSV starts with results/benchmark_template.csv's "
                        + "columns), and a PNG + SVG plot beside the first --out."})
final class BenchCommand implements Callable<Integer> {
    /** Sampled-corpus window for quality_drop_pct: the spec's maximum sequence length, as `fpga-llm eval`. */
    static final int QUALITY_WINDOW = 256;

    @Spec
    CommandSpec spec;
    @Mixin
    ModelOptions modelOptions;
    @Mixin
    BoardOptions boardOptions;
    @Mixin
    BackendSettings settings;

    @Option(names = {"--backend", "--backends"}, paramLabel = "NAME", split = ",", defaultValue = "emu,ref",
            converter = BackendSettings.KindConverter.class,
            description = "Backends to compare under the same prompts (ref, emu, xrt, ort), repeated or comma-separated "
                    + "(--backends is the old spelling). Default: ${DEFAULT-VALUE}.")
    List<BackendKind> backends;

    @Option(names = "--prompt-lens", paramLabel = "LIST", split = ",", defaultValue = "32,64,128,256",
            description = "Prompt lengths in tokens. Default: ${DEFAULT-VALUE}.")
    List<Integer> promptLens;

    @Option(names = {"-n", "--max-new-tokens"}, paramLabel = "N",
            description = "Tokens generated per run, at least 2 (--gen, the old spelling, still works). Default: 32.")
    Integer maxNewTokens;

    @Option(names = "--gen", paramLabel = "N", hidden = true, description = "The old spelling of -n/--max-new-tokens.")
    Integer legacyGen;

    /** Measured runs per prompt length (default 3). */
    @Mixin
    RepetitionsOption repetitions;

    /** Tokens generated per run and measured runs per prompt length, as given in either spelling. */
    private int gen, repeats;

    @Option(names = "--warmup", paramLabel = "N", description = "Unmeasured runs first, per prompt length. Default: ${DEFAULT-VALUE}.")
    int warmup = 1;

    @Option(names = {"-o", "--output"}, paramLabel = "md|csv|json|jsonl", converter = FormatConverter.class,
            description = "What stdout gets: a markdown table, the CSV, a JSON array or JSON lines. Default: md.")
    BenchFormat output = BenchFormat.MD;

    @Option(names = "--out", paramLabel = "FILE", description = "Also write the results to FILE, as its extension says "
            + "(.csv, .json, .jsonl, .md); may be given more than once.")
    List<Path> outs = new ArrayList<>();

    @Option(names = "--plot", paramLabel = "FILE.png", description = "Write the plot here and the SVG beside it (default: beside the first --out).")
    Path plot;

    @Option(names = "--idle-seconds", paramLabel = "S", defaultValue = "0",
            description = "Measure idle power for S seconds first (idle_power_w). Default: ${DEFAULT-VALUE} (not measured).")
    int idleSeconds;

    @Option(names = "--subtract-idle", description = "energy_per_token_j counts only the power above the idle baseline (needs --idle-seconds).")
    boolean subtractIdle;

    /** Where power comes from. */
    enum Power { AUTO, NONE }

    @Option(names = "--power", paramLabel = "auto|none", converter = PowerConverter.class,
            description = "auto: the INA260 (hwmon) if present, else RAPL if readable, else n/a; none: do not read power. Default: auto.")
    Power power = Power.AUTO;

    @Option(names = "--power-interval-ms", paramLabel = "MS", defaultValue = "50", description = "Power sampling period. Default: ${DEFAULT-VALUE}.")
    int powerIntervalMs;

    @Option(names = "--sysfs-root", paramLabel = "DIR", defaultValue = "/sys", hidden = true, description = "Where sysfs is (tests use a fake tree).")
    Path sysfsRoot;

    @Option(names = "--quality", description = "Also measure quality_drop_pct per backend against the FP32 reference, as "
            + "fpga-llm eval does (cached per model and configuration; without it the column says n/a).")
    boolean quality;

    @Option(names = "--quality-sequences", paramLabel = "N", defaultValue = "2",
            description = "--quality: sequences of " + QUALITY_WINDOW + " tokens sampled from the FP32 model, as fpga-llm eval. Default: ${DEFAULT-VALUE}.")
    int qualitySequences;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter stdout = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        settings.board = boardOptions;
        validate();
        List<String> notices = new ArrayList<>();
        Gpt2Config config = modelOptions.config(notices);
        long positions = (long) java.util.Collections.max(promptLens) + gen; // no int overflow on user numbers
        if (positions > config.nPositions())
            throw new UserError("the longest prompt + --max-new-tokens = " + positions + " positions exceeds the model's "
                    + "n_positions " + config.nPositions());
        for (BackendKind b : backends) settings.check(b, config, (int) positions, false);
        if (quality && backends.stream().anyMatch(b -> b != BackendKind.REF))
            EvalCommand.checkReferenceMemory((long) qualitySequences * (Math.min(QUALITY_WINDOW, config.nPositions()) - 1),
                    config.vocabSize(), "--quality-sequences x " + (QUALITY_WINDOW - 1));
        Main.checked();
        RunEnvironment env = RunEnvironment.capture(settings.threads.threads);
        Benchmark.Settings bench = new Benchmark.Settings(promptLens, gen, repeats, warmup, config.name(), env);
        notices.forEach(err::println);
        env.loadWarning().ifPresent(err::println);
        Progress.Sink progress = Main.progress();
        Gpt2Weights w = modelOptions.load(progress);

        PowerMeter meter = power == Power.NONE ? PowerMeter.NONE
                : PowerMeter.detect(sysfsRoot, Duration.ofMillis(powerIntervalMs));
        err.println("power: " + (meter == PowerMeter.NONE ? "no readable sensor (power and energy cells say n/a)" : meter.source()));
        OptionalDouble idle = OptionalDouble.empty();
        if (idleSeconds > 0 && meter != PowerMeter.NONE) {
            err.println("measuring idle power for " + idleSeconds + " s ...");
            err.flush();
            PowerMeter.Measurement m = meter.start();
            Thread.sleep(idleSeconds * 1000L);
            idle = m.stop();
        }

        Benchmark benchmark = new Benchmark(bench, meter, idle, subtractIdle, System::nanoTime, Clock.systemUTC());
        Map<BackendKind, Backends.Options> options = new LinkedHashMap<>();
        List<BenchRow> rows = new ArrayList<>();
        List<Backend> opened = new ArrayList<>();
        List<String> bands = new ArrayList<>();
        try {
            // all opened first: a backend this build or machine lacks fails before minutes of measuring
            for (BackendKind kind : backends) {
                Backends.Options o = settings.options(kind, w, bench.maxSeq(), progress, false);
                options.put(kind, o);
                opened.add(Backends.open(kind, w, o));
            }
            for (Backend b : opened) {
                try (Progress p = progress.start("bench " + b.name() + " " + b.precision(), bench.tokens(), "tokens")) {
                    rows.addAll(benchmark.run(b, p::step));
                }
                if (b instanceof NpuEngine e) bands.add(band(e, bench.maxSeq() - 1));
            }
        } finally {
            for (Backend b : opened) b.close();
        }
        rows = withQuality(rows, w, options, progress);

        stdout.print(output.render(rows));
        // the predicted band per NPU backend: with the table on stdout, notices elsewhere (JSON/CSV stay parseable)
        bands.forEach((output == BenchFormat.MD ? stdout : err)::println);
        stdout.flush();
        for (Path file : outs) {
            AtomicWrite.replace(file, BenchFormat.of(file).orElseThrow().render(rows).getBytes(StandardCharsets.UTF_8));
            err.println("wrote " + file);
        }
        Path png = plot != null ? plot : outs.isEmpty() ? null : pngBeside(outs.getFirst());
        if (png != null) {
            BenchPlot.write(png, rows);
            err.println("wrote " + png + " and " + BenchPlot.svgBeside(png));
        }
        return Main.EXIT_OK;
    }

    private void validate() {
        if (maxNewTokens != null && legacyGen != null)
            throw new UserError("give it once: -n/--max-new-tokens and --gen are the same option");
        gen = maxNewTokens != null ? maxNewTokens : legacyGen != null ? legacyGen : 32;
        repeats = repetitions.resolve(3);
        if (backends.isEmpty()) throw new UserError("--backend names no backend");
        if (backends.stream().distinct().count() != backends.size()) throw new UserError("--backend lists a backend twice");
        if (promptLens.isEmpty()) throw new UserError("--prompt-lens is empty");
        for (int p : promptLens) if (p < 1) throw new UserError("--prompt-lens must be positive, got " + p);
        if (gen < 2) throw new UserError("--max-new-tokens must be at least 2 (the first token comes from the prefill; "
                + "latency is timed on the rest)");
        if (repeats < 1 || repeats > MAX_RUNS) throw new UserError("-r/--repetitions must be in 1.." + MAX_RUNS + ", got " + repeats);
        if (warmup < 0 || warmup > MAX_RUNS) throw new UserError("--warmup must be in 0.." + MAX_RUNS + ", got " + warmup);
        if (idleSeconds < 0) throw new UserError("--idle-seconds must be >= 0");
        if (subtractIdle && idleSeconds == 0) throw new UserError("--subtract-idle needs --idle-seconds");
        if (powerIntervalMs < 1) throw new UserError("--power-interval-ms must be at least 1");
        if (qualitySequences < 1) throw new UserError("--quality-sequences must be at least 1");
        settings.check();
        for (Path out : outs) {
            if (BenchFormat.of(out).isEmpty()) throw new UserError("--out " + out + ": name a .csv, .json, .jsonl or .md file");
            checkFolder(out, "--out");
        }
        if (plot != null) {
            if (plot.getFileName() == null || !plot.getFileName().toString().endsWith(".png"))
                throw new UserError("--plot must name a .png file (the .svg goes beside it)");
            OutputPath.check(plot, "--plot");
            OutputPath.check(BenchPlot.svgBeside(plot), "--plot's .svg");
        } else if (!outs.isEmpty()) {
            OutputPath.check(pngBeside(outs.getFirst()), "the plot beside --out");
            OutputPath.check(BenchPlot.svgBeside(pngBeside(outs.getFirst())), "the plot beside --out");
        }
    }

    private static void checkFolder(Path file, String option) {
        OutputPath.check(file, option);
    }

    /** Measured runs per prompt length at most: beyond, a benchmark would run for days (and its arrays grow). */
    static final int MAX_RUNS = 100_000;

    private static Path pngBeside(Path csv) {
        String name = csv.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return csv.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + ".png");
    }

    /**
     * quality_drop_pct per backend, with --quality: 0 for ref (it is the FP32 baseline), measured against ref for the
     * others on the corpus `fpga-llm eval` samples by default (same seed, same numbers), or read from the cache.
     */
    private List<BenchRow> withQuality(List<BenchRow> rows, Gpt2Weights w, Map<BackendKind, Backends.Options> options,
                                       Progress.Sink progress) {
        if (!quality) return rows;
        QualityCache cache = QualityCache.inHome();
        cache.unavailable().ifPresent(why -> progress.note("quality: not cached, " + why));
        String weights = CalibrationCache.fingerprint(w);
        Map<String, OptionalDouble> drop = new LinkedHashMap<>();
        int threads = settings.threads.threads;
        Evaluation reference = null;
        int window = Math.min(QUALITY_WINDOW, w.config().nPositions());
        for (BackendKind kind : backends) {
            String name = kind.id();
            if (kind == BackendKind.REF) {
                drop.put(name, OptionalDouble.of(0));
                continue;
            }
            BenchRow measured = rows.stream().filter(r -> r.backend().equals(name)).findFirst().orElseThrow();
            QualityCache.Key key = new QualityCache.Key(weights, w.config().name(), name, measured.precision(),
                    measured.softmaxMode(), qualitySequences, window, 0);
            OptionalDouble cached = cache.read(key, progress::note);
            if (cached.isPresent()) {
                progress.note("quality: " + name + " from the cache (" + cache.file(key) + ")");
                drop.put(name, cached);
                continue;
            }
            if (reference == null) {
                Corpus corpus;
                try (Progress p = progress.start("quality: sampling the corpus from the FP32 model",
                        (long) qualitySequences * (window - 1), "tokens")) {
                    corpus = Corpus.sampled(w, qualitySequences, window, 0, p::step);
                }
                try (ReferenceModel ref = new ReferenceModel(w, window, threads);
                     Progress p = progress.start("quality: FP32 reference", Evaluation.tokenCount(corpus, window, window / 2), "tokens")) {
                    reference = Evaluation.reference(ref, corpus, window, window / 2, p::advance);
                }
            }
            try (Progress p = progress.start("quality: " + name, reference.windowCount(), "windows")) {
                double pct = Sweep.measure(w, reference, name, options.get(kind), "", p::step).quality().dropPercent();
                cache.write(key, pct, progress::note);
                drop.put(name, OptionalDouble.of(pct));
            }
        }
        return rows.stream().map(r -> r.withQuality(drop.get(r.backend()))).toList();
    }

    static final class FormatConverter implements ITypeConverter<BenchFormat> {
        @Override
        public BenchFormat convert(String value) {
            return BenchFormat.named(value).orElseThrow(() ->
                    new TypeConversionException("must be md, csv, json or jsonl, not '" + value + "'"));
        }
    }

    static final class PowerConverter implements ITypeConverter<Power> {
        @Override
        public Power convert(String value) {
            for (Power p : Power.values()) if (p.name().equalsIgnoreCase(value)) return p;
            throw new TypeConversionException("must be auto or none, not '" + value + "'");
        }
    }

    /** The predicted band of a backend's decode step at the last position the benchmark fills. */
    private static String band(NpuEngine e, int position) {
        Band b = e.predictBand(position, 1);
        return String.format(Locale.ROOT, "%s %s: predicted %s decode step at position %d: %s (%s), %s; %s",
                e.name(), e.precision() + " " + e.softmaxMode(), e.board().label(), position, b.millis(2), b.tokensPerSecond(), Band.LABEL,
                e.board().describeBand());
    }
}
