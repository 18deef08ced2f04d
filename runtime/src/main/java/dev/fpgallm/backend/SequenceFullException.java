package dev.fpgallm.backend;

import dev.fpgallm.UserError;

/** Feeding more tokens than the KV cache holds. */
public class SequenceFullException extends UserError {
    public SequenceFullException(int position, int tokens, int maxSeq) {
        super("the KV cache holds " + maxSeq + " positions: cannot feed " + tokens + " token(s) at position "
                + position + " (use --max-seq to raise it, up to n_positions)");
    }
}
