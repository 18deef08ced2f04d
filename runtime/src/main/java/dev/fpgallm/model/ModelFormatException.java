package dev.fpgallm.model;

import dev.fpgallm.UserError;

/** A checkpoint file that does not follow its format; the message names the file and what is wrong. */
public class ModelFormatException extends UserError {
    public ModelFormatException(String message) {
        super(message);
    }
}
