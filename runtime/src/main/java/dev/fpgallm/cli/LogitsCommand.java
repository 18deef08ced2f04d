package dev.fpgallm.cli;

import dev.fpgallm.UserError;
import dev.fpgallm.backend.Backend;
import dev.fpgallm.io.Npy;
import dev.fpgallm.io.OutputPath;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.tokenizer.Gpt2Tokenizer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "logits", mixinStandardHelpOptions = true,
        description = "Write the logits at every position as a float32 NumPy array [tokens, vocab].")
final class LogitsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    ModelOptions modelOptions;
    @Mixin
    BackendOptions backendOptions;

    static final class Input {
        @Option(names = "--ids", paramLabel = "1,2,3", description = "Token ids, comma-separated.")
        String ids;
        @Option(names = "--text", paramLabel = "T", description = "Text to tokenize.")
        String text;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    @Option(names = "--out", required = true, paramLabel = "FILE.npy", description = "Where to write the array.")
    Path out;

    @Option(names = "--prefill", description = "Compute all positions in one prefill pass instead of one token at a time through the KV cache.")
    boolean prefill;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        backendOptions.check();
        int[] ids = input.ids != null ? Gpt2Tokenizer.parseIds(input.ids) : Gpt2Tokenizer.gpt2().encode(input.text);
        if (ids.length == 0) throw new UserError("no tokens to run");
        Path file = OutputPath.check(out, "--out");
        List<String> notices = new ArrayList<>();
        Gpt2Config config = modelOptions.config(notices);
        modelOptions.checkMaxSeq(config);
        if (ids.length > modelOptions.maxSeq)
            throw new UserError(ids.length + " tokens exceed --max-seq " + modelOptions.maxSeq);
        backendOptions.check(config, modelOptions.maxSeq, prefill);
        Main.checked();
        notices.forEach(err::println);
        Gpt2Weights weights = modelOptions.load(err);
        float[][] logits;
        try (Backend backend = backendOptions.open(weights, modelOptions, err, prefill)) {
            backend.reset();
            if (prefill) logits = backend.prefillAll(ids);
            else {
                logits = new float[ids.length][];
                for (int i = 0; i < ids.length; i++) logits[i] = backend.decode(ids[i]).clone();
            }
        }
        Npy.writeFloat32(file, logits);
        spec.commandLine().getOut().println("wrote " + out + ": float32 [" + ids.length + ", " + logits[0].length + "]");
        return Main.EXIT_OK;
    }
}
