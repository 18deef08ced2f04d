package dev.fpgallm.xrt;

import java.util.Arrays;
import java.util.HexFormat;

/** An xclbin UUID (XRT's 16-byte {@code xuid_t}). */
public record Uuid(byte[] bytes) {
    public Uuid {
        if (bytes.length != 16) throw new IllegalArgumentException("a UUID has 16 bytes, got " + bytes.length);
        bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Uuid u && Arrays.equals(bytes, u.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        String h = HexFormat.of().formatHex(bytes);
        return h.substring(0, 8) + "-" + h.substring(8, 12) + "-" + h.substring(12, 16) + "-" + h.substring(16, 20) + "-" + h.substring(20);
    }
}
