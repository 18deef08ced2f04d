package dev.fpgallm.store;

import dev.fpgallm.CacheHome;
import dev.fpgallm.Progress;
import dev.fpgallm.UserError;
import dev.fpgallm.io.AtomicWrite;
import dev.fpgallm.io.Temporaries;
import dev.fpgallm.model.CheckpointLoader;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.model.SyntheticCheckpoint;
import dev.fpgallm.onnx.OnnxImporter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Finds the model a command runs on. {@code --model} may name a Hugging Face folder, an ONNX file (or a folder
 * holding one, as optimum writes them), or a preset
 * ({@code tiny}, {@code distilgpt2}, {@code gpt2}, optionally written {@code synthetic:NAME}) whose synthetic
 * weights are created once under {@code $FPGA_LLM_HOME/models} (default {@code ~/.cache/fpga-llm/models}).
 * Without {@code --model} the embedded default is synthetic DistilGPT2.
 */
public final class ModelStore {
    public static final String DEFAULT_PRESET = "distilgpt2";
    public static final long SYNTHETIC_SEED = 0;

    /** What kind of file holds the weights. */
    public enum Format { SAFETENSORS, ONNX }

    /**
     * Where a model came from, for notices and reports.
     *
     * @param folder the folder holding the model
     * @param file   the weights file: model.safetensors, or the .onnx file
     */
    public record Source(Path folder, boolean synthetic, String label, Format format, Path file) {
        /** A Hugging Face folder. */
        public Source(Path folder, boolean synthetic, String label) {
            this(folder, synthetic, label, Format.SAFETENSORS, folder.resolve(CheckpointLoader.WEIGHTS));
        }

        /** An ONNX file, labelled by its name (by its folder's for optimum's model.onnx and decoder_*.onnx). */
        static Source onnx(Path file) {
            Path abs = file.toAbsolutePath().normalize();
            String name = abs.getFileName().toString();
            String stem = name.substring(0, name.length() - ".onnx".length());
            boolean generic = stem.equals("model") || OnnxImporter.OPTIMUM_FILES.contains(name);
            String label = generic && abs.getParent() != null && abs.getParent().getFileName() != null
                    ? abs.getParent().getFileName().toString() : stem;
            return new Source(abs.getParent(), false, label, Format.ONNX, abs);
        }
    }

    private ModelStore() {
    }

    /**
     * Resolves {@code --model}; creates synthetic weights on first use.
     *
     * @param notice receives one line when the weights are synthetic (and one while they are created)
     */
    public static Source resolve(String spec, Consumer<String> notice) {
        return resolve(spec, Progress.Sink.lines(notice));
    }

    /** As above; creating synthetic weights shows its progress on {@code progress}, and notes go there. */
    public static Source resolve(String spec, Progress.Sink progress) {
        Consumer<String> notice = progress::note;
        Optional<Gpt2Config> preset = preset(spec);
        if (preset.isEmpty()) return resolvePath(spec);
        Gpt2Config config = Gpt2Config.preset(preset.get().name().substring(SYNTHETIC_LABEL.length()));
        Path folder = syntheticFolder(config.name(), SYNTHETIC_SEED);
        if (!CheckpointLoader.isCheckpointFolder(folder)) {
            Temporaries.cleanStaleIn(folder.getParent()); // fpga-llm's own folder: any killed run's leftovers
            createSynthetic(config, SYNTHETIC_SEED, folder, progress);
        }
        notice.accept("note: " + config.name() + " weights are synthetic (seed " + SYNTHETIC_SEED
                + ", a trained model's statistics, not its knowledge): for real ones pass --model DIR (see README, Real weights)");
        return new Source(folder, true, preset.get().name());
    }

    private static final String SYNTHETIC_LABEL = "synthetic-";

