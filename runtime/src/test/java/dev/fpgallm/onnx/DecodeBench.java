package dev.fpgallm.onnx;

import dev.fpgallm.UserError;
import dev.fpgallm.backend.Backend;
import dev.fpgallm.backends.Backends;
import dev.fpgallm.generate.Generation;
import dev.fpgallm.generate.Sampler;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.store.ModelStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Decode tokens/s of several backends on one model in one process, rounds interleaved so that a machine shared
 * with other work slows each backend alike. Not a test (no assertions, no fixed expectations): a measurement.
 * Default: synthetic DistilGPT2, --max-seq 256, a 224-token prompt, 32 greedy tokens (EOS ignored), so the decode
 * steps attend to 225..255 positions; 3 rounds of ref, ort and emu (emu where this build has it).
 *
 * <pre>
 * ./mvnw -q -o -pl runtime -am test-compile dependency:build-classpath -Dmdep.outputFile=target/test.cp -Dmdep.includeScope=test
 * java --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
 *   -cp runtime/target/test-classes:runtime/target/classes:$(cat runtime/target/test.cp) dev.fpgallm.onnx.DecodeBench [ROUNDS] [BACKEND...]
 * </pre>
 */
public final class DecodeBench {
    static final int MAX_SEQ = 256, NEW_TOKENS = 32, PROMPT = MAX_SEQ - NEW_TOKENS;

    public static void main(String[] args) throws IOException {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        List<String> names = args.length > 1 ? List.of(Arrays.copyOfRange(args, 1, args.length)) : List.of("ref", "ort", "emu");
        Gpt2Weights w = ModelStore.load(ModelStore.resolve("distilgpt2", System.err::println));
        int[] prompt = new int[PROMPT];
        for (int i = 0; i < PROMPT; i++) prompt[i] = (int) ((i * 7919L + 13) % 50000);

        Map<String, Backend> backends = new LinkedHashMap<>();
        for (String n : names) {
            try {
                backends.put(n, Backends.open(n, w, new Backends.Options(MAX_SEQ)));
            } catch (UserError e) {
                System.out.println(n + ": skipped (" + e.getMessage() + ")");
            }
        }
        Map<String, List<Double>> tps = new LinkedHashMap<>();
        System.out.printf(Locale.ROOT, "%s, prompt %d tokens, %d new tokens, max-seq %d, %d cores%n", w.config(), PROMPT,
                NEW_TOKENS, MAX_SEQ, Runtime.getRuntime().availableProcessors());
        for (int round = 1; round <= rounds; round++) {
            for (Map.Entry<String, Backend> e : backends.entrySet()) {
                String load = Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
                Generation.Result r = Generation.run(e.getValue(), prompt, NEW_TOKENS, Sampler.greedy(), false, id -> { });
                tps.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(r.tokensPerSecond());
                System.out.printf(Locale.ROOT, "round %d  %-4s  prefill %8.1f ms  decode %7.2f ms/token  %6.2f tokens/s  (load before: %s)%n",
                        round, e.getKey(), r.prefillMillis(), r.latencyPerTokenMillis(), r.tokensPerSecond(), load);
            }
        }
        for (Map.Entry<String, List<Double>> e : tps.entrySet()) {
            double[] v = e.getValue().stream().mapToDouble(Double::doubleValue).sorted().toArray();
            System.out.printf(Locale.ROOT, "%-4s decode tokens/s: median %.2f (min %.2f, max %.2f) over %d rounds%n",
                    e.getKey(), v[v.length / 2], v[0], v[v.length - 1], v.length);
        }
        for (Backend b : backends.values()) b.close();
    }
}
