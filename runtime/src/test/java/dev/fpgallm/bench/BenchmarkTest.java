package dev.fpgallm.bench;

import dev.fpgallm.backend.Softmax;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fpgallm.BuildInfo;
import dev.fpgallm.RunEnvironment;
import dev.fpgallm.backend.Backend;
import dev.fpgallm.json.Json;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.power.PowerMeter;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** The KPI arithmetic on a fake clock, a fake backend whose steps take known times, and a fake power source. */
class BenchmarkTest {
    static final double MS = 1e6;

    /** Prefill takes 100 ms + 1 ms per token; each decode step of run r takes DECODE_MS[r] ms. */
    static final class TimedBackend implements Backend {
        static final double[] DECODE_MS = {50, 10, 14, 12}; // warm-up, then three measured runs
        final long[] now;
        final float[] logits = new float[Gpt2Config.GPT2_VOCAB];
        int runs = -1, position;
        int lastFed;

        TimedBackend(long[] now) {
            this.now = now;
            logits[7] = 1;
        }

        @Override
        public String name() {
            return "fake";
        }

        @Override
        public Gpt2Config config() {
            return Gpt2Config.tiny();
        }

        @Override
        public int maxSeq() {
            return 64;
        }

        @Override
        public int position() {
            return position;
        }

        @Override
        public void reset() {
            position = 0;
        }

        @Override
        public float[] prefill(int[] tokens) {
            runs = (runs + 1) % DECODE_MS.length;
            now[0] += (long) ((100 + tokens.length) * MS);
            position += tokens.length;
            lastFed = tokens.length;
            return logits;
        }

        @Override
        public float[][] prefillAll(int[] tokens) {
            throw new UnsupportedOperationException();
        }

        @Override
        public float[] decode(int token) {
            assertEquals(7, token, "greedy picks the argmax");
            now[0] += (long) (DECODE_MS[runs] * MS);
            position++;
            lastFed = 1;
            return logits;
        }

        @Override
        public OptionalDouble predictedLastStepMillis() {
            return OptionalDouble.of(lastFed == 1 ? 0.25 : 0.5);
        }

        @Override
        public String precision() {
            return "w8a16";
        }

        @Override
        public Softmax softmaxMode() {
            return Softmax.APPROX;
        }

        @Override
        public void close() {
        }
    }

    static PowerMeter constant(double watts) {
        return new PowerMeter() {
            @Override
            public String source() {
                return "fake";
            }

            @Override
            public Measurement start() {
                return () -> OptionalDouble.of(watts);
            }
        };
    }

    static final RunEnvironment ENV = environment(0.5);

    static RunEnvironment environment(double load) {
        return new RunEnvironment(new BuildInfo("1.2.3", "0123456789abcdef0123456789abcdef01234567", true), "test-host",
                "TestOS 1.0", "x86_64", "Test CPU", 2, 2, 8L << 30, "Test JDK 25", "1.26.0", OptionalDouble.of(load));
    }

    static List<BenchRow> run(PowerMeter meter, OptionalDouble idle, boolean subtract, int[] calls) {
        long[] now = {0};
        Benchmark b = new Benchmark(new Benchmark.Settings(List.of(4, 8), 5, 3, 1, "fake-model", ENV),
                meter, idle, subtract, () -> now[0], Clock.fixed(Instant.parse("2026-01-02T03:04:05.678Z"), ZoneOffset.UTC));
        return b.run(new TimedBackend(now), () -> calls[0]++);
    }

    @Test
    void mediansMinMaxThroughputAndEnergy() {
        int[] tokens = {0};
        List<BenchRow> rows = run(constant(5.0), OptionalDouble.empty(), false, tokens);
        assertEquals(2 * 4 * 5, tokens[0], "progress: every generated token of every run, warm-up included");
        assertEquals(2, rows.size());
        BenchRow r = rows.get(1);
        assertEquals(108.0, r.prefillMs().median(), 1e-9, "prefill = time to first token");
        assertEquals(12.0, r.latencyMs().median(), 1e-9, "median of 10, 14, 12 (the warm-up's 50 is not counted)");
        assertEquals(10.0, r.latencyMs().min(), 1e-9);
        assertEquals(14.0, r.latencyMs().max(), 1e-9);
        assertEquals(1000.0 / 12, r.throughput(), 1e-9);
        assertEquals(0.06, r.energyPerTokenJ().getAsDouble(), 1e-12, "5 W x 12 ms");
        assertEquals(List.of("2026-01-02T03:04:05Z", "test-host; Test CPU; 2 cores", "fake", "fake-model", "w8a16", "approx", "8", "5",
                        "13", "3", "1", "108.00", "12.000", "10.000", "14.000", "83.33", "0.500", "0.2500", "5.000", "n/a",
                        "0.06000", "fake", "n/a"),
                r.cells().subList(0, BenchCsv.TEMPLATE_COLUMNS.size()), "the template's columns first");
        assertEquals(BenchCsv.COLUMNS, List.copyOf(r.fields().keySet()));
        assertEquals(12.0, r.latencyMs().mean(), 1e-9);
        assertEquals(2.0, r.latencyMs().stddev(), 1e-9, "sample standard deviation of 10, 14, 12");
        assertEquals(13.6, r.latencyMs().p90(), 1e-9, "rank 0.9 x 2 = 1.8: 12 + 0.8 x (14 - 12)");
        assertEquals(List.of(10.0, 14.0, 12.0), r.latencyMs().samples(), "in the order measured");
        assertEquals("12.000", cell(r, "latency_per_token_ms_mean"));
        assertEquals("2.000", cell(r, "latency_per_token_ms_stddev"));
        assertEquals("13.600", cell(r, "latency_per_token_ms_p90"));
        assertEquals("0.00", cell(r, "prefill_ms_stddev"), "every prefill took 108 ms");
        double tpsMean = (100 + 1000 / 14.0 + 1000 / 12.0) / 3;
        assertEquals(String.format(java.util.Locale.ROOT, "%.2f", tpsMean), cell(r, "throughput_tokens_per_sec_mean"),
                "tokens/s of each run, then their mean (as llama-bench)");
        assertEquals("1.2.3", cell(r, "fpga_llm_version"));
        assertEquals("0123456789abcdef0123456789abcdef01234567-dirty", cell(r, "fpga_llm_commit"));
        assertEquals("Test JDK 25", cell(r, "jdk"));
        assertEquals("1.26.0", cell(r, "onnxruntime_version"));
        assertEquals("2", cell(r, "threads"));
        assertEquals("8.0", cell(r, "ram_gib"));
        assertEquals("0.50", cell(r, "load_avg_start"));
    }

