package dev.fpgallm.cli;

import dev.fpgallm.Progress;
import dev.fpgallm.UserError;
import dev.fpgallm.io.AtomicWrite;
import dev.fpgallm.npu.interpreter.Npu;
import dev.fpgallm.npu.vectors.NpuCase;
import dev.fpgallm.npu.vectors.VectorFile;
import dev.fpgallm.vectors.VectorSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "npu-vectors", mixinStandardHelpOptions = true,
        description = "Write .npuv test vectors (inputs and the emulator's outputs) for the C++ kernel's testbench: "
                + "every instruction, edge and error cases, and tiny-model prefill and decode steps.")
final class NpuVectorsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder for the .npuv files (created, with its parents).")
    Path out;

    @Option(names = "--vector-seed", paramLabel = "S", description = "Seed of the random cases (default ${DEFAULT-VALUE}).")
    long vectorSeed = 1;

    @Option(names = "--seed", paramLabel = "S", hidden = true, description = "The old spelling of --vector-seed.")
    Long legacySeed;

    @Mixin
    ThreadsOption threads;

    @Option(names = "--random", defaultValue = "8", paramLabel = "N", description = "Random cases per instruction kind (default ${DEFAULT-VALUE}).")
    int random;

    /** Random cases per kind at most: each is a file of up to a few hundred kilobytes. */
    static final int MAX_RANDOM = 10_000;

    @Override
    public Integer call() throws IOException {
        if (random < 0 || random > MAX_RANDOM) throw new UserError("--random must be in 0.." + MAX_RANDOM + ", got " + random);
        if (Files.exists(out) && !Files.isDirectory(out)) throw new UserError("--out " + out + " is not a folder");
        if (Files.isSymbolicLink(out) && !Files.isDirectory(out))
            throw new UserError("--out " + out + " is a symbolic link to nothing");
        long seed = legacySeed != null ? legacySeed : vectorSeed;
        Main.checked();
        if (legacySeed != null) spec.commandLine().getErr().println("note: npu-vectors --seed is now --vector-seed");
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new UserError("cannot create --out " + out + ": " + AtomicWrite.reason(e));
        }
        List<NpuCase> cases;
        try (Npu npu = new Npu(threads.threads)) {
            cases = VectorSet.standard(seed, random, npu);
            try (Progress p = Main.progress().start("writing vectors", cases.size(), "vectors")) {
                for (NpuCase c : cases) {
                    VectorFile.write(out.resolve(c.name() + ".npuv"), c, c.runOn(npu));
                    p.step();
                }
            }
        }
        spec.commandLine().getOut().println("wrote " + cases.size() + " vectors to " + out);
        return Main.EXIT_OK;
    }
}
