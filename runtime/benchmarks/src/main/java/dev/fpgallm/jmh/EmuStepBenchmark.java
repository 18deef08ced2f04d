package dev.fpgallm.jmh;

import dev.fpgallm.backends.Backends;
import dev.fpgallm.emu.EmulatedDevice;
import dev.fpgallm.engine.NpuEngine;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.model.SyntheticCheckpoint;
import dev.fpgallm.npu.timing.BoardModel;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Whole steps of the emu backend (strict device, synthetic DistilGPT2, w8a16, approx softmax, max_seq 256): 32 decode
 * steps at positions 224..255 after a prefill of 224 tokens (the score is per token), and a prefill of 256 tokens.
 * Run with {@code -prof gc} for the bytes allocated per token. Replaces runtime's main()-style EmuDecodeBenchmark.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class EmuStepBenchmark {
    static final int MAX_SEQ = 256, PROMPT = 224;

    @Param({"2"})
    public int threads;

    private NpuEngine emu;
    private final int[] tokens = new int[MAX_SEQ];

    @Setup(Level.Trial)
    public void setUp() {
        Gpt2Weights w = SyntheticCheckpoint.generate(Gpt2Config.distilgpt2(), 0);
        emu = new NpuEngine("emu", new EmulatedDevice(true, threads), true, Backends.compile(w, new Backends.Options(MAX_SEQ)),
                w, false, BoardModel.kv260());
        for (int i = 0; i < tokens.length; i++) tokens[i] = (i * 7919 + 11) % 50000;
    }

    /** Decode needs the prompt's cache: a prefill before every measured batch of 32 steps, outside its time. */
    @State(Scope.Thread)
    public static class Prefilled {
        @Setup(Level.Invocation)
        public void prefill(EmuStepBenchmark b) {
            b.emu.reset();
            b.emu.prefill(Arrays.copyOf(b.tokens, PROMPT));
        }
    }

    @Benchmark
    @OperationsPerInvocation(MAX_SEQ - PROMPT)
    public float decode(Prefilled p) {
        float s = 0;
        for (int i = PROMPT; i < MAX_SEQ; i++) s += emu.decode(tokens[i])[0];
        return s;
    }

    @Benchmark
    public float prefill256() {
        emu.reset();
        return emu.prefill(tokens)[0];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        emu.close();
    }
}
