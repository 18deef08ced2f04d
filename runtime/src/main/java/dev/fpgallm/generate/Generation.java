package dev.fpgallm.generate;

import dev.fpgallm.backend.Backend;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.npu.timing.Band;
import java.util.Arrays;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntConsumer;
import java.util.function.LongSupplier;

/**
 * The token loop: prefill the prompt in one pass, sample, then decode one token at a time through the KV cache.
 * Times are wall-clock: time to first token (prefill + first sample) and the time of each decode step.
 */
public final class Generation {
    /** The backends that have prefilled in this JVM: the first prefill of each also runs the JIT compiler on its code. */
    private static final Set<String> WARM = ConcurrentHashMap.newKeySet();

    private Generation() {
    }

    /**
     * @param promptIds    prompt tokens (at least one)
     * @param maxNewTokens tokens to generate
     * @param stopAtEos    stop early when <|endoftext|> is sampled (benchmarks turn this off)
     * @param onToken      called with each generated id as soon as it is known (for streaming)
     */
    public static Result run(Backend backend, int[] promptIds, int maxNewTokens, Sampler sampler, boolean stopAtEos,
                             IntConsumer onToken) {
        return run(backend, promptIds, maxNewTokens, sampler, stopAtEos, onToken, System::nanoTime);
    }

    /** As above, timed by {@code nanoTime} (benchmarks' tests pass a fake clock). */
    public static Result run(Backend backend, int[] promptIds, int maxNewTokens, Sampler sampler, boolean stopAtEos,
                             IntConsumer onToken, LongSupplier nanoTime) {
        if (promptIds.length == 0) throw new IllegalArgumentException("empty prompt");
        backend.reset();
        for (int id : promptIds) sampler.accept(id); // the repeat penalty's window starts in the prompt
        int[] out = new int[maxNewTokens];
        long[] stepNanos = new long[Math.max(0, maxNewTokens - 1)];
        double predictedSum = 0;
        int predictedSteps = 0, bandSteps = 0;
        Band bandSum = Band.ZERO;

        boolean cold = WARM.add(backend.name());
        long t0 = nanoTime.getAsLong();
        float[] logits = backend.prefill(promptIds);
        int next = sampler.sample(logits);
        long prefillNanos = nanoTime.getAsLong() - t0;
        OptionalDouble predictedPrefill = backend.predictedLastStepMillis();
        Optional<Band> prefillBand = backend.predictedLastStep();
        int n = 0;
        if (maxNewTokens > 0) {
            sampler.accept(next);
            out[n++] = next;
            onToken.accept(next);
        }
        int steps = 0;
        while (n < maxNewTokens && !(stopAtEos && next == Gpt2Config.END_OF_TEXT)) {
            long s = nanoTime.getAsLong();
            logits = backend.decode(next);
            next = sampler.sample(logits);
            stepNanos[steps++] = nanoTime.getAsLong() - s;
            sampler.accept(next);
            OptionalDouble p = backend.predictedLastStepMillis();
            if (p.isPresent()) {
                predictedSum += p.getAsDouble();
                predictedSteps++;
            }
            Optional<Band> b = backend.predictedLastStep();
            if (b.isPresent()) {
                bandSum = bandSum.plus(b.get());
                bandSteps++;
            }
            out[n++] = next;
            onToken.accept(next);
        }
        return new Result(promptIds.clone(), Arrays.copyOf(out, n), prefillNanos / 1e6,
                Arrays.copyOf(stepNanos, steps),
                predictedPrefill,
                predictedSteps > 0 ? OptionalDouble.of(predictedSum / predictedSteps) : OptionalDouble.empty(),
                prefillBand, bandSteps > 0 ? Optional.of(bandSum.times(1.0 / bandSteps)) : Optional.empty(), cold);
    }

    /**
     * @param prefillMillis             time to first token
     * @param decodeStepNanos           wall time of each decode step (generated tokens after the first)
     * @param predictedPrefillMillis    the cycle model's KV260 prefill time (the band's pessimistic end), where the
     *                                  backend has one
     * @param predictedDecodeMillis     the cycle model's mean KV260 time per decode step (pessimistic end)
     * @param predictedPrefillBand      the prefill's predicted band (optimistic to pessimistic)
     * @param predictedDecodeBand       the mean decode step's predicted band
     * @param coldStart                 the first prefill of this backend in this JVM: its time includes the JIT
     *                                  compiler's warm-up of the backend's code (bench runs warm-up rounds instead)
     */
    public record Result(int[] promptIds, int[] outputIds, double prefillMillis, long[] decodeStepNanos,
                         OptionalDouble predictedPrefillMillis, OptionalDouble predictedDecodeMillis,
                         Optional<Band> predictedPrefillBand, Optional<Band> predictedDecodeBand, boolean coldStart) {
        /** Mean wall time per decode step, NaN when only one token was generated. */
        public double latencyPerTokenMillis() {
            if (decodeStepNanos.length == 0) return Double.NaN;
            long sum = 0;
            for (long v : decodeStepNanos) sum += v;
            return sum / 1e6 / decodeStepNanos.length;
        }

        public double tokensPerSecond() {
            double l = latencyPerTokenMillis();
            return Double.isNaN(l) ? Double.NaN : 1000.0 / l;
        }
    }
}
