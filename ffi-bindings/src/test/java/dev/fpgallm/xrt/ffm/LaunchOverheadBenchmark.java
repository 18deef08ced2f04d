package dev.fpgallm.xrt.ffm;

import dev.fpgallm.xrt.BufferFlags;
import dev.fpgallm.xrt.BufferObject;
import dev.fpgallm.xrt.Device;
import dev.fpgallm.xrt.Kernel;
import dev.fpgallm.xrt.Run;
import dev.fpgallm.xrt.RunState;
import dev.fpgallm.xrt.Uuid;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Host time of one npu_top launch through FFM with XRT's no-op driver: 13 xrtRunSetArg (10 buffers, 3 scalars),
 * xrtRunStart, xrtRunWait. The no-op driver completes the command at once, so this is XRT's and the binding's cost
 * per launch, not the kernel's. Each launch is timed on its own; the report is the median and spread. Not a test
 * (timing assertions on a shared machine would be flaky): run it by hand, see ffi-bindings/README.md.
 */
public final class LaunchOverheadBenchmark {
    public static void main(String[] args) throws Exception {
        int launches = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
        XrtOptions options = new XrtOptions(XrtOptions.DEFAULT_LIBRARY, List.of("libxrt_noop.so.2"), Map.of())
                .withIni("Runtime.runtime_log", "null");
        Path dir = Files.createTempDirectory("xrt-bench");
        Path xclbin = NpuXclbin.write(dir.resolve("npu.xclbin"), new Uuid(new byte[] {
                7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7}));
        List<BufferObject> buffers = new ArrayList<>();
        try (Device device = XrtDevices.open(0, options)) {
            device.loadXclbin(xclbin);
            try (Kernel kernel = device.openKernel(NpuXclbin.KERNEL); Run run = kernel.newRun()) {
                for (int i = 0; i < 10; i++) buffers.add(device.allocate(1 << 16, BufferFlags.CACHEABLE, kernel.groupId(i)));
                Runnable launch = () -> {
                    for (int i = 0; i < 10; i++) run.setArg(i, buffers.get(i));
                    run.setArg(10, 17);
                    run.setArg(11, 1);
                    run.setArg(12, 0);
                    run.start();
                    if (run.await() != RunState.COMPLETED) throw new IllegalStateException("run did not complete");
                };
                Runnable setArgs = () -> {
                    for (int i = 0; i < 10; i++) run.setArg(i, buffers.get(i));
                    run.setArg(10, 17);
                    run.setArg(11, 1);
                    run.setArg(12, 0);
                };
                Runnable startWait = () -> {
                    run.start();
                    run.await();
                };
                Runnable state = run::state;

                System.out.printf("XRT %s with %s, %d launches each, %d CPUs, Java %s%n", options.library(),
                        options.preload(), launches, Runtime.getRuntime().availableProcessors(),
                        System.getProperty("java.version"));
                report("launch: setArg x13 + start + wait", time(launch, launches));
                report("setArg x13 alone", time(setArgs, launches));
                report("start + wait alone", time(startWait, launches));
                report("xrtRunState alone (one downcall)", time(state, launches));
            } finally {
                buffers.forEach(BufferObject::close);
            }
        } finally {
            Files.deleteIfExists(xclbin);
            Files.deleteIfExists(dir);
        }
    }

    /** Nanoseconds of each of {@code n} timed calls, after as many untimed ones to warm up the JIT. */
    private static long[] time(Runnable work, int n) {
        for (int i = 0; i < n; i++) work.run();
        long[] ns = new long[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            work.run();
            ns[i] = System.nanoTime() - t0;
        }
        Arrays.sort(ns);
        return ns;
    }

    private static void report(String what, long[] sorted) {
        System.out.printf("  %-36s median %7.2f us   p10 %7.2f   p90 %7.2f   p99 %7.2f%n", what,
                at(sorted, 0.5), at(sorted, 0.1), at(sorted, 0.9), at(sorted, 0.99));
    }

    private static double at(long[] sorted, double q) {
        return sorted[(int) Math.min(sorted.length - 1, Math.round(q * (sorted.length - 1)))] / 1000.0;
    }
}
