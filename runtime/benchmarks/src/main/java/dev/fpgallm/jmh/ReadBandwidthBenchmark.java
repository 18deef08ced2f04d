package dev.fpgallm.jmh;

import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The machine's read roofline as the emulator sees it: each thread sums its own 256 MiB array (far beyond any
 * cache) front to back with the widest long vectors. Bytes per second = 256 MiB x threads / the time per operation;
 * the emulator's weight stream is judged against this figure (issue 16: >= 60 % of it in weight bytes).
 * {@code reader1} runs one thread, {@code reader2} two at once.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx3g"})
public class ReadBandwidthBenchmark {
    private static final VectorSpecies<Long> L = LongVector.SPECIES_PREFERRED;
    /** 256 MiB per thread: 8x the 32 MiB L3 of the machine this was first run on. */
    @Param({"268435456"})
    public int bytes;

    private long[] data;

    @Setup
    public void fill() {
        data = new long[bytes / 8];
        for (int i = 0; i < data.length; i++) data[i] = i * 0x9E3779B97F4A7C15L;
    }

    private long sum() {
        LongVector a = LongVector.zero(L), b = LongVector.zero(L);
        int i = 0, step = 2 * L.length();
        for (; i + step <= data.length; i += step) { // two accumulators keep two loads in flight per iteration
            a = a.add(LongVector.fromArray(L, data, i));
            b = b.add(LongVector.fromArray(L, data, i + L.length()));
        }
        long s = a.add(b).reduceLanes(VectorOperators.ADD);
        for (; i < data.length; i++) s += data[i];
        return s;
    }

    @Benchmark
    @Threads(1)
    public long reader1() {
        return sum();
    }

    @Benchmark
    @Threads(2)
    public long reader2() {
        return sum();
    }
}
