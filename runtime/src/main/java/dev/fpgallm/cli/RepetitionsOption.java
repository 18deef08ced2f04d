package dev.fpgallm.cli;

import dev.fpgallm.UserError;
import picocli.CommandLine.Option;

/** -r/--repetitions, llama-bench's name for the measured runs (bench, probe-bandwidth); --repeats, the old one, still works. */
public final class RepetitionsOption {
    @Option(names = {"-r", "--repetitions"}, paramLabel = "N",
            description = "Measured runs, as llama-bench's -r: bench's per prompt length (default 3), probe-bandwidth's "
                    + "timed launches per grid point (default 5). --repeats, the old spelling, still works.")
    Integer repetitions;

    @Option(names = "--repeats", paramLabel = "N", hidden = true, description = "The old spelling of -r/--repetitions.")
    Integer legacyRepeats;

    /** The runs asked for in either spelling (not both), else {@code byDefault}. */
    int resolve(int byDefault) {
        if (repetitions != null && legacyRepeats != null)
            throw new UserError("give it once: -r/--repetitions and --repeats are the same option");
        return repetitions != null ? repetitions : legacyRepeats != null ? legacyRepeats : byDefault;
    }
}
