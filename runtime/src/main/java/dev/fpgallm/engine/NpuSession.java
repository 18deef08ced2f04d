package dev.fpgallm.engine;

import dev.fpgallm.compiler.CompiledModel;
import dev.fpgallm.compiler.MemoryPlan;
import dev.fpgallm.npu.isa.Isa;
import dev.fpgallm.xrt.BufferFlags;
import dev.fpgallm.xrt.BufferObject;
import dev.fpgallm.xrt.Device;
import dev.fpgallm.xrt.Kernel;
import dev.fpgallm.xrt.Run;
import dev.fpgallm.xrt.RunState;
import dev.fpgallm.xrt.SyncDirection;
import dev.fpgallm.xrt.XrtException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.time.Duration;

/**
 * A compiled model's device side, following XRT's host flow: once, open the kernel, allocate every buffer in its
 * argument's memory group, write and sync the program, weights and params, and bind the buffers to one run per
 * segment; then launches with their status check, and the row transfers a step needs. With FP16 fallback layers
 * each segment has its own program buffer and run over the same weights, params, act and kv buffers.
 */
final class NpuSession implements AutoCloseable {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    private final Device device;
    private final boolean ownsDevice;
    private final MemoryPlan plan;
    private final BufferObject[] buffers = new BufferObject[Isa.BUFFER_ARGS];
    private final BufferObject[] programs;      // one per segment; programs[0] is buffers[ARG_PROGRAM]
    private final Kernel kernel;
    private final Run[] runs;                   // one per segment
    private long launches;

    /** @param ownsDevice close the device with the session (also when opening fails) */
    NpuSession(Device device, boolean ownsDevice, CompiledModel model) {
        this.device = device;
        this.ownsDevice = ownsDevice;
        this.plan = model.plan();
        int segments = model.segments().size();
        this.programs = new BufferObject[segments];
        this.runs = new Run[segments];
        Kernel k = null;
        try {
            k = device.openKernel(Isa.KERNEL_NAME);
            byte[][] code = new byte[segments][];
            for (int s = 0; s < segments; s++) code[s] = model.segments().get(s).program().encode();
            long[] sizes = {code[0].length, plan.weightsBytes(), plan.weightsBytes(), plan.weightsBytes(),
                    plan.weightsBytes(), plan.paramsBytes(), plan.actBytes(), plan.kvBytes(), plan.logitsBytes(),
                    Isa.STATUS_BYTES};
            for (int arg = 0; arg < Isa.BUFFER_ARGS; arg++) {
                // Buffers the host reads back are cacheable (fast CPU reads on the board; sync invalidates).
                BufferFlags f = arg == Isa.ARG_LOGITS || arg == Isa.ARG_STATUS ? BufferFlags.CACHEABLE : BufferFlags.NORMAL;
                buffers[arg] = device.allocate(Math.max(16, sizes[arg]), f, k.groupId(arg));
            }
            programs[0] = buffers[Isa.ARG_PROGRAM];
            for (int s = 1; s < segments; s++)
                programs[s] = device.allocate(code[s].length, BufferFlags.NORMAL, k.groupId(Isa.ARG_PROGRAM));
            for (int s = 0; s < segments; s++) upload(programs[s], code[s]);
            for (int p = 0; p < Isa.WEIGHT_PORTS; p++) upload(buffers[Isa.ARG_WEIGHTS0 + p], model.weights()[p]);
            upload(buffers[Isa.ARG_PARAMS], model.params());
            for (int s = 0; s < segments; s++) {
                runs[s] = k.newRun();
                for (int arg = 0; arg < Isa.BUFFER_ARGS; arg++)
                    runs[s].setArg(arg, arg == Isa.ARG_PROGRAM ? programs[s] : buffers[arg]);
            }
        } catch (RuntimeException e) {
            for (Run r : runs) if (r != null) r.close();
            if (k != null) k.close();
            closeBuffers();
            if (ownsDevice) device.close();
            throw e;
        }
        this.kernel = k;
    }

    private static void upload(BufferObject buffer, byte[] bytes) {
        if (bytes.length == 0) return;
        buffer.write(MemorySegment.ofArray(bytes), 0);
        buffer.sync(SyncDirection.TO_DEVICE, bytes.length, 0);
    }

    Device device() {
        return device;
    }

    /** Kernel launches since the session opened. */
    long launchCount() {
        return launches;
    }

    /** The host's view of act, where the input rows (resA) are written and read. */
    MemorySegment act() {
        return buffers[Isa.ARG_ACT].map();
    }

    /** The host's view of logits, valid for the rows {@link #syncLogitsBack} brought back. */
    MemorySegment logits() {
        return buffers[Isa.ARG_LOGITS].map();
    }

    /** Syncs act's first n input rows to the device. */
    void syncRowsIn(int n) {
        buffers[Isa.ARG_ACT].sync(SyncDirection.TO_DEVICE, (long) n * plan.dStride(), plan.resA());
    }

    /** Syncs act's first n input rows (the residual a segment left there) back to the host. */
    void syncRowsBack(int n) {
        buffers[Isa.ARG_ACT].sync(SyncDirection.FROM_DEVICE, (long) n * plan.dStride(), plan.resA());
    }

    /** Syncs the first {@code rows} logits rows back to the host. */
    void syncLogitsBack(long rows) {
        buffers[Isa.ARG_LOGITS].sync(SyncDirection.FROM_DEVICE, rows * plan.logitStride(), 0);
    }

    /** One launch of segment {@code s}'s run; checks the run's state and the status words. */
    void launch(int s, int position, int n, int flags) {
        Run run = runs[s];
        run.setArg(Isa.ARG_POSITION, position);
        run.setArg(Isa.ARG_N_TOKENS, n);
        run.setArg(Isa.ARG_FLAGS, flags);
        run.start();
        launches++;
        RunState state = run.waitFor(TIMEOUT);
        if (state != RunState.COMPLETED)
            throw new XrtException("npu_top ended in state " + state + " (position " + position + ", " + n + " tokens)");
        BufferObject status = buffers[Isa.ARG_STATUS];
        status.sync(SyncDirection.FROM_DEVICE, Isa.STATUS_BYTES, 0);
        int code = status.map().get(INT, 0);
        if (code != Isa.OK)
            throw new XrtException("npu_top reported " + Isa.statusName(code) + " at instruction "
                    + status.map().get(INT, 4) + " (position " + position + ", " + n + " tokens)");
    }

    /** Syncs a whole buffer back from the device and returns a copy of it (diagnostics and tests). */
    byte[] deviceBytes(int arg) {
        BufferObject b = buffers[arg];
        b.sync(SyncDirection.FROM_DEVICE);
        return b.map().toArray(ValueLayout.JAVA_BYTE);
    }

    private void closeBuffers() {
        for (int s = 1; s < programs.length; s++) {
            if (programs[s] != null) programs[s].close();
            programs[s] = null;
        }
        for (int i = 0; i < buffers.length; i++) {
            if (buffers[i] != null) buffers[i].close();
            buffers[i] = null;
        }
    }

    @Override
    public void close() {
        for (Run r : runs) r.close();
        kernel.close();
        closeBuffers();
        if (ownsDevice) device.close();
    }
}
