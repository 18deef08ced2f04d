package dev.fpgallm.xrt.ffm;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fpgallm.xrt.BufferFlags;
import dev.fpgallm.xrt.BufferObject;
import dev.fpgallm.xrt.Device;
import dev.fpgallm.xrt.Kernel;
import dev.fpgallm.xrt.Run;
import dev.fpgallm.xrt.RunState;
import dev.fpgallm.xrt.SyncDirection;
import dev.fpgallm.xrt.Uuid;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.io.TempDir;

/** Native resources over thousands of cycles, and what happens to objects after close. */
class ResourceSafetyTest {
    private static final long KB = 1024, MB = 1024 * KB;
    private static final int CYCLES = 3000;
    /** Per cycle four buffers of this size, every page touched: leaked, 3000 cycles would hold 750 MiB. */
    private static final long BUFFER_BYTES = 64 * KB;

    @TempDir
    Path dir;
    private XrtLibrary xrt;
    private Device device;
    private Kernel kernel;

    @BeforeEach
    void open() {
        XrtOptions options = NoopXrt.options();
        xrt = XrtLibrary.load(options);
        device = XrtDevices.open(0, options);
        device.loadXclbin(NpuXclbin.write(dir.resolve("npu.xclbin"), new Uuid(new byte[] {
                1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})));
        kernel = device.openKernel(NpuXclbin.KERNEL);
    }

    @AfterEach
    void close() {
        if (kernel != null) kernel.close();
        if (device != null) device.close();
    }

    @Test
    void thousandsOfCyclesLeaveNoNativeMemoryOrHandlesBehind(TestReporter report) {
        int handlesBefore = xrt.openHandles.get();
        // Control: RSS sees XRT buffer memory. 96 live buffers of 1 MiB, touched; memory freed earlier in this
        // process may serve part of them without raising RSS, so expect half.
        long base = residentBytes();
        List<BufferObject> held = new ArrayList<>();
        for (int i = 0; i < 96; i++) {
            BufferObject bo = device.allocate(MB, BufferFlags.CACHEABLE, kernel.groupId(6));
            bo.map().fill((byte) i);
            held.add(bo);
        }
        long withHeld = residentBytes();
        held.forEach(BufferObject::close);
        assertTrue(withHeld - base >= 48 * MB, "control: 96 MiB of live buffers raised RSS by only "
                + (withHeld - base) / KB + " KiB, so RSS cannot show a leak here");

        for (int i = 0; i < 200; i++) cycle(i);   // warm up: JIT, XRT's pools
        long before = residentBytes();
        int fdsBefore = openFileDescriptors();
        for (int i = 0; i < CYCLES; i++) cycle(i);
        long after = residentBytes();
        int fdsAfter = openFileDescriptors();

        report.publishEntry(String.format(Locale.ROOT, "control: 96 MiB of live buffers: RSS %+d KiB", (withHeld - base) / KB));
        report.publishEntry(String.format(Locale.ROOT, "%d alloc/map/run/free cycles: RSS %+d KiB (%d -> %d KiB), fds %d -> %d",
                CYCLES, (after - before) / KB, before / KB, after / KB, fdsBefore, fdsAfter));
        assertTrue(after - before < 48 * MB, "RSS grew by " + (after - before) / KB + " KiB over " + CYCLES
                + " cycles of " + 4 * BUFFER_BYTES / KB + " KiB each");
        assertTrue(fdsAfter <= fdsBefore + 2, "file descriptors " + fdsBefore + " -> " + fdsAfter);
        assertEquals(handlesBefore, xrt.openHandles.get(), "handles left open");
    }

