package dev.fpgallm.emu;

/**
 * Disjoint byte ranges [from, to) of device memory that hold defined data (synced by the host or written by the
 * kernel), sorted, with touching ranges merged. Sorted parallel arrays and binary search rather than a map of boxed
 * longs: strict mode asks this for every range every instruction reads, and the steady state must not allocate.
 */
final class ValidRanges {
    private long[] from = new long[16], to = new long[16];
    private int size;

    void add(long f, long t) {
        if (f >= t || firstInvalid(f, t) < 0) return; // already valid: the steady state
        int below = floor(f);
        int a = below >= 0 && to[below] >= f ? below : below + 1; // first range touching [f, t]
        int b = floor(t);                                          // last range starting at or before t
        if (a > b) {
            if (size == from.length) {
                from = java.util.Arrays.copyOf(from, 2 * size);
                to = java.util.Arrays.copyOf(to, 2 * size);
            }
            System.arraycopy(from, a, from, a + 1, size - a);
            System.arraycopy(to, a, to, a + 1, size - a);
            from[a] = f;
            to[a] = t;
            size++;
            return;
        }
        from[a] = Math.min(f, from[a]);
        to[a] = Math.max(t, to[b]);
        int gone = b - a;
        System.arraycopy(from, b + 1, from, a + 1, size - b - 1);
        System.arraycopy(to, b + 1, to, a + 1, size - b - 1);
        size -= gone;
    }

    /** The first byte in [from, to) that is not valid, or -1 if all are. */
    long firstInvalid(long f, long t) {
        if (f >= t) return -1;
        int i = floor(f);
        if (i < 0 || to[i] <= f) return f;
        return to[i] >= t ? -1 : to[i];
    }

    /** The index of the last range starting at or before x, or -1. */
    private int floor(long x) {
        int lo = 0, hi = size - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (from[mid] <= x) lo = mid + 1;
            else hi = mid - 1;
        }
        return hi;
    }
}
