package dev.fpgallm.npu.isa;

/**
 * The byte ranges an instruction touches in one launch, as reusable parallel arrays: filled anew for every
 * instruction without allocating, so the per-token path stays allocation-free.
 */
public final class AccessList {
    private int[] arg = new int[64];
    private long[] from = new long[64], to = new long[64];
    private boolean[] write = new boolean[64];
    private int size;

    public void clear() {
        size = 0;
    }

    public int size() {
        return size;
    }

    public int arg(int i) {
        return arg[i];
    }

    public long from(int i) {
        return from[i];
    }

    public long to(int i) {
        return to[i];
    }

    public boolean write(int i) {
        return write[i];
    }

    public long bytes(int i) {
        return to[i] - from[i];
    }

    /** A range [from, to); empty ranges are kept out. */
    void add(int a, long f, long t, boolean w) {
        if (t <= f) return;
        if (size == arg.length) {
            arg = java.util.Arrays.copyOf(arg, 2 * size);
            from = java.util.Arrays.copyOf(from, 2 * size);
            to = java.util.Arrays.copyOf(to, 2 * size);
            write = java.util.Arrays.copyOf(write, 2 * size);
        }
        arg[size] = a;
        from[size] = f;
        to[size] = t;
        write[size] = w;
        size++;
    }

    /** {@code rows} consecutive rows from {@code firstRow}, of {@code width} elements of {@code elementBytes}. */
    void rows(int a, long base, long stride, int firstRow, int rows, long width, int elementBytes, boolean w) {
        if (rows == 0 || width == 0) return;
        long f = base + firstRow * stride;
        add(a, f, f + (rows - 1L) * stride + width * elementBytes, w);
    }

    void range(int a, long f, long bytes, boolean w) {
        add(a, f, f + bytes, w);
    }
}
