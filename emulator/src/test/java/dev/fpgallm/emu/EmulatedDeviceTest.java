package dev.fpgallm.emu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fpgallm.npu.isa.Gemm;
import dev.fpgallm.npu.isa.Isa;
import dev.fpgallm.npu.isa.NpuMath;
import dev.fpgallm.npu.isa.Program;
import dev.fpgallm.npu.isa.ProgramHeader;
import dev.fpgallm.xrt.BufferFlags;
import dev.fpgallm.xrt.BufferObject;
import dev.fpgallm.xrt.Kernel;
import dev.fpgallm.xrt.Run;
import dev.fpgallm.xrt.RunState;
import dev.fpgallm.xrt.SyncDirection;
import dev.fpgallm.xrt.XrtException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The device API over emulated memory: syncs matter, strict mode names what went wrong, handles close cleanly. */
class EmulatedDeviceTest {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;

    /** y = x (identity on channel 0) for a 16-wide row: a one-instruction program. */
    private static final class Setup implements AutoCloseable {
        final EmulatedDevice device;
        final Kernel kernel;
        final BufferObject[] bo = new BufferObject[Isa.BUFFER_ARGS];
        final Run run;

        Setup(boolean strict) {
            device = new EmulatedDevice(strict, 1);
            kernel = device.openKernel(Isa.KERNEL_NAME);
            Gemm g = new Gemm(Isa.ROWS_ALL, Isa.OUT_INT16, false, false, 16, 64, 0, 32, 256, 128, 0, 0, 0, 0, 0, 0);
            byte[] program = new Program(new ProgramHeader(1, 1024, 512, 1024, 64, 64, 2, 4), List.of(g)).encode();
            long[] sizes = {program.length, 1024, 1024, 1024, 1024, 512, 1024, 64, 64, 64};
            for (int i = 0; i < Isa.BUFFER_ARGS; i++) bo[i] = device.allocate(sizes[i], BufferFlags.NORMAL, kernel.groupId(i));
            bo[0].write(MemorySegment.ofArray(program), 0);
            bo[0].sync(SyncDirection.TO_DEVICE);
            byte[] w = new byte[1024];
            for (int c = 0; c < 16; c++) w[c * 16] = 1;                 // tile column 0: channel c reads input 0
            bo[1].write(MemorySegment.ofArray(w), 0);
            byte[] params = new byte[512];
            for (int c = 0; c < 64; c++) params[8 * c + 4] = 1;           // mult 1, shift 0
            bo[5].write(MemorySegment.ofArray(params), 0);
            for (int i = 1; i <= 5; i++) bo[i].sync(SyncDirection.TO_DEVICE);
            run = kernel.newRun();
            for (int i = 0; i < Isa.BUFFER_ARGS; i++) run.setArg(i, bo[i]);
            run.setArg(Isa.ARG_POSITION, 0);
            run.setArg(Isa.ARG_N_TOKENS, 1);
            run.setArg(Isa.ARG_FLAGS, 0);
        }

        @Override
        public void close() {
            run.close();
            for (BufferObject b : bo) b.close();
            kernel.close();
            assertEquals(0, device.openBuffers());
            device.close();
        }
    }

    @Test
    void hostFlowWithSyncsComputes() {
        try (Setup s = new Setup(true)) {
            s.bo[6].map().set(SHORT, 0, (short) 321);
            s.bo[6].sync(SyncDirection.TO_DEVICE, 32, 0);   // only the input row
            s.run.start();
            assertEquals(RunState.COMPLETED, s.run.waitFor(Duration.ofSeconds(1)));
            assertEquals(0, s.bo[6].map().get(SHORT, 256), "the host sees nothing before syncing back");
            s.bo[6].sync(SyncDirection.FROM_DEVICE, 128, 256);
            assertEquals(321, s.bo[6].map().get(SHORT, 256));
            assertEquals(321, s.bo[6].map().get(SHORT, 256 + 2 * 15));
            s.bo[9].sync(SyncDirection.FROM_DEVICE);
            assertEquals(1, s.bo[9].map().get(ValueLayout.JAVA_INT_UNALIGNED, 8), "one instruction executed");
        }
    }