    /**
     * The preset {@code --model} names, with its config labelled as its {@link Source} will be
     * ({@code synthetic-tiny}), or empty when it names a folder or file: for checking options against the model's
     * shape before its weights exist.
     */
    public static Optional<Gpt2Config> preset(String spec) {
        String name;
        if (spec == null || spec.isBlank()) name = DEFAULT_PRESET;
        else if (spec.startsWith("synthetic:")) name = spec.substring("synthetic:".length());
        else {
            Path p = path(spec);
            if (Files.isDirectory(p) || (Files.isRegularFile(p) && OnnxImporter.isOnnxFile(p))
                    || !Gpt2Config.PRESETS.contains(spec.toLowerCase(Locale.ROOT)))
                return Optional.empty();
            name = spec;
        }
        Gpt2Config c = Gpt2Config.preset(name);
        return Optional.of(c.withName(SYNTHETIC_LABEL + c.name()));
    }

    private static Source resolvePath(String spec) {
        Path p = path(spec);
        if (Files.isDirectory(p)) {
            if (CheckpointLoader.isCheckpointFolder(p))
                return new Source(p, false, label(p));
            Optional<Path> onnx = OnnxImporter.findIn(p);
            if (onnx.isPresent()) return Source.onnx(onnx.get());
            throw new UserError(p + " is not a model folder: it needs config.json and model.safetensors, or a model.onnx");
        }
        if (Files.isRegularFile(p) && OnnxImporter.isOnnxFile(p)) return Source.onnx(p);
        if (Files.exists(p))
            throw new UserError(p + " is not a model: pass the folder holding config.json and model.safetensors, "
                    + "or an .onnx file");
        throw new UserError("no model at '" + spec + "': give a Hugging Face GPT-2 folder, an .onnx file or a preset ("
                + String.join(", ", Gpt2Config.PRESETS) + ")");
    }

    private static Path path(String spec) {
        try {
            return Path.of(spec);
        } catch (InvalidPathException e) {
            throw new UserError("--model '" + spec + "' is not a valid path: " + e.getReason());
        }
    }

    private static String label(Path folder) {
        Path name = folder.toAbsolutePath().normalize().getFileName();
        return name == null ? "model" : name.toString();
    }

    public static Path syntheticFolder(String preset, long seed) {
        return CacheHome.path().resolve("models").resolve("synthetic-" + preset + "-seed" + seed + "-v" + SyntheticCheckpoint.VERSION);
    }

    /**
     * Writes a synthetic checkpoint into a private folder ({@link Temporaries}), then renames it into place: never
     * half-written. Stale temporaries of killed runs beside it are removed first.
     */
    public static void createSynthetic(Gpt2Config config, long seed, Path folder, Consumer<String> notice) {
        createSynthetic(config, seed, folder, Progress.Sink.lines(notice));
    }

    /** As above, the bytes written as progress on {@code progress}. */
    public static void createSynthetic(Gpt2Config config, long seed, Path folder, Progress.Sink progress) {
        progress.note("creating synthetic " + config.name() + " weights (seed " + seed + ") in " + folder);
        Path tmp = Temporaries.beside(folder);
        try {
            Files.createDirectories(folder.getParent());
            Temporaries.cleanStale(folder);
            SyntheticCheckpoint.write(config, seed, tmp, progress);
            try {
                Files.move(tmp, folder, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                if (!CheckpointLoader.isCheckpointFolder(folder)) throw e; // else another process won the race
            }
        } catch (IOException e) {
            throw new UserError("cannot write synthetic weights to " + folder + ": " + AtomicWrite.reason(e));
        } catch (UserError e) {
            throw new UserError("cannot write synthetic weights to " + folder + ": " + e.getMessage());
        } finally {
            Temporaries.deleteTree(tmp);
        }
    }

    /** Resolves and loads in one go. */
    public static Gpt2Weights load(Source source) {
        if (source.format() == Format.ONNX) return OnnxImporter.load(source.file(), source.label());
        Gpt2Weights w = CheckpointLoader.load(source.folder());
        return new Gpt2Weights(w.config().withName(source.label()), w.wte(), w.wpe(), w.blocks(), w.lnF(),
                w.tiedLmHead() ? w.wte() : w.lmHead());
    }
}
