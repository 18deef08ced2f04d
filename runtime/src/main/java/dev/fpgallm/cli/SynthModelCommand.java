package dev.fpgallm.cli;

import dev.fpgallm.UserError;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.ModelStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "synth-model", mixinStandardHelpOptions = true,
        description = "Write a Hugging Face GPT-2 folder (config.json + F32 model.safetensors) with deterministic synthetic weights.")
final class SynthModelCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--preset", required = true, paramLabel = "P", description = "tiny, distilgpt2 or gpt2.")
    String preset;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder to create (must not exist or be empty).")
    Path out;

    @Override
    public Integer call() throws IOException {
        Gpt2Config config = Gpt2Config.preset(preset);
        if (Files.exists(out)) {
            if (!Files.isDirectory(out)) throw new UserError(out + " exists and is not a folder");
            try (Stream<Path> s = Files.list(out)) {
                if (s.findAny().isPresent()) throw new UserError(out + " is not empty; choose a new folder");
            }
            Files.delete(out);
        }
        long t0 = System.nanoTime();
        ModelStore.createSynthetic(config, seed, out.toAbsolutePath(), spec.commandLine().getErr()::println);
        spec.commandLine().getOut().printf("wrote %s: %s, %,d parameters, seed %d (%.1f s)%n", out, config,
                config.parameterCount(), seed, (System.nanoTime() - t0) / 1e9);
        return Main.EXIT_OK;
    }
}
