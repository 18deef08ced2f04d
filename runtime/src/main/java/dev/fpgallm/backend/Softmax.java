package dev.fpgallm.backend;

import java.util.Locale;

/** How a backend computes softmax: exact (the FP32 backends, and the NPU on request) or the NPU's approximate fast path. */
public enum Softmax {
    APPROX, EXACT;

    /** The CLI's and the reports' spelling: approx, exact. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return label();
    }
}
