package dev.fpgallm.cli;

import dev.fpgallm.BuildInfo;
import dev.fpgallm.Progress;
import dev.fpgallm.UserError;
import dev.fpgallm.backend.Backend;
import dev.fpgallm.io.AtomicWrite;
import dev.fpgallm.io.Npy;
import dev.fpgallm.io.OutputPath;
import dev.fpgallm.json.Json;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.tokenizer.Gpt2Tokenizer;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "logits", mixinStandardHelpOptions = true,
        description = "Write the logits at every position as a float32 NumPy array [tokens, vocab], for token ids or a text (-p, -f).")
final class LogitsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    ModelOptions modelOptions;
    @Mixin
    MaxSeqOption maxSeqOption;
    @Mixin
    BackendOptions backendOptions;
    @Mixin
    PromptOptions promptOptions;

    @Option(names = "--ids", paramLabel = "1,2,3", description = "Token ids, comma-separated (instead of a text).")
    String ids;

    @Option(names = "--text", paramLabel = "TEXT", description = "The old spelling of -p/--prompt.")
    String text;

    @Option(names = "--out", required = true, paramLabel = "FILE.npy", description = "Where to write the array.")
    Path out;

    @Option(names = "--prefill", description = "Compute all positions in one prefill pass instead of one token at a time through the KV cache.")
    boolean prefill;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        backendOptions.settings.check();
        var given = promptOptions.text(new PromptOptions.Other("--text", text), new PromptOptions.Other("--ids", ids));
        if (given.isEmpty()) throw new UserError("no tokens: give --ids 1,2,3, -p TEXT or -f FILE");
        int[] ids = this.ids != null ? Gpt2Tokenizer.parseIds(this.ids) : Gpt2Tokenizer.gpt2().encode(given.get());
        if (ids.length == 0) throw new UserError("no tokens to run");
        Path file = OutputPath.check(out, "--out");
        Path sidecar = OutputPath.check(out.resolveSibling(out.getFileName() + ".json"), "the .json beside --out");
        List<String> notices = new ArrayList<>();
        Gpt2Config config = modelOptions.config(notices);
        int maxSeq = maxSeqOption.resolve(config);
        ModelOptions.checkIds(config, ids, this.ids != null ? "--ids" : "the prompt");
        if (ids.length > maxSeq)
            throw new UserError(ids.length + " tokens exceed --max-seq " + maxSeq);
        backendOptions.check(config, maxSeq, prefill);
        Main.checked();
        notices.forEach(err::println);
        Progress.Sink progress = Main.progress();
        Gpt2Weights weights = modelOptions.load(progress);
        float[][] logits;
        Map<String, Object> about = new LinkedHashMap<>(BuildInfo.current().toMap());
        try (Backend backend = backendOptions.open(weights, maxSeq, progress, prefill)) {
            about.put("model", weights.config().name());
            about.put("backend", backend.name());
            about.put("precision", backend.precision());
            about.put("softmax_mode", backend.softmaxMode().label());
            backend.reset();
            if (prefill) logits = backend.prefillAll(ids);
            else {
                logits = new float[ids.length][];
                for (int i = 0; i < ids.length; i++) logits[i] = backend.decode(ids[i]).clone();
            }
        }
        about.put("mode", prefill ? "one prefill pass" : "one token at a time through the KV cache");
        about.put("ids", ids);
        about.put("shape", new long[] {ids.length, logits[0].length});
        about.put("date", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        Npy.writeFloat32(file, logits);
        // NumPy refuses .npy headers with keys beyond descr, fortran_order and shape: what made the array goes beside it
        AtomicWrite.replace(sidecar, Json.writePretty(about).getBytes(StandardCharsets.UTF_8));
        spec.commandLine().getOut().println("wrote " + out + ": float32 [" + ids.length + ", " + logits[0].length + "], and "
                + sidecar.getFileName() + " (model, backend, ids, fpga-llm version and commit)");
        return Main.EXIT_OK;
    }
}
