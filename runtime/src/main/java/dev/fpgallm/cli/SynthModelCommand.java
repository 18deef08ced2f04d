package dev.fpgallm.cli;

import dev.fpgallm.UserError;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.store.ModelStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
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

    @Option(names = "--weights-seed", paramLabel = "N", description = "The seed the weights are drawn with (default 0).")
    Long weightsSeed;

    @Option(names = "--seed", paramLabel = "N", hidden = true, description = "The old spelling of --weights-seed.")
    Long legacySeed;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder to create (must not exist or be empty; its parent folder must exist).")
    Path out;

    @Override
    public Integer call() throws IOException {
        Gpt2Config config = Gpt2Config.preset(preset);
        if (legacySeed != null && weightsSeed != null)
            throw new UserError("give the seed once: --seed is the old spelling of --weights-seed");
        long seed = legacySeed != null ? legacySeed : weightsSeed != null ? weightsSeed : 0;
        Path folder = out;
        if (Files.isSymbolicLink(folder)) {
            if (!Files.isDirectory(folder)) throw new UserError("--out " + out + " is a symbolic link, not to a folder");
            folder = folder.toRealPath(); // written in place of the folder it names; the link stays
        }
        folder = folder.toAbsolutePath();
        if (folder.getFileName() == null) throw new UserError("--out " + out + " is not a folder name");
        if (Files.exists(folder, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.isDirectory(folder)) throw new UserError("--out " + out + " exists and is not a folder");
            try (Stream<Path> s = Files.list(folder)) {
                if (s.findAny().isPresent()) throw new UserError("--out " + out + " is not empty; choose a new folder");
            }
        }
        Path parent = folder.getParent();
        if (parent == null || !Files.isDirectory(parent))
            throw new UserError("no folder " + parent + " for --out " + out + " (create it first)");
        if (!Files.isWritable(parent))
            throw new UserError("--out " + out + ": cannot write in folder " + parent + " (permission denied)");
        Main.checked();
        if (legacySeed != null) spec.commandLine().getErr().println("note: synth-model --seed is now --weights-seed "
                + "(--seed is the sampling seed of generate)");
        Files.deleteIfExists(folder); // empty: replaced by the finished folder
        long t0 = System.nanoTime();
        ModelStore.createSynthetic(config, seed, folder, Main.progress());
        spec.commandLine().getOut().printf("wrote %s: %s, %,d parameters, seed %d (%.1f s)%n", out, config,
                config.parameterCount(), seed, (System.nanoTime() - t0) / 1e9);
        return Main.EXIT_OK;
    }
}
