package dev.fpgallm.emu;

import java.util.Map;
import java.util.TreeMap;

/** Disjoint byte ranges [from, to) of device memory that hold defined data (synced by the host or written by the kernel). */
final class ValidRanges {
    private final TreeMap<Long, Long> ranges = new TreeMap<>();

    void add(long from, long to) {
        if (from >= to || firstInvalid(from, to) < 0) return; // already valid: the steady state, no allocation
        Map.Entry<Long, Long> before = ranges.floorEntry(from);
        if (before != null && before.getValue() >= from) {
            from = before.getKey();
            to = Math.max(to, before.getValue());
        }
        Map.Entry<Long, Long> next = ranges.ceilingEntry(from);
        while (next != null && next.getKey() <= to) {
            to = Math.max(to, next.getValue());
            ranges.remove(next.getKey());
            next = ranges.ceilingEntry(from);
        }
        ranges.put(from, to);
    }

    /** The first byte in [from, to) that is not valid, or -1 if all are. */
    long firstInvalid(long from, long to) {
        if (from >= to) return -1;
        Map.Entry<Long, Long> e = ranges.floorEntry(from);
        if (e == null || e.getValue() <= from) return from;
        return e.getValue() >= to ? -1 : e.getValue();
    }
}
