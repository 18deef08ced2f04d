package dev.fpgallm.board;

import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import dev.fpgallm.UserError;
import dev.fpgallm.xrt.BufferFlags;
import dev.fpgallm.xrt.BufferObject;
import dev.fpgallm.xrt.Device;
import dev.fpgallm.xrt.Kernel;
import dev.fpgallm.xrt.Run;
import dev.fpgallm.xrt.RunState;
import dev.fpgallm.xrt.SyncDirection;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Runs the bandwidth probe kernel bw_probe (hls-kernels/probe/bw_probe.h) on an XRT device: four buffers of random
 * data, one per read port, then launches timed on the host. Every launch's result is checked: status 0 and, per
 * port, the XOR of exactly the beats it was asked to read, so a time is only kept for data that really came from
 * memory (a no-op or wrong xclbin is refused, not measured).
 */
public final class BandwidthProbe implements AutoCloseable {
    public static final String KERNEL = "bw_probe";
    public static final int PORTS = 4;
    public static final int MAX_BURST_BEATS = 256;
    private static final int RESULT_WORDS = 1 + 2 * PORTS;
    private static final int ARG_RESULT = 4, ARG_PORTS = 5, ARG_BURST = 6, ARG_BURSTS = 7, ARG_STRIDE = 8, ARG_OUTSTANDING = 9;
    private static final String[] STATUS = {"ok", "bad port count", "bad burst length", "bad stride", "more requests in flight than the kernel was built for"};

    /** One grid point: active ports, beats per burst, requests in flight per port, stride in bursts (1: contiguous). */
    public record Point(int ports, int burstBeats, int outstanding, int gap) {
        public Point {
            if (ports < 1 || ports > PORTS) throw new UserError("ports must be 1.." + PORTS + ", got " + ports);
            if (burstBeats < 1 || burstBeats > MAX_BURST_BEATS || Integer.bitCount(burstBeats) != 1)
                throw new UserError("a burst is a power of two of 16-byte beats up to " + MAX_BURST_BEATS + " (16..4096 bytes), got "
                        + burstBeats + " beats");
            if (outstanding < 1) throw new UserError("requests in flight must be at least 1, got " + outstanding);
            if (gap < 1) throw new UserError("the gap (stride in bursts) must be at least 1, got " + gap);
        }
    }

    private final Kernel kernel;
    private final BufferObject[] in = new BufferObject[PORTS];
    private final BufferObject result;
    private final long[][] data = new long[PORTS][];
    private final long portBeats;
    private final Arena arena = Arena.ofConfined();

    /** Loads {@code xclbin} on {@code device} and fills {@code portBytes} of random data behind each port. */
    public BandwidthProbe(Device device, Path xclbin, long portBytes) {
        if (portBytes % (MAX_BURST_BEATS * BandwidthRow.BEAT_BYTES) != 0)
            throw new UserError("the buffer per port must be a multiple of 4 KB, got " + portBytes + " bytes");
        device.loadXclbin(xclbin);
        kernel = device.openKernel(KERNEL);
        portBeats = portBytes / BandwidthRow.BEAT_BYTES;
        SplittableRandom random = new SplittableRandom(20261201);
        try {
            for (int p = 0; p < PORTS; p++) {
                in[p] = device.allocate(portBytes, BufferFlags.NORMAL, kernel.groupId(p));
                data[p] = random.longs(portBeats * 2).toArray();
                MemorySegment.copy(MemorySegment.ofArray(data[p]), 0, in[p].map(), 0, portBytes);
                in[p].sync(SyncDirection.TO_DEVICE);
            }
            result = device.allocate(RESULT_WORDS * 8L, BufferFlags.NORMAL, kernel.groupId(ARG_RESULT));
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** How many bursts of {@code p} fit in one port's buffer. */
    public long bursts(Point p) {
        return portBeats / ((long) p.burstBeats() * p.gap());
    }

    /** Bytes one launch of {@code p} reads over all its ports. */
    public long bytes(Point p) {
        return bursts(p) * p.burstBeats() * BandwidthRow.BEAT_BYTES * p.ports();
    }

    /** Wall times in ms of {@code repeats} launches of {@code p}, after one unmeasured; each result checked. */
    public double[] time(Point p, int repeats) {
        return time(p, bursts(p), repeats);
    }

    /** Wall times of launches that read nothing: what launch and completion cost. */
    public double[] timeEmpty(int repeats) {
        return time(new Point(PORTS, 16, 1, 1), 0, repeats);
    }

    private double[] time(Point p, long bursts, int repeats) {
        double[] ms = new double[repeats];
        try (Run run = kernel.newRun()) {
            for (int a = 0; a < PORTS; a++) run.setArg(a, in[a]);
            run.setArg(ARG_RESULT, result);
            run.setArg(ARG_PORTS, p.ports());
            run.setArg(ARG_BURST, p.burstBeats());
            run.setArg(ARG_BURSTS, (int) bursts);
            run.setArg(ARG_STRIDE, p.burstBeats() * p.gap());
            run.setArg(ARG_OUTSTANDING, p.outstanding());
            for (int r = -1; r < repeats; r++) {
                long t0 = System.nanoTime();
                run.start();
                RunState state = run.await();
                long t1 = System.nanoTime();
                if (state != RunState.COMPLETED) throw new UserError("bw_probe launch ended " + state + " (" + p + ")");
                if (r >= 0) ms[r] = (t1 - t0) / 1e6;
            }
        }
        check(p, bursts);
        return ms;
    }

    /** Status 0 and every port's XOR as the host data says. */
    private void check(Point p, long bursts) {
        result.sync(SyncDirection.FROM_DEVICE);
        MemorySegment words = arena.allocate(RESULT_WORDS * 8L);
        result.read(words, 0);
        long status = words.get(JAVA_LONG_UNALIGNED, 0);
        if (status != 0)
            throw new UserError("bw_probe refused " + p + ": status " + status
                    + (status < STATUS.length ? " (" + STATUS[(int) status] + ")" : ""));
        for (int port = 0; port < PORTS; port++) {
            long[] want = port < p.ports() ? xor(port, p, bursts) : new long[2];
            long lo = words.get(JAVA_LONG_UNALIGNED, (1 + 2 * port) * 8L), hi = words.get(JAVA_LONG_UNALIGNED, (2 + 2 * port) * 8L);
            if (lo != want[0] || hi != want[1])
                throw new UserError("bw_probe port " + port + " did not read the data written (" + p + "): this xclbin is not"
                        + " bw_probe running on a board (XRT's no-op driver, for one, computes nothing); no row written");
        }
    }

    /** XOR of the 128-bit beats port {@code port} reads for {@code p}: little-endian, low word first. */
    long[] xor(int port, Point p, long bursts) {
        long lo = 0, hi = 0;
        long stride = (long) p.burstBeats() * p.gap();
        for (long b = 0; b < bursts; b++)
            for (long i = b * stride; i < b * stride + p.burstBeats(); i++) {
                lo ^= data[port][(int) (2 * i)];
                hi ^= data[port][(int) (2 * i + 1)];
            }
        return new long[] {lo, hi};
    }

    public static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    @Override
    public void close() {
        for (BufferObject b : in) if (b != null) b.close();
        if (result != null) result.close();
        kernel.close();
        arena.close();
    }
}
