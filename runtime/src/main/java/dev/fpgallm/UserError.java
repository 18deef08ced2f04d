package dev.fpgallm;

/**
 * A problem with what the user gave us (a path, an option, a malformed file). The CLI prints its message as one
 * line on stderr and exits with code 2; it is never a bug in fpga-llm itself.
 */
public class UserError extends RuntimeException {
    public UserError(String message) {
        super(message);
    }

    public UserError(String message, Throwable cause) {
        super(message, cause);
    }
}