    @Test
    void missingSyncIsCaughtInStrictModeAndGivesStaleDataOtherwise() {
        try (Setup s = new Setup(true)) {
            s.bo[6].map().set(SHORT, 0, (short) 321);          // written but never synced
            XrtException e = assertThrows(XrtException.class, s.run::start);
            assertTrue(e.getMessage().contains("act") && e.getMessage().contains("never synced"), e.getMessage());
            assertEquals(RunState.ERROR, s.run.state());
        }
        try (Setup s = new Setup(false)) {
            s.bo[6].map().set(SHORT, 0, (short) 321);
            s.run.start();
            s.bo[6].sync(SyncDirection.FROM_DEVICE);
            assertEquals(0, s.bo[6].map().get(SHORT, 256), "like a board: the kernel read stale device memory");
        }
    }

    /** The device's panel copy of the weights follows every sync to the device, and only syncs. */
    @Test
    void resyncedWeightsChangeTheResult() {
        try (Setup s = new Setup(true)) {
            s.bo[6].map().set(SHORT, 0, (short) 321);
            s.bo[6].sync(SyncDirection.TO_DEVICE, 32, 0);
            int[] expected = {321, 642, 642, -963};
            byte[] weight0 = {1, 2, 3, -3};
            boolean[] synced = {true, true, false, true};
            for (int step = 0; step < expected.length; step++) {
                s.bo[1].map().set(ValueLayout.JAVA_BYTE, 0, weight0[step]);   // channel 0's weight for input 0
                if (synced[step]) s.bo[1].sync(SyncDirection.TO_DEVICE);
                s.run.start();
                s.bo[6].sync(SyncDirection.FROM_DEVICE, 128, 256);
                assertEquals(expected[step], s.bo[6].map().get(SHORT, 256), "step " + step);
                assertEquals(321, s.bo[6].map().get(SHORT, 256 + 2), "channel 1 keeps weight 1");
            }
        }
    }

    @Test
    void wrongMemoryGroupIsNamed() {
        try (Setup s = new Setup(true); BufferObject elsewhere = s.device.allocate(1024, BufferFlags.NORMAL, 0)) {
            XrtException e = assertThrows(XrtException.class, () -> s.run.setArg(Isa.ARG_ACT, elsewhere));
            assertTrue(e.getMessage().contains("act") && e.getMessage().contains("HPC0") && e.getMessage().contains("HP0"), e.getMessage());
        }
    }

    @Test
    void argumentsAndHandlesAreChecked() {
        try (Setup s = new Setup(true)) {
            assertThrows(XrtException.class, () -> s.kernel.groupId(Isa.ARG_POSITION));
            assertThrows(XrtException.class, () -> s.device.openKernel("vadd"));
            assertThrows(XrtException.class, () -> s.run.setArg(Isa.ARG_FLAGS, -1L));
            assertThrows(IllegalArgumentException.class, () -> s.bo[6].sync(SyncDirection.TO_DEVICE, 16, 1020));
            try (Run fresh = s.kernel.newRun()) {
                XrtException e = assertThrows(XrtException.class, fresh::start);
                assertTrue(e.getMessage().contains("program"), e.getMessage());
            }
            BufferObject extra = s.device.allocate(64, BufferFlags.CACHEABLE, 5);
            extra.close();
            extra.close(); // twice is harmless
            assertThrows(IllegalStateException.class, extra::map);
        }
    }

