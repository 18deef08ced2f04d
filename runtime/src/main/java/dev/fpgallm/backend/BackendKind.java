package dev.fpgallm.backend;

import dev.fpgallm.UserError;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The backends, by the name the CLI's --backend takes. */
public enum BackendKind {
    /** The FP32 reference in plain Java. */
    REF,
    /** The NPU emulator, bit-exact with the kernel. */
    EMU,
    /** The NPU through XRT: the board, or the C-simulation board. */
    XRT,
    /** ONNX Runtime on the CPU. */
    ORT;

    /** The CLI name: ref, emu, xrt, ort. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether it runs the NPU program (INT8/INT16, the cycle model's predictions). */
    public boolean npu() {
        return this == EMU || this == XRT;
    }

    public static BackendKind parse(String name) {
        for (BackendKind k : values()) if (k.id().equals(name)) return k;
        throw new UserError("unknown backend '" + name + "'; backends are " + names());
    }

    /** "ref, emu, xrt, ort". */
    public static String names() {
        return Arrays.stream(values()).map(BackendKind::id).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return id();
    }
}
