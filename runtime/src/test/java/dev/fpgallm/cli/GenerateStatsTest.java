package dev.fpgallm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fpgallm.backend.Backend;
import dev.fpgallm.generate.Generation;
import dev.fpgallm.generate.Sampler;
import dev.fpgallm.model.Gpt2Config;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** What generate prints after the text, on made-up results (a JVM's first prefill cannot be arranged in a shared one). */
class GenerateStatsTest {
    private static Backend named(String name) {
        return new Backend() {
            public String name() { return name; }
            public Gpt2Config config() { return Gpt2Config.tiny(); }
            public int maxSeq() { return 8; }
            public int position() { return 0; }
            public void reset() { }
            public float[] prefill(int[] tokens) { return new float[0]; }
            public float[][] prefillAll(int[] tokens) { return new float[0][]; }
            public float[] decode(int token) { return new float[0]; }
            public void close() { }
        };
    }

    private static List<String> stats(String backend, boolean cold, boolean sampling, Sampler.Settings s) {
        Generation.Result r = new Generation.Result(new int[] {1, 2}, new int[] {3, 4, 5}, 1900.0, new long[] {40_000_000L, 42_000_000L},
                OptionalDouble.empty(), OptionalDouble.empty(), Optional.empty(), Optional.empty(), cold);
        StringWriter out = new StringWriter();
        GenerateCommand.printStats(new PrintWriter(out, true), named(backend), "synthetic-tiny", r, sampling, 7, s);
        return out.toString().lines().toList();
    }

    /** The first prefill of a Java backend says it includes JIT warm-up, on a line of its own below the figure. */
    @Test
    void theFirstPrefillSaysItIncludesJitWarmUp() {
        List<String> cold = stats("emu", true, false, Sampler.Settings.GREEDY);
        assertEquals("prefill (time to first token): 1900.0 ms", cold.get(3), "the figure ends its line (scripts read it)");
        assertEquals("                               includes JIT warm-up: the process's first emu prefill (bench's --warmup runs exclude it)",
                cold.get(4));
        assertFalse(String.join("\n", stats("emu", false, false, Sampler.Settings.GREEDY)).contains("JIT"), "a later prefill");
        assertFalse(String.join("\n", stats("ort", true, false, Sampler.Settings.GREEDY)).contains("JIT"), "ONNX Runtime is native");
        assertTrue(String.join("\n", stats("ref", true, false, Sampler.Settings.GREEDY)).contains("first ref prefill"));
    }

    @Test
    void theHeaderSaysHowTokensWerePicked() {
        assertEquals("--- emu backend, synthetic-tiny (fp32), greedy", stats("emu", false, false, Sampler.Settings.GREEDY).getFirst());
        Sampler.Settings s = new Sampler.Settings(0.8, 40, 0.95, 0.05, 1.1, 64);
        assertEquals("--- emu backend, synthetic-tiny (fp32), sampling (temp 0.8, top-k 40, top-p 0.95, min-p 0.05, "
                + "repeat penalty 1.1 over the last 64 tokens), seed 7", stats("emu", false, true, s).getFirst());
        assertEquals("--- emu backend, synthetic-tiny (fp32), greedy (repeat penalty 1.3 over the whole context)",
                stats("emu", false, false, new Sampler.Settings(0, 0, 1, 0, 1.3, -1)).getFirst());
    }
}