    static String cell(BenchRow r, String column) {
        return r.cells().get(BenchCsv.COLUMNS.indexOf(column));
    }

    @Test
    void everyFormatIsMadeFromTheRows() {
        List<BenchRow> rows = run(constant(5.0), OptionalDouble.empty(), false, new int[1]);
        String md = BenchFormat.MD.render(rows);
        assertTrue(md.contains("| fake | w8a16 | approx | 8 | 108.00 ± 0.00 | 12.000 ± 2.000 | 12.000 | 13.600 | 10.000-14.000 |"), md);
        assertTrue(md.contains("build: fpga-llm 1.2.3 (commit 0123456789ab-dirty); JDK Test JDK 25; ONNX Runtime 1.26.0"), md);
        List<String> csv = BenchFormat.CSV.render(rows).lines().toList();
        assertEquals(String.join(",", BenchCsv.COLUMNS), csv.getFirst());
        assertEquals(3, csv.size());
        Object json = Json.parse(BenchFormat.JSON.render(rows));
        List<?> array = (List<?>) json;
        assertEquals(2, array.size());
        Map<?, ?> second = (Map<?, ?>) array.get(1);
        assertEquals(12.0, ((Number) second.get("latency_per_token_ms")).doubleValue());
        assertEquals(List.of(10.0, 14.0, 12.0), second.get("latency_per_token_ms_samples"));
        assertEquals("1.2.3", second.get("fpga_llm_version"));
        assertEquals(0.5, second.get("load_avg_start"));
        assertTrue(second.containsKey("avg_power_w") && second.get("quality_drop_pct") == null, "n/a is null");
        List<String> jsonl = BenchFormat.JSONL.render(rows).lines().toList();
        assertEquals(2, jsonl.size());
        assertEquals(second, Json.parseObject(jsonl.get(1)));
    }

    @Test
    void aLoadAboveTheCoreCountIsWarnedAbout() {
        assertTrue(environment(1.9).loadWarning().isEmpty());
        assertTrue(environment(2.5).loadWarning().orElseThrow().contains("load average is 2.50 on 2 cores"));
    }

    @Test
    void idleBaselineIsReportedAndOptionallySubtracted() {
        BenchRow kept = run(constant(5.0), OptionalDouble.of(2.0), false, new int[1]).getFirst();
        assertEquals("2.000", kept.cells().get(BenchCsv.COLUMNS.indexOf("idle_power_w")));
        assertEquals(0.06, kept.energyPerTokenJ().getAsDouble(), 1e-12, "total power by default");
        BenchRow net = run(constant(5.0), OptionalDouble.of(2.0), true, new int[1]).getFirst();
        assertEquals(0.036, net.energyPerTokenJ().getAsDouble(), 1e-12, "(5 - 2) W x 12 ms");
        assertTrue(net.cells().get(BenchCsv.COLUMNS.indexOf("power_source")).contains("above idle"));
    }

    @Test
    void withoutASensorPowerAndEnergyAreNotAvailable() {
        BenchRow r = run(PowerMeter.NONE, OptionalDouble.empty(), false, new int[1]).getFirst();
        for (String column : List.of("avg_power_w", "idle_power_w", "energy_per_token_j", "power_source"))
            assertEquals("n/a", r.cells().get(BenchCsv.COLUMNS.indexOf(column)), column);
    }

    @Test
    void summaryOfEvenAndOddCounts() {
        assertEquals(new Summary(2, 1, 2, 2.8, 1, 3, List.of(3.0, 1.0, 2.0)), Summary.of(3, 1, 2));
        Summary four = Summary.of(4, 1, 3, 2);
        assertEquals(2.5, four.median(), 1e-12);
        assertEquals(3.7, four.p90(), 1e-12);
        assertEquals(Math.sqrt(5.0 / 3), four.stddev(), 1e-12);
        assertEquals(new Summary(7, 0, 7, 7, 7, 7, List.of(7.0)), Summary.of(7));
    }

    @Test
    void promptsHaveExactLengthsAndAreStable() {
        for (int n : new int[] {1, 32, 64, 128, 256, 1000}) assertEquals(n, BenchPrompts.of(n).length);
        int[] a = BenchPrompts.of(256), b = BenchPrompts.of(256);
        assertTrue(java.util.Arrays.equals(a, b));
        assertTrue(java.util.Arrays.equals(java.util.Arrays.copyOf(a, 32), BenchPrompts.of(32)), "shorter prompts are prefixes");
    }
}
