package dev.fpgallm.bench;

import dev.fpgallm.RunEnvironment;
import dev.fpgallm.backend.Backend;
import dev.fpgallm.generate.Generation;
import dev.fpgallm.generate.Sampler;
import dev.fpgallm.npu.timing.BoardModel;
import dev.fpgallm.power.PowerMeter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.LongSupplier;

/**
 * Runs the seed's benchmark on one backend: for each prompt length, {@code warmup} unrecorded runs, then
 * {@code repeats} recorded ones, each from an empty KV cache: prefill the prompt, then {@code gen - 1} greedy decode
 * steps that ignore end-of-text. Power is measured over the recorded runs of each prompt length.
 */
public final class Benchmark {
    /**
     * @param promptLens prompt lengths in tokens
     * @param gen        generated tokens per run (the first comes from the prefill), at least 2
     * @param model      the model's label for the report
     * @param env        the build and machine of the run ({@link RunEnvironment#capture()}, or a test's stand-in)
     */
    public record Settings(List<Integer> promptLens, int gen, int repeats, int warmup, String model, RunEnvironment env) {
        public Settings {
            promptLens = List.copyOf(promptLens);
            if (gen < 2) throw new IllegalArgumentException("gen " + gen + " < 2: no decode step to time");
            if (repeats < 1 || warmup < 0) throw new IllegalArgumentException("repeats " + repeats + ", warmup " + warmup);
        }

        /** Generated tokens of a whole backend's benchmark (for progress bars). */
        public long tokens() {
            return (long) promptLens.size() * (warmup + repeats) * gen;
        }

        /** KV-cache positions the longest run needs. */
        public int maxSeq() {
            return promptLens.stream().mapToInt(Integer::intValue).max().orElse(0) + gen;
        }
    }

    private final Settings settings;
    private final PowerMeter meter;
    private final OptionalDouble idleW;
    private final boolean subtractIdle;
    private final LongSupplier nanoTime;
    private final Clock clock;

    public Benchmark(Settings settings, PowerMeter meter, OptionalDouble idleW, boolean subtractIdle,
                     LongSupplier nanoTime, Clock clock) {
        this.settings = settings;
        this.meter = meter;
        this.idleW = idleW;
        this.subtractIdle = subtractIdle;
        this.nanoTime = nanoTime;
        this.clock = clock;
    }

    /** One row per prompt length; {@code onToken} runs after every generated token (progress). */
    public List<BenchRow> run(Backend backend, Runnable onToken) {
        List<BenchRow> rows = new ArrayList<>();
        for (int len : settings.promptLens()) {
            int[] prompt = BenchPrompts.of(len);
            for (int i = 0; i < settings.warmup(); i++) once(backend, prompt, onToken);
            double[] prefill = new double[settings.repeats()], latency = new double[settings.repeats()];
            double[] predPrefill = new double[settings.repeats()], predLatency = new double[settings.repeats()];
            boolean predicted = true;
            var date = clock.instant();
            PowerMeter.Measurement power = meter.start();
            for (int i = 0; i < settings.repeats(); i++) {
                Generation.Result r = once(backend, prompt, onToken);
                prefill[i] = r.prefillMillis();
                latency[i] = r.latencyPerTokenMillis();
                predicted &= r.predictedPrefillMillis().isPresent() && r.predictedDecodeMillis().isPresent();
                predPrefill[i] = r.predictedPrefillMillis().orElse(Double.NaN);
                predLatency[i] = r.predictedDecodeMillis().orElse(Double.NaN);
            }
            OptionalDouble watts = power.stop();
            rows.add(new BenchRow(date, settings.env(), backend.name(), settings.model(), backend.precision(),
                    backend.softmaxMode().label(), len, settings.gen(), settings.repeats(), settings.warmup(),
                    Summary.of(prefill), Summary.of(latency),
                    predicted ? Optional.of(new BenchRow.Predicted(Summary.of(predPrefill).median(), Summary.of(predLatency).median(),
                            backend.predictedBoard().map(BoardModel::id).orElse("kv260"),
                            backend.predictedBoard().map(BoardModel::calibration).orElse("")))
                            : Optional.empty(),
                    watts, idleW, subtractIdle, meter.source(), OptionalDouble.empty()));
        }
        return rows;
    }

    private Generation.Result once(Backend backend, int[] prompt, Runnable onToken) {
        return Generation.run(backend, prompt, settings.gen(), Sampler.greedy(), false, id -> onToken.run(), nanoTime);
    }
}