    /** One launch's worth of work: allocate, map, fill, sync, run, sync back, free; a new kernel now and then. */
    private void cycle(int i) {
        Kernel k = i % 100 == 99 ? device.openKernel(NpuXclbin.KERNEL) : kernel;
        try (BufferObject program = device.allocate(BUFFER_BYTES, BufferFlags.CACHEABLE, k.groupId(0));
             BufferObject weights = device.allocate(BUFFER_BYTES, BufferFlags.NORMAL, k.groupId(1));
             BufferObject act = device.allocate(BUFFER_BYTES, BufferFlags.CACHEABLE, k.groupId(6));
             BufferObject status = device.allocate(BUFFER_BYTES, BufferFlags.CACHEABLE, k.groupId(9));
             Run run = k.newRun()) {
            for (BufferObject bo : List.of(program, weights, act, status)) {
                bo.map().fill((byte) i);
                bo.sync(SyncDirection.TO_DEVICE);
            }
            run.setArg(0, program);
            for (int w = 1; w <= 4; w++) run.setArg(w, weights);
            run.setArg(5, program);
            run.setArg(6, act);
            run.setArg(7, act);
            run.setArg(8, status);
            run.setArg(9, status);
            run.setArg(10, i);
            run.setArg(11, 1);
            run.setArg(12, 0L);
            run.start();
            assertEquals(RunState.COMPLETED, run.await());
            status.sync(SyncDirection.FROM_DEVICE, 64, 0);
        } finally {
            if (k != kernel) k.close();
        }
    }

    @Test
    void closedObjectsThrowAndCloseTwiceIsHarmless() {
        BufferObject bo = device.allocate(4096, BufferFlags.CACHEABLE, kernel.groupId(8));
        MemorySegment view = bo.map();
        view.set(JAVA_INT, 0, 42);
        Run run = kernel.newRun();
        run.setArg(8, bo);
        run.close();
        bo.close();
        assertDoesNotThrow(bo::close);
        assertDoesNotThrow(run::close);

        assertThrows(IllegalStateException.class, bo::map);
        assertThrows(IllegalStateException.class, bo::size);
        assertThrows(IllegalStateException.class, bo::deviceAddress);
        assertThrows(IllegalStateException.class, () -> bo.sync(SyncDirection.TO_DEVICE));
        assertThrows(IllegalStateException.class, () -> bo.write(MemorySegment.ofArray(new byte[4]), 0));
        assertThrows(IllegalStateException.class, () -> bo.read(MemorySegment.ofArray(new byte[4]), 0));
        // The mapping went with the buffer: reading it now is an exception, not a read of freed memory.
        assertThrows(IllegalStateException.class, () -> view.get(JAVA_INT, 0));

        assertThrows(IllegalStateException.class, () -> run.setArg(10, 1));
        assertThrows(IllegalStateException.class, run::start);
        assertThrows(IllegalStateException.class, run::state);
        assertThrows(IllegalStateException.class, run::await);

        Kernel other = device.openKernel(NpuXclbin.KERNEL);
        other.close();
        other.close();
        assertThrows(IllegalStateException.class, () -> other.groupId(0));
        assertThrows(IllegalStateException.class, other::newRun);
    }

    @Test
    void aClosedDeviceRefusesWork() {
        Device second = XrtDevices.open(0, NoopXrt.options());
        second.close();
        second.close();
        assertThrows(IllegalStateException.class, () -> second.allocate(4096, BufferFlags.NORMAL, 0));
        assertThrows(IllegalStateException.class, second::xclbinUuid);
        assertThrows(IllegalStateException.class, () -> second.openKernel(NpuXclbin.KERNEL));
    }

    @Test
    void startingWithAFreedBufferArgumentIsRefused() {
        try (Run run = kernel.newRun()) {
            BufferObject bo = device.allocate(4096, BufferFlags.CACHEABLE, kernel.groupId(9));
            run.setArg(9, bo);
            bo.close();
            IllegalStateException e = assertThrows(IllegalStateException.class, run::start);
            assertTrue(e.getMessage().contains("argument 9 of npu_top"), e.getMessage());
            try (BufferObject fresh = device.allocate(4096, BufferFlags.CACHEABLE, kernel.groupId(9))) {
                run.setArg(9, fresh);
                run.start();
                assertEquals(RunState.COMPLETED, run.await());
            }
        }
    }

    private static long residentBytes() {
        System.gc();
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/status"))) {
            String rss = lines.filter(l -> l.startsWith("VmRSS:")).findFirst().orElseThrow();
            return Long.parseLong(rss.replaceAll("[^0-9]", "")) * KB;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int openFileDescriptors() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return (int) fds.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
