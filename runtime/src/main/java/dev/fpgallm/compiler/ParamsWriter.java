package dev.fpgallm.compiler;

import java.util.Arrays;

/** Appends int32 records to the params buffer, each starting on a 16-byte boundary; returns their byte offsets. */
final class ParamsWriter {
    private int[] words = new int[1 << 16];
    private int size;

    int append(int[] record) {
        int at = (size + 3) & ~3; // 4 words = 16 bytes
        if (at + record.length > words.length) words = Arrays.copyOf(words, Math.max(words.length * 2, at + record.length));
        System.arraycopy(record, 0, words, at, record.length);
        size = at + record.length;
        return 4 * at;
    }

    int bytes() {
        return 4 * ((size + 3) & ~3);
    }

    byte[] toBytes() {
        byte[] b = new byte[bytes()];
        for (int i = 0; i < size; i++) {
            b[4 * i] = (byte) words[i];
            b[4 * i + 1] = (byte) (words[i] >> 8);
            b[4 * i + 2] = (byte) (words[i] >> 16);
            b[4 * i + 3] = (byte) (words[i] >> 24);
        }
        return b;
    }
}
