package dev.fpgallm.backend;

import dev.fpgallm.UserError;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.onnx.OrtBackend;
import dev.fpgallm.reference.ReferenceModel;
import java.util.List;

/** Opens a backend by its CLI name. */
public final class Backends {
    public static final List<String> NAMES = List.of("ref", "emu", "xrt", "ort");

    private Backends() {
    }

    /** Options every backend may read; each ignores the ones that do not concern it. */
    public record Options(int maxSeq) {
    }

    /** Fails fast on an unknown name, before any model is loaded. */
    public static void check(String name) {
        if (!NAMES.contains(name))
            throw new UserError("unknown backend '" + name + "'; backends are " + String.join(", ", NAMES));
    }

    public static Backend open(String name, Gpt2Weights weights, Options options) {
        check(name);
        return switch (name) {
            case "ref" -> new ReferenceModel(weights, options.maxSeq());
            case "ort" -> new OrtBackend(weights, options.maxSeq());
            case "emu", "xrt" -> throw new UserError("backend '" + name + "' is not available yet in this build");
            default -> throw new UserError("unknown backend '" + name + "'; backends are " + String.join(", ", NAMES));
        };
    }
}
