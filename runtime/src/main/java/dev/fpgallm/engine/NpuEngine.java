package dev.fpgallm.engine;

import dev.fpgallm.backend.Backend;
import dev.fpgallm.backend.SequenceFullException;
import dev.fpgallm.compiler.CompiledModel;
import dev.fpgallm.compiler.MemoryPlan;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.npu.BoardModel;
import dev.fpgallm.npu.CycleModel;
import dev.fpgallm.npu.Instruction;
import dev.fpgallm.npu.Isa;
import dev.fpgallm.npu.Launch;
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
import java.util.OptionalDouble;

/**
 * Runs a compiled model on any {@link Device} (the emulator or XRT), following XRT's host flow. Once per model:
 * open the kernel, allocate every buffer in its argument's memory group, write and sync the program, weights and
 * params, bind the buffers to one run. Per step (one prefill of M tokens, or one decode token): the host embeds the
 * tokens and quantizes them into the input rows, syncs just those rows to the device, launches npu_top once with the
 * position and M, waits, syncs back the status words and the logits rows it reads, and dequantizes the logits.
 * The KV cache never leaves device memory; the position is all the host tracks.
 */
public final class NpuEngine implements Backend {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    private final String name;
    private final Device device;
    private final boolean ownsDevice;
    private final CompiledModel model;
    private final MemoryPlan plan;
    private final int flags;
    private final CycleModel cycleModel;
    private final BufferObject[] buffers = new BufferObject[Isa.BUFFER_ARGS];
    private final Kernel kernel;
    private final Run run;
    private final float[] logits;
    private final Embedding embedding;
    private final int[] oneToken = new int[1];
    private final Instruction[] instructions;
    private final Launch predicted = new Launch(null, 0, 0, 0);
    private int position;
    private double lastPredictedMillis = Double.NaN;

    /**
     * @param ownsDevice close the device with the engine
     */
    public NpuEngine(String name, Device device, boolean ownsDevice, CompiledModel model, Gpt2Weights weights,
                     boolean exactSoftmax, BoardModel board) {
        this.name = name;
        this.device = device;
        this.ownsDevice = ownsDevice;
        this.model = model;
        this.plan = model.plan();
        this.flags = exactSoftmax ? Isa.FLAG_SOFTMAX_EXACT : 0;
        this.cycleModel = new CycleModel(board);
        this.logits = new float[model.config().vocabSize()];
        this.embedding = new Embedding(weights, model);
        this.instructions = model.program().instructions().toArray(new Instruction[0]);
        Kernel k = null;
        Run r = null;
        try {
            k = device.openKernel(Isa.KERNEL_NAME);
            byte[] program = model.program().encode();
            long[] sizes = {program.length, plan.weightsBytes(), plan.weightsBytes(), plan.weightsBytes(),
                    plan.weightsBytes(), plan.paramsBytes(), plan.actBytes(), plan.kvBytes(), plan.logitsBytes(),
                    Isa.STATUS_BYTES};
            for (int arg = 0; arg < Isa.BUFFER_ARGS; arg++) {
                // Buffers the host reads back are cacheable (fast CPU reads on the board; sync invalidates).
                BufferFlags f = arg == Isa.ARG_LOGITS || arg == Isa.ARG_STATUS ? BufferFlags.CACHEABLE : BufferFlags.NORMAL;
                buffers[arg] = device.allocate(Math.max(16, sizes[arg]), f, k.groupId(arg));
            }
            upload(Isa.ARG_PROGRAM, program);
            for (int p = 0; p < Isa.WEIGHT_PORTS; p++) upload(Isa.ARG_WEIGHTS0 + p, model.weights()[p]);
            upload(Isa.ARG_PARAMS, model.params());
            r = k.newRun();
            for (int arg = 0; arg < Isa.BUFFER_ARGS; arg++) r.setArg(arg, buffers[arg]);
        } catch (RuntimeException e) {
            if (r != null) r.close();
            if (k != null) k.close();
            closeBuffers();
            if (ownsDevice) device.close();
            throw e;
        }
        this.kernel = k;
        this.run = r;
    }

    private void upload(int arg, byte[] bytes) {
        if (bytes.length == 0) return;
        buffers[arg].write(MemorySegment.ofArray(bytes), 0);
        buffers[arg].sync(SyncDirection.TO_DEVICE, bytes.length, 0);
    }

    public CompiledModel compiledModel() {
        return model;
    }

