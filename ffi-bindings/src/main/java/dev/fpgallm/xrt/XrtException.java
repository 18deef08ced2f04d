package dev.fpgallm.xrt;

/**
 * A failed device call. The message names the call and its arguments; {@link #errno()} is the C errno captured
 * right after the failing call (0 when not applicable, e.g. in the emulator).
 */
public class XrtException extends RuntimeException {
    private final int errno;

    public XrtException(String message) {
        this(message, 0);
    }

    public XrtException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
