package dev.fpgallm.engine;

import dev.fpgallm.backend.Backend;
import dev.fpgallm.backend.Backends;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.model.SyntheticCheckpoint;
import dev.fpgallm.quant.Precision;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Locale;

/**
 * A benchmark, not a test: emu on synthetic DistilGPT2 at S = 256 (prefill 224 tokens, decode 32 more up to
 * position 255), the prefill of 256 tokens, and the bytes the decoding thread allocates per token.
 *
 * <pre>java --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector -cp ... dev.fpgallm.engine.EmuDecodeBenchmark [repeats]</pre>
 */
public final class EmuDecodeBenchmark {
    public static void main(String[] args) {
        int repeats = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        Gpt2Weights w = SyntheticCheckpoint.generate(Gpt2Config.distilgpt2(), 0);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        int[] prompt = new int[256];
        for (int i = 0; i < prompt.length; i++) prompt[i] = (i * 7919 + 11) % 50000;
        boolean strict = args.length < 2 || !args[1].equals("loose");
        Backends.Options options = new Backends.Options(256, Precision.W8A16, false, false, System.err::println);
        try (Backend emu = new NpuEngine("emu", new dev.fpgallm.emu.EmulatedDevice(strict,
                Runtime.getRuntime().availableProcessors()), true,
                Backends.compile(w, options), w, false, dev.fpgallm.npu.BoardModel.kv260())) {
            double[] prefill = new double[repeats], decode = new double[repeats], alloc = new double[repeats];
            double predicted = 0;
            for (int rep = -1; rep < repeats; rep++) { // one warm-up round
                emu.reset();
                long t0 = System.nanoTime();
                emu.prefill(prompt);
                double prefillMs = (System.nanoTime() - t0) / 1e6;
                emu.reset();
                emu.prefill(Arrays.copyOf(prompt, 224));
                long a0 = threads.getCurrentThreadAllocatedBytes();
                long t1 = System.nanoTime();
                double pred = 0;
                for (int i = 0; i < 32; i++) {
                    emu.decode(prompt[224 + i]);
                    pred += emu.predictedLastStepMillis().orElse(Double.NaN);
                }
                double decodeMs = (System.nanoTime() - t1) / 1e6 / 32;
                long bytes = threads.getCurrentThreadAllocatedBytes() - a0;
                if (rep < 0) continue;
                prefill[rep] = prefillMs;
                decode[rep] = decodeMs;
                alloc[rep] = bytes / 32.0;
                predicted = pred / 32;
            }
            Arrays.sort(prefill);
            Arrays.sort(decode);
            Arrays.sort(alloc);
            System.out.printf(Locale.ROOT, "emu (%s), synthetic DistilGPT2, w8a16, approx softmax, %d threads, median of %d:%n",
                    strict ? "strict" : "not strict", Runtime.getRuntime().availableProcessors(), repeats);
            System.out.printf(Locale.ROOT, "  prefill 256 tokens:            %.0f ms (min %.0f, max %.0f)%n",
                    prefill[repeats / 2], prefill[0], prefill[repeats - 1]);
            System.out.printf(Locale.ROOT, "  decode at positions 224..255:  %.2f ms/token = %.1f tokens/s (min %.2f, max %.2f ms)%n",
                    decode[repeats / 2], 1000 / decode[repeats / 2], decode[0], decode[repeats - 1]);
            System.out.printf(Locale.ROOT, "  allocated by the decoding thread: %.0f bytes/token (median)%n", alloc[repeats / 2]);
            System.out.printf(Locale.ROOT, "  predicted KV260 decode (cycle model): %.3f ms/token = %.1f tokens/s%n", predicted, 1000 / predicted);
        }
    }
}
