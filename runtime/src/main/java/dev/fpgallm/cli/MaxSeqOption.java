package dev.fpgallm.cli;

import dev.fpgallm.UserError;
import dev.fpgallm.model.Gpt2Config;
import picocli.CommandLine.Option;

/** --max-seq: the positions the KV cache holds; by default what the model allows, up to the spec's 256. */
public final class MaxSeqOption {
    /** The spec's longest sequence. */
    static final int DEFAULT = 256;

    @Option(names = "--max-seq", paramLabel = "N",
            description = "Positions the KV cache holds, 1 to the model's n_positions. Default: min(" + DEFAULT
                    + ", n_positions).")
    Integer maxSeq;

    /** --max-seq as given, or the model's default: min(256, n_positions); a given value must be in 1..n_positions. */
    int resolve(Gpt2Config c) {
        if (maxSeq == null) return Math.min(DEFAULT, c.nPositions());
        if (maxSeq < 1 || maxSeq > c.nPositions())
            throw new UserError("--max-seq " + maxSeq + " must be in 1.." + c.nPositions() + " (the model's n_positions)");
        return maxSeq;
    }
}
