package dev.fpgallm.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fpgallm.backend.Backend;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.power.PowerMeter;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
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
        public String softmaxMode() {
            return "approx";
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

    static List<BenchRow> run(PowerMeter meter, OptionalDouble idle, boolean subtract, int[] calls) {
        long[] now = {0};
        Benchmark b = new Benchmark(new Benchmark.Settings(List.of(4, 8), 5, 3, 1, "fake-model", "test-machine"),
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
        assertEquals(List.of("2026-01-02T03:04:05Z", "test-machine", "fake", "fake-model", "w8a16", "approx", "8", "5",
                        "13", "3", "1", "108.00", "12.000", "10.000", "14.000", "83.33", "0.500", "0.2500", "5.000", "n/a",
                        "0.06000", "fake", "n/a"),
                r.cells());
        assertEquals(BenchCsv.COLUMNS.size(), r.cells().size());
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
        assertEquals(new Summary(2, 1, 3), Summary.of(3, 1, 2));
        assertEquals(new Summary(2.5, 1, 4), Summary.of(4, 1, 3, 2));
        assertEquals(new Summary(7, 7, 7), Summary.of(7));
    }

    @Test
    void promptsHaveExactLengthsAndAreStable() {
        for (int n : new int[] {1, 32, 64, 128, 256, 1000}) assertEquals(n, BenchPrompts.of(n).length);
        int[] a = BenchPrompts.of(256), b = BenchPrompts.of(256);
        assertTrue(java.util.Arrays.equals(a, b));
        assertTrue(java.util.Arrays.equals(java.util.Arrays.copyOf(a, 32), BenchPrompts.of(32)), "shorter prompts are prefixes");
    }
}
