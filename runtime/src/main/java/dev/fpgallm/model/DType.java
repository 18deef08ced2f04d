package dev.fpgallm.model;

import java.util.Optional;

/** Safetensors element types. Only the floating ones can hold GPT-2 weights; the rest are recognised to say so. */
public enum DType {
    F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1);

    public final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    public boolean isFloatingWeight() {
        return this == F32 || this == F16 || this == BF16;
    }

    public static Optional<DType> parse(String name) {
        for (DType t : values()) if (t.name().equals(name)) return Optional.of(t);
        return Optional.empty();
    }
}
