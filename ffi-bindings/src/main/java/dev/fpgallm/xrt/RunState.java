package dev.fpgallm.xrt;

/** XRT's {@code ert_cmd_state}, with the same numeric codes. */
public enum RunState {
    NEW(1), QUEUED(2), RUNNING(3), COMPLETED(4), ERROR(5), ABORT(6), SUBMITTED(7), TIMEOUT(8),
    NORESPONSE(9), SKERROR(10), SKCRASHED(11);

    public final int code;

    RunState(int code) {
        this.code = code;
    }

    public static RunState of(int code) {
        for (RunState s : values()) if (s.code == code) return s;
        throw new IllegalArgumentException("unknown ert_cmd_state " + code);
    }

    public boolean isDone() {
        return this == COMPLETED || this == ERROR || this == ABORT || this == TIMEOUT || this == NORESPONSE
                || this == SKERROR || this == SKCRASHED;
    }
}
