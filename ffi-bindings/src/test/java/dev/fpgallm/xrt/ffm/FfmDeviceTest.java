package dev.fpgallm.xrt.ffm;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
import dev.fpgallm.xrt.XrtException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The device API over Debian's real XRT 2.13 with its no-op driver: every call the runtime makes, end to end. */
class FfmDeviceTest {
    private static final Uuid UUID = new Uuid(new byte[] {
            (byte) 0xf0, 0x1a, 0x11, 0x4d, 0x26, 0x00, 0x4e, 0x70, (byte) 0x9b, 0x1e, 0x5a, 0x33, 0x7c, 0x02, 0x60, 0x01});

    @TempDir
    Path dir;
    private XrtOptions options;
    private Device device;

    @BeforeEach
    void openDevice() {
        options = NoopXrt.options();
        device = XrtDevices.open(0, options);
    }

    @AfterEach
    void closeDevice() {
        if (device != null) device.close();
    }

    private Uuid load() {
        return device.loadXclbin(NpuXclbin.write(dir.resolve("npu.xclbin"), UUID));
    }

    @Test
    void loadsTheXclbinAndReportsItsUuid() {
        assertEquals("xrt:0", device.name());
        assertEquals(UUID, load());
        assertEquals(UUID, device.xclbinUuid());
    }

