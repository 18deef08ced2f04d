package dev.fpgallm.emu;

import dev.fpgallm.npu.isa.AccessList;
import dev.fpgallm.npu.interpreter.Npu;
import dev.fpgallm.npu.isa.Isa;
import dev.fpgallm.npu.interpreter.LaunchReport;
import dev.fpgallm.npu.interpreter.NpuMemory;
import dev.fpgallm.xrt.BufferObject;
import dev.fpgallm.xrt.Run;
import dev.fpgallm.xrt.RunState;
import dev.fpgallm.xrt.XrtException;
import java.time.Duration;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * A run of npu_top. The launch executes inside {@link #start()} (the emulator has no second clock to run on), so
 * {@link #waitFor} finds it done. Its statistics stay available as {@link #lastReport()}.
 */
public final class EmulatedRun implements Run {
    private final EmulatedDevice device;
    private final EmulatedBuffer[] buffers = new EmulatedBuffer[Isa.BUFFER_ARGS];
    private final long[] scalars = new long[Isa.ARG_COUNT];
    private final boolean[] set = new boolean[Isa.ARG_COUNT];
    private final NpuMemory memory = new NpuMemory();
    private final Npu.AccessObserver strictObserver = this::observe;
    /**
     * Fixed access lists (see {@link Npu.AccessObserver}) whose reads were all valid with the buffers bound now. Valid
     * ranges only grow, so such a list stays valid and its writes are already recorded: a decode step re-checks only
     * ATTENTION's cached rows. Rebinding a buffer forgets them.
     */
    private final Set<AccessList> verified = Collections.newSetFromMap(new IdentityHashMap<>());
    private RunState state = RunState.NEW;
    private LaunchReport lastReport;
    private boolean closed;

    EmulatedRun(EmulatedDevice device) {
        this.device = device;
    }

    @Override
    public void setArg(int index, BufferObject buffer) {
        open();
        if (index < 0 || index >= Isa.BUFFER_ARGS)
            throw new XrtException("argument " + index + " of npu_top is not a buffer argument");
        if (!(buffer instanceof EmulatedBuffer b)) throw new XrtException("argument " + index + ": not an emulated buffer");
        int expected = EmulatedDevice.groupOf(index);
        if (device.isStrict() && b.group() != expected)
            throw new XrtException("argument " + index + " (" + Isa.ARG_NAMES[index] + ") is connected to memory group "
                    + expected + " (" + EmulatedDevice.PORTS.get(expected) + ") but its buffer was allocated in group "
                    + b.group() + " (" + EmulatedDevice.PORTS.get(b.group()) + ")");
        if (buffers[index] != b) verified.clear();
        buffers[index] = b;
        set[index] = true;
    }

    @Override
    public void setArg(int index, int value) {
        setScalar(index, Integer.toUnsignedLong(value));
    }

    @Override
    public void setArg(int index, long value) {
        if (value < 0 || value > 0xFFFFFFFFL)
            throw new XrtException("argument " + index + " of npu_top is 32 bits wide; " + value + " does not fit");
        setScalar(index, value);
    }

    private void setScalar(int index, long value) {
        open();
        if (index < Isa.BUFFER_ARGS || index >= Isa.ARG_COUNT)
            throw new XrtException("argument " + index + " of npu_top is not a scalar argument");
        scalars[index] = value;
        set[index] = true;
    }

    @Override
    public void start() {
        open();
        for (int i = 0; i < Isa.ARG_COUNT; i++)
            if (!set[i]) throw new XrtException("npu_top argument " + i + " (" + Isa.ARG_NAMES[i] + ") was never set");
        for (int arg : Isa.WRITTEN_ARGS) buffers[arg].writtenByKernel(); // before: a failing launch may have written too
        for (int i = 0; i < Isa.BUFFER_ARGS; i++) memory.set(i, buffers[i].deviceBytes(), buffers[i].version());
        state = RunState.RUNNING;
        try {
            lastReport = device.npu().launch(memory, (int) scalars[Isa.ARG_POSITION], (int) scalars[Isa.ARG_N_TOKENS],
                    (int) scalars[Isa.ARG_FLAGS], device.isStrict() ? strictObserver : null);
        } catch (IllegalArgumentException e) {
            state = RunState.ERROR;
            throw new XrtException("npu_top: " + e.getMessage());
        } catch (XrtException e) {
            state = RunState.ERROR;
            throw e;
        }
        buffers[Isa.ARG_STATUS].valid.add(0, Isa.STATUS_BYTES);
        state = RunState.COMPLETED;
    }

    /** Strict mode: every byte read must hold data the host synced or the kernel wrote. */
    private void observe(int instruction, dev.fpgallm.npu.isa.Instruction op, AccessList a, boolean fixed) {
        if (fixed && verified.contains(a)) return;
        for (int i = 0; i < a.size(); i++) {
            if (a.write(i)) continue;
            EmulatedBuffer b = buffers[a.arg(i)];
            long bad = b.valid.firstInvalid(a.from(i), a.to(i));
            if (bad >= 0)
                throw new XrtException("strict emulator: instruction " + instruction + " (" + op.getClass().getSimpleName()
                        + ") reads byte " + bad + " of argument " + a.arg(i) + " (" + Isa.ARG_NAMES[a.arg(i)]
                        + "), which the host never synced to the device (a missing sync)");
        }
        for (int i = 0; i < a.size(); i++) if (a.write(i)) buffers[a.arg(i)].valid.add(a.from(i), a.to(i));
        if (fixed) {
            if (verified.size() > 4096) verified.clear(); // lists of programs no longer launched
            verified.add(a);
        }
    }

    @Override
    public RunState waitFor(Duration timeout) {
        open();
        return state;
    }

    @Override
    public RunState state() {
        open();
        return state;
    }

    /** Statistics of the last launch (status, per-instruction work, traffic and events); the
     *  interpreter reuses the report, so read it before the next launch. */
    public LaunchReport lastReport() {
        return lastReport;
    }

    private void open() {
        if (closed) throw new IllegalStateException("run of npu_top is closed");
    }

    @Override
    public void close() {
        closed = true;
    }
}
