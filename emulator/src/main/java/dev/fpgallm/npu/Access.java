package dev.fpgallm.npu;

/**
 * A byte range one instruction reads or writes in one buffer argument (Isa.ARG_*). Every access is checked
 * against the header's buffer sizes before the instruction runs, and feeds the statistics and the cycle model.
 */
public record Access(int arg, long from, long to, boolean write) {
    public long bytes() {
        return to - from;
    }

    /** The bytes of `rows` consecutive rows (first .. first + rows - 1) of `width` elements of `elementBytes`. */
    static Access rows(int arg, long base, long stride, int firstRow, int rows, long width, int elementBytes, boolean write) {
        if (rows == 0 || width == 0) return new Access(arg, 0, 0, write);
        long from = base + firstRow * stride;
        return new Access(arg, from, from + (rows - 1L) * stride + width * elementBytes, write);
    }

    static Access range(int arg, long from, long bytes, boolean write) {
        return bytes == 0 ? new Access(arg, 0, 0, write) : new Access(arg, from, from + bytes, write);
    }
}