    @Test
    void aMissingXclbinIsAClearError() {
        XrtException e = assertThrows(XrtException.class, () -> device.loadXclbin(dir.resolve("absent.xclbin")));
        assertTrue(e.getMessage().contains("absent.xclbin") && e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void anXclbinXrtRejectsNamesTheCall() throws Exception {
        Path junk = java.nio.file.Files.writeString(dir.resolve("junk.xclbin"), "not an xclbin at all");
        XrtException e = assertThrows(XrtException.class, () -> device.loadXclbin(junk));
        assertTrue(e.getMessage().startsWith("xrtDeviceLoadXclbinFile("), e.getMessage());
        assertTrue(e.getMessage().contains("junk.xclbin"), e.getMessage());
    }

    @Test
    void reportsTheMemoryGroupOfEveryBufferArgument() {
        load();
        try (Kernel kernel = device.openKernel(NpuXclbin.KERNEL)) {
            assertEquals(NpuXclbin.KERNEL, kernel.name());
            for (int i = 0; i < NpuXclbin.ARGS.size(); i++) {
                int arg = i;
                if (NpuXclbin.ARGS.get(i).isBuffer()) {
                    assertEquals(NpuXclbin.expectedGroup(i), kernel.groupId(i), NpuXclbin.ARGS.get(i).name());
                } else {
                    XrtException e = assertThrows(XrtException.class, () -> kernel.groupId(arg));
                    assertTrue(e.getMessage().contains("xrtKernelArgGroupId(") && e.getMessage().contains("arg " + i)
                            && e.getMessage().contains("not a buffer argument"), e.getMessage());
                }
            }
            // The ports of docs/isa.md section 2: four weight banks apart, act and kv together, the rest together.
            assertEquals(4, java.util.stream.IntStream.rangeClosed(1, 4).map(kernel::groupId).distinct().count());
            assertEquals(kernel.groupId(6), kernel.groupId(7));
            assertEquals(kernel.groupId(0), kernel.groupId(9));
            assertNotEquals(kernel.groupId(0), kernel.groupId(6));
        }
    }

    @Test
    void aWrongKernelNameIsAClearError() {
        load();
        XrtException e = assertThrows(XrtException.class, () -> device.openKernel("npu_bottom"));
        assertTrue(e.getMessage().startsWith("xrtPLKernelOpen("), e.getMessage());
        assertTrue(e.getMessage().contains("\"npu_bottom\"") && e.getMessage().contains(UUID.toString()), e.getMessage());
        assertEquals(22, e.errno(), "XRT reports an unknown kernel as EINVAL");
    }

    @Test
    void opensTheKernelExclusively() {
        load();
        try (Kernel kernel = ((FfmDevice) device).openKernelExclusive(NpuXclbin.KERNEL)) {
            assertEquals(NpuXclbin.expectedGroup(1), kernel.groupId(1));
        }
    }

    @Test
    void mapsWritesReadsAndSyncsBothWays() {
        load();
        Random random = new Random(5);
        try (Kernel kernel = device.openKernel(NpuXclbin.KERNEL);
             BufferObject bo = device.allocate(12_288, BufferFlags.CACHEABLE, kernel.groupId(6));
             Arena arena = Arena.ofConfined()) {
            assertEquals(12_288, bo.size());
            bo.deviceAddress(); // the no-op driver has no real address; the call must work
            MemorySegment host = bo.map();
            assertEquals(bo.size(), host.byteSize());
            assertTrue(host == bo.map(), "one mapping per buffer");

            byte[] pattern = new byte[bo.size() > Integer.MAX_VALUE ? 0 : (int) bo.size()];
            random.nextBytes(pattern);
            MemorySegment.copy(pattern, 0, host, JAVA_BYTE, 0, pattern.length);
            bo.sync(SyncDirection.TO_DEVICE);
            bo.sync(SyncDirection.TO_DEVICE, 4096, 8192);
            bo.sync(SyncDirection.FROM_DEVICE, 4096, 4096);
            bo.sync(SyncDirection.FROM_DEVICE);

            // xrtBORead sees what the mapping holds (the no-op driver keeps one host copy).
            MemorySegment back = arena.allocate(bo.size());
            bo.read(back, 0);
            assertArrayEquals(pattern, back.toArray(JAVA_BYTE));

            // xrtBOWrite from native memory and from a heap array, at an offset; read into both kinds.
            MemorySegment nativeSrc = arena.allocate(1000);
            for (int i = 0; i < 1000; i++) nativeSrc.set(JAVA_BYTE, i, (byte) (i * 7));
            bo.write(nativeSrc, 3000);
            byte[] heapSrc = new byte[5000];
            random.nextBytes(heapSrc);
            bo.write(MemorySegment.ofArray(heapSrc), 7000);
            assertArrayEquals(nativeSrc.toArray(JAVA_BYTE), host.asSlice(3000, 1000).toArray(JAVA_BYTE));
            byte[] heapBack = new byte[5000];
            bo.read(MemorySegment.ofArray(heapBack), 7000);
            assertArrayEquals(heapSrc, heapBack);
            MemorySegment nativeBack = arena.allocate(1000);
            bo.read(nativeBack, 3000);
            assertEquals(-1, nativeBack.mismatch(nativeSrc));
        }
    }

    @Test
    void heapDataLargerThanTheStagingBufferRoundTrips() {
        load();
        try (Kernel kernel = device.openKernel(NpuXclbin.KERNEL);
             BufferObject bo = device.allocate(3 << 20, BufferFlags.NORMAL, kernel.groupId(1))) {
            byte[] data = new byte[(3 << 20) - 16];
            new Random(9).nextBytes(data);
            bo.write(MemorySegment.ofArray(data), 16);
            byte[] back = new byte[data.length];
            bo.read(MemorySegment.ofArray(back), 16);
            assertArrayEquals(data, back);
        }
    }

    @Test
    void outOfRangeAccessIsRefusedBeforeXrt() {
        load();
        try (Kernel kernel = device.openKernel(NpuXclbin.KERNEL);
             BufferObject bo = device.allocate(4096, BufferFlags.NORMAL, kernel.groupId(9))) {
            assertThrows(IndexOutOfBoundsException.class, () -> bo.sync(SyncDirection.TO_DEVICE, 4096, 1));
            assertThrows(IndexOutOfBoundsException.class, () -> bo.sync(SyncDirection.FROM_DEVICE, 8192, 0));
            assertThrows(IndexOutOfBoundsException.class, () -> bo.sync(SyncDirection.FROM_DEVICE, 16, -16));
            assertThrows(IndexOutOfBoundsException.class, () -> bo.write(MemorySegment.ofArray(new byte[100]), 4000));
            assertThrows(IndexOutOfBoundsException.class, () -> bo.read(MemorySegment.ofArray(new byte[4097]), 0));
            assertThrows(IndexOutOfBoundsException.class, () -> bo.map().get(JAVA_INT, 4093));
            assertThrows(IllegalArgumentException.class, () -> device.allocate(0, BufferFlags.NORMAL, 0));
        }
    }

    @Test
    void runsNpuTopWithEveryArgumentKind() {
        load();
        List<BufferObject> buffers = new ArrayList<>();
        try (Kernel kernel = device.openKernel(NpuXclbin.KERNEL); Run run = kernel.newRun()) {
            for (int i = 0; i < 10; i++) {
                BufferObject bo = device.allocate(4096 * (i + 1), BufferFlags.CACHEABLE, kernel.groupId(i));
                buffers.add(bo);
                run.setArg(i, bo);
            }
            run.setArg(10, 5);          // position: uint32 as int
            run.setArg(11, 1);          // n_tokens
            run.setArg(12, 1L);         // flags: the uint64 shape; XRT reads the 4 bytes a uint32 argument has
            buffers.get(0).map().set(JAVA_INT, 0, 0x3155504E);
            buffers.get(0).sync(SyncDirection.TO_DEVICE);

            run.start();
            assertEquals(RunState.COMPLETED, run.await());
            assertEquals(RunState.COMPLETED, run.state());

            // Again with new scalars, waiting with a timeout this time; and a zero timeout only reads the state.
            run.setArg(10, 6);
            run.start();
            assertEquals(RunState.COMPLETED, run.waitFor(Duration.ofSeconds(5)));
            assertEquals(RunState.COMPLETED, run.waitFor(Duration.ZERO));
            buffers.get(9).sync(SyncDirection.FROM_DEVICE);
        } finally {
            buffers.forEach(BufferObject::close);
        }
    }

    @Test
    void badArgumentsNameTheCall() {
        load();
        try (Kernel kernel = device.openKernel(NpuXclbin.KERNEL); Run run = kernel.newRun()) {
            XrtException e = assertThrows(XrtException.class, () -> run.setArg(13, 1));
            assertTrue(e.getMessage().startsWith("xrtRunSetArg(") && e.getMessage().contains(", 13, int 1)"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> run.setArg(-1, 1));
            BufferObject foreign = (BufferObject) Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {BufferObject.class}, (proxy, method, args) -> null);
            IllegalArgumentException wrongKind = assertThrows(IllegalArgumentException.class, () -> run.setArg(0, foreign));
            assertTrue(wrongKind.getMessage().contains("argument 0 of npu_top"), wrongKind.getMessage());
        }
    }

    @Test
    void listsTheNoopDevice() {
        List<XrtDevices.Info> devices = XrtDevices.list(options);
        assertEquals(1, devices.size(), devices.toString());
        assertEquals(0, devices.getFirst().index());
        assertTrue(devices.getFirst().driver().contains("noop"), devices.toString());
    }
}