    public Device device() {
        return device;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Gpt2Config config() {
        return model.config();
    }

    @Override
    public int maxSeq() {
        return plan.maxSeq();
    }

    @Override
    public int position() {
        return position;
    }

    @Override
    public String precision() {
        return model.scales().precision().label();
    }

    /** The KV cache needs no clearing: a launch reads only positions below its own, all written before. */
    @Override
    public void reset() {
        position = 0;
    }

    @Override
    public float[] prefill(int[] tokens) {
        checkFits(tokens.length);
        double predicted = 0;
        for (int from = 0; from < tokens.length; from += plan.maxTokens()) {
            int n = Math.min(plan.maxTokens(), tokens.length - from);
            launch(tokens, from, n);
            predicted += lastPredictedMillis;
        }
        lastPredictedMillis = predicted;
        readLogits(plan.logitRows() == 1 ? 0 : lastChunkRows(tokens.length) - 1, logits);
        return logits;
    }

    @Override
    public float[][] prefillAll(int[] tokens) {
        if (plan.logitRows() == 1 && tokens.length > 1)
            throw new IllegalStateException("this program computes the last row's logits only; compile with allLogits");
        checkFits(tokens.length);
        float[][] out = new float[tokens.length][];
        double predicted = 0;
        for (int from = 0; from < tokens.length; from += plan.maxTokens()) {
            int n = Math.min(plan.maxTokens(), tokens.length - from);
            launch(tokens, from, n);
            predicted += lastPredictedMillis;
            for (int r = 0; r < n; r++) {
                out[from + r] = new float[logits.length];
                readLogits(plan.logitRows() == 1 ? 0 : r, out[from + r]);
            }
        }
        lastPredictedMillis = predicted;
        return out;
    }

    @Override
    public float[] decode(int token) {
        checkFits(1);
        oneToken[0] = token;
        launch(oneToken, 0, 1);
        readLogits(0, logits);
        return logits;
    }

    private int lastChunkRows(int total) {
        int r = total % plan.maxTokens();
        return r == 0 ? plan.maxTokens() : r;
    }

    private void checkFits(int tokens) {
        if (tokens < 1) throw new IllegalArgumentException("no tokens to feed");
        if (position + tokens > plan.maxSeq()) throw new SequenceFullException(position, tokens, plan.maxSeq());
    }

    /** One step: embed, sync in, run once, sync the status back. */
    private void launch(int[] tokens, int from, int n) {
        embedding.write(buffers[Isa.ARG_ACT].map(), tokens, from, n, position);
        buffers[Isa.ARG_ACT].sync(SyncDirection.TO_DEVICE, (long) n * plan.dStride(), plan.resA());
        run.setArg(Isa.ARG_POSITION, position);
        run.setArg(Isa.ARG_N_TOKENS, n);
        run.setArg(Isa.ARG_FLAGS, flags);
        run.start();
        RunState state = run.waitFor(TIMEOUT);
        if (state != RunState.COMPLETED)
            throw new XrtException("npu_top ended in state " + state + " (position " + position + ", " + n + " tokens)");
        BufferObject status = buffers[Isa.ARG_STATUS];
        status.sync(SyncDirection.FROM_DEVICE, Isa.STATUS_BYTES, 0);
        int code = status.map().get(INT, 0);
        if (code != Isa.OK)
            throw new XrtException("npu_top reported " + Isa.statusName(code) + " at instruction "
                    + status.map().get(INT, 4) + " (position " + position + ", " + n + " tokens)");
        lastPredictedMillis = predictMillis(position, n);
        position += n;
        long rows = plan.logitRows() == 1 ? 1 : n;
        buffers[Isa.ARG_LOGITS].sync(SyncDirection.FROM_DEVICE, rows * plan.logitStride(), 0);
    }

    private void readLogits(int row, float[] out) {
        MemorySegment l = buffers[Isa.ARG_LOGITS].map();
        double scale = model.scales().logit();
        long base = (long) row * plan.logitStride();
        for (int v = 0; v < out.length; v++) out[v] = (float) (l.get(INT, base + 4L * v) * scale);
    }

    /** The cycle model's KV260 time for one launch: every instruction's cycles plus the launch overhead. */
    public double predictMillis(int pos, int n) {
        Launch launch = predicted.set(model.program().header(), pos, n, flags);
        long cycles = 0;
        for (Instruction i : instructions) cycles += cycleModel.cycles(i, launch);
        return 1000 * (cycleModel.seconds(cycles) + cycleModel.board().launchOverheadSeconds());
    }

    @Override
    public OptionalDouble predictedLastStepMillis() {
        return Double.isNaN(lastPredictedMillis) ? OptionalDouble.empty() : OptionalDouble.of(lastPredictedMillis);
    }

    /** Syncs a whole buffer back from the device and returns a copy of it (diagnostics and tests). */
    public byte[] deviceBytes(int arg) {
        BufferObject b = buffers[arg];
        b.sync(SyncDirection.FROM_DEVICE);
        return b.map().toArray(ValueLayout.JAVA_BYTE);
    }

    private void closeBuffers() {
        for (int i = 0; i < buffers.length; i++) {
            if (buffers[i] != null) buffers[i].close();
            buffers[i] = null;
        }
    }

    @Override
    public void close() {
        run.close();
        kernel.close();
        closeBuffers();
        if (ownsDevice) device.close();
    }
}