    @Test
    void writeAndReadCopyThroughTheHostSide() {
        try (Setup s = new Setup(true)) {
            byte[] src = {1, 2, 3, 4};
            s.bo[8].write(MemorySegment.ofArray(src), 10);
            byte[] dst = new byte[4];
            s.bo[8].read(MemorySegment.ofArray(dst), 10);
            assertArrayEquals(src, dst);
            assertEquals(64, s.bo[8].map().byteSize());
            assertTrue(s.bo[8].deviceAddress() > 0);
        }
    }

    @Test
    void kernelStatusReportsOutOfBoundsPrograms() {
        try (Setup s = new Setup(true)) {
            byte[] program = new Program(new ProgramHeader(1, 1024, 512, 1024, 64, 64, 2, 4), List.of(
                    new Gemm(Isa.ROWS_ALL, Isa.OUT_INT16, false, false, 16, 64, 0, 32, 1024, 128, 0, 0, 0, 0, 0, 0))).encode();
            s.bo[0].write(MemorySegment.ofArray(program), 0);
            s.bo[0].sync(SyncDirection.TO_DEVICE);
            s.bo[6].sync(SyncDirection.TO_DEVICE);
            s.run.start();
            s.bo[9].sync(SyncDirection.FROM_DEVICE);
            assertEquals(Isa.OUT_OF_BOUNDS, s.bo[9].map().get(ValueLayout.JAVA_INT_UNALIGNED, 0));
            assertEquals(NpuMath.requantizer(1, 0), 1);
        }
    }

    /** Launches the set-up run {@code times} times with the input row synced: warms the strict checks' cache. */
    private static void warm(Setup s, int times) {
        s.bo[6].sync(SyncDirection.TO_DEVICE, 32, 0);
        for (int i = 0; i < times; i++) {
            s.run.start();
            assertEquals(RunState.COMPLETED, s.run.state());
        }
    }

    @Test
    void warmStrictChecksStillCatchRowsNeverSynced() {
        try (Setup s = new Setup(true)) {
            warm(s, 3);
            s.run.setArg(Isa.ARG_N_TOKENS, 2);                       // row 1, bytes [32, 64), was never synced
            XrtException e = assertThrows(XrtException.class, s.run::start);
            assertTrue(e.getMessage().contains("reads byte 32 of argument 6"), e.getMessage());
        }
    }

    @Test
    void warmStrictChecksStillCatchAReboundBufferNeverSynced() {
        try (Setup s = new Setup(true); BufferObject fresh = s.device.allocate(1024, BufferFlags.NORMAL, s.kernel.groupId(Isa.ARG_ACT))) {
            warm(s, 3);
            s.run.setArg(Isa.ARG_ACT, fresh);
            XrtException e = assertThrows(XrtException.class, s.run::start);
            assertTrue(e.getMessage().contains("reads byte 0 of argument 6"), e.getMessage());
        }
    }

    @Test
    void changedProgramBytesAreDecodedAndCheckedAnew() {
        try (Setup s = new Setup(true)) {
            warm(s, 3);
            // the same GEMM reading its input at 512, which the host never synced
            Gemm g = new Gemm(Isa.ROWS_ALL, Isa.OUT_INT16, false, false, 16, 64, 512, 32, 256, 128, 0, 0, 0, 0, 0, 0);
            byte[] program = new Program(new ProgramHeader(1, 1024, 512, 1024, 64, 64, 2, 4), List.of(g)).encode();
            s.bo[0].write(MemorySegment.ofArray(program), 0);
            s.bo[0].sync(SyncDirection.TO_DEVICE);
            XrtException e = assertThrows(XrtException.class, s.run::start);
            assertTrue(e.getMessage().contains("reads byte 512 of argument 6"), e.getMessage());
            s.bo[6].map().set(SHORT, 512, (short) -77);
            s.bo[6].sync(SyncDirection.TO_DEVICE, 32, 512);
            s.run.start();
            s.bo[6].sync(SyncDirection.FROM_DEVICE, 128, 256);
            assertEquals(-77, s.bo[6].map().get(SHORT, 256), "the new program ran");
        }
    }
}
