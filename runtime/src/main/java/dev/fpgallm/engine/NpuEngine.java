package dev.fpgallm.engine;

import dev.fpgallm.backend.Backend;
import dev.fpgallm.backend.SequenceFullException;
import dev.fpgallm.compiler.CompiledModel;
import dev.fpgallm.compiler.MemoryPlan;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.npu.Band;
import dev.fpgallm.npu.BoardModel;
import dev.fpgallm.npu.CycleModel;
import dev.fpgallm.npu.Isa;
import dev.fpgallm.npu.Launch;
import dev.fpgallm.npu.LaunchPrediction;
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
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Runs a compiled model on any {@link Device} (the emulator or XRT), following XRT's host flow. Once per model:
 * open the kernel, allocate every buffer in its argument's memory group, write and sync the program, weights and
 * params, bind the buffers to one run. Per step (one prefill of M tokens, or one decode token): the host embeds the
 * tokens and quantizes them into the input rows, syncs just those rows to the device, launches npu_top once with the
 * position and M, waits, syncs back the status words and the logits rows it reads, and dequantizes the logits.
 * The KV cache never leaves device memory; the position is all the host tracks.
 * <p>
 * With FP16 fallback layers the compiled model has several segments, each its own program buffer and run over the
 * same weights, params, act and kv buffers. A step then launches every segment in turn; between two segments the
 * host syncs the residual rows back, runs its FP16 layers ({@link HostFp16Block}), requantizes the rows and syncs
 * them in again: one more launch and two more row transfers per run of FP16 layers.
 */
public final class NpuEngine implements Backend {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    private final String name;
    private final Device device;
    private final boolean ownsDevice;
    private final CompiledModel model;
    private final Gpt2Weights weights;
    private final MemoryPlan plan;
    private final int flags;
    private final CycleModel optimistic, pessimistic;
    private final BufferObject[] buffers = new BufferObject[Isa.BUFFER_ARGS];
    private final BufferObject[] programs;      // one per segment; programs[0] is buffers[ARG_PROGRAM]
    private final Kernel kernel;
    private final Run[] runs;                   // one per segment
    private final HostFp16Block[] hostLayers;   // by layer index; null where the NPU runs the layer
    private final float[] logits;
    private final float[] rows;                 // residual rows in FP32 on the host: [maxTokens * nEmbd]
    private final Embedding embedding;
    private final int[] oneToken = new int[1];
    private final Launch predicted = new Launch(null, 0, 0, 0);
    private int position;
    // The last call's step: its first position and rows. Its prediction is made when asked for (the cycle model is
    // not part of a step's time) and kept until the next call.
    private int lastFrom, lastTokens;
    private Band lastPredicted;
    private double lastHostMillis;
    private long launches;

    /**
     * @param ownsDevice close the device with the engine
     */
    public NpuEngine(String name, Device device, boolean ownsDevice, CompiledModel model, Gpt2Weights weights,
                     boolean exactSoftmax, BoardModel board) {
        this.name = name;
        this.device = device;
        this.ownsDevice = ownsDevice;
        this.model = model;
        this.weights = weights;
        this.plan = model.plan();
        this.flags = exactSoftmax ? Isa.FLAG_SOFTMAX_EXACT : 0;
        this.optimistic = new CycleModel(board, board.optimistic());
        this.pessimistic = new CycleModel(board, board.pessimistic());
        this.logits = new float[model.config().vocabSize()];
        this.rows = new float[plan.maxTokens() * model.config().nEmbd()];
        this.embedding = new Embedding(weights, model);
        int segments = model.segments().size();
        this.programs = new BufferObject[segments];
        this.runs = new Run[segments];
        this.hostLayers = new HostFp16Block[model.config().nLayer()];
        for (int l : model.fp16Layers())
            hostLayers[l] = new HostFp16Block(weights.blocks().get(l), model.config(), l, plan.maxSeq());
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
        return model.precisionLabel();
    }

    @Override
    public String softmaxMode() {
        return flags == Isa.FLAG_SOFTMAX_EXACT ? "exact" : "approx";
    }

    /** Kernel launches since the engine opened: one per segment per step (per maxTokens rows of a prefill). */
    public long launchCount() {
        return launches;
    }

    /** Wall time the host spent on its FP16 layers during the last call (0 without FP16 layers), measured here. */
    public double lastHostMillis() {
        return lastHostMillis;
    }

    /** The KV cache needs no clearing: a launch reads only positions below its own, all written before. */
    @Override
    public void reset() {
        position = 0;
    }

    @Override
    public float[] prefill(int[] tokens) {
        prefillChunks(tokens, null);
        readLogits(plan.logitRows() == 1 ? 0 : lastChunkRows(tokens.length) - 1, logits);
        return logits;
    }

    @Override
    public float[][] prefillAll(int[] tokens) {
        if (plan.logitRows() == 1 && tokens.length > 1)
            throw new IllegalStateException("this program computes the last row's logits only; compile with allLogits");
        float[][] out = new float[tokens.length][];
        prefillChunks(tokens, out);
        return out;
    }

    /**
     * Feeds the tokens in launches of at most maxTokens rows, summing their predicted and host times; with
     * {@code all} given, reads every row's logits after its launch.
     */
    private void prefillChunks(int[] tokens, float[][] all) {
        checkFits(tokens.length);
        int first = position;
        double host = 0;
        for (int from = 0; from < tokens.length; from += plan.maxTokens()) {
            int n = Math.min(plan.maxTokens(), tokens.length - from);
            launch(tokens, from, n);
            host += lastHostMillis;
            for (int r = 0; all != null && r < n; r++) {
                all[from + r] = new float[logits.length];
                readLogits(plan.logitRows() == 1 ? 0 : r, all[from + r]);
            }
        }
        lastFrom = first;
        lastTokens = tokens.length;
        lastHostMillis = host;
    }

    @Override
    public float[] decode(int token) {
        checkFits(1);
        oneToken[0] = token;
        lastFrom = position;
        lastTokens = 1;
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

    /**
     * One step of n rows: embed, then for each segment: the host's FP16 layers before it (if any), the rows synced
     * in, one launch, the status synced back. Without FP16 layers: embed, sync in, one launch, status back.
     */
    private void launch(int[] tokens, int from, int n) {
        embedding.embed(rows, tokens, from, n, position);
        long hostNanos = 0;
        int layer = 0; // the residual in `rows` enters this layer
        for (int s = 0; s < runs.length; s++) {
            CompiledModel.Segment segment = model.segments().get(s);
            long t0 = System.nanoTime();
            boolean host = layer < segment.firstLayer();
            if (s > 0) readRows(n, model.scales().residual()[layer]);
            for (; layer < segment.firstLayer(); layer++) hostLayers[layer].forward(rows, n, position);
            writeRows(n, model.scales().residual()[segment.firstLayer()]);
            if (host) hostNanos += System.nanoTime() - t0;
            run(runs[s], n);
            layer = segment.endLayer();
        }
        lastHostMillis = hostNanos / 1e6;
        lastPredicted = null;
        position += n;
        long logitRows = plan.logitRows() == 1 ? 1 : n;
        buffers[Isa.ARG_LOGITS].sync(SyncDirection.FROM_DEVICE, logitRows * plan.logitStride(), 0);
    }

    /** Quantizes the host's residual rows at {@code scale} into act's input rows and syncs them to the device. */
    private void writeRows(int n, double scale) {
        embedding.quantize(buffers[Isa.ARG_ACT].map(), rows, n, scale);
        buffers[Isa.ARG_ACT].sync(SyncDirection.TO_DEVICE, (long) n * plan.dStride(), plan.resA());
    }

    /** Syncs the residual rows a segment left in act back to the host and dequantizes them at {@code scale}. */
    private void readRows(int n, double scale) {
        buffers[Isa.ARG_ACT].sync(SyncDirection.FROM_DEVICE, (long) n * plan.dStride(), plan.resA());
        embedding.dequantize(buffers[Isa.ARG_ACT].map(), rows, n, scale);
    }

    /** One launch of a segment's run; checks the state and the status words. */
    private void run(Run run, int n) {
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

    private void readLogits(int row, float[] out) {
        MemorySegment l = buffers[Isa.ARG_LOGITS].map();
        double scale = model.scales().logit();
        long base = (long) row * plan.logitStride();
        for (int v = 0; v < out.length; v++) out[v] = (float) (l.get(INT, base + 4L * v) * scale);
    }

    /**
     * The predicted board time of one step of the NPU at {@code pos} with {@code n} rows, as a band: every segment's
     * launch (its instructions, header, program fetch and status words, and one launch overhead) from the cycle
     * model in the board's two corners. Host FP16 layers are not in it; {@link #predictedLastStep} adds their time
     * measured here.
     */
    public Band predictBand(int pos, int n) {
        Band b = Band.ZERO;
        for (LaunchPrediction p : predictLaunches(pos, n)) b = b.plus(p.band());
        return b;
    }

    /** The prediction of each segment's launch of one step (one element without FP16 layers). */
    public List<LaunchPrediction> predictLaunches(int pos, int n) {
        return model.segments().stream().map(s -> LaunchPrediction.of(optimistic, pessimistic,
                s.program().instructions(), predicted.set(s.program().header(), pos, n, flags))).toList();
    }

    /** The pessimistic end of {@link #predictBand}, in milliseconds. */
    public double predictMillis(int pos, int n) {
        return predictBand(pos, n).highMs();
    }

    /**
     * The predicted board time of the last call as a band; with FP16 layers plus the host's time for them,
     * measured on this machine (not on the board's Cortex-A53).
     */
    @Override
    public Optional<Band> predictedLastStep() {
        if (lastPredicted == null && lastTokens > 0) {
            Band b = Band.ZERO;
            for (int from = 0; from < lastTokens; from += plan.maxTokens())
                b = b.plus(predictBand(lastFrom + from, Math.min(plan.maxTokens(), lastTokens - from)));
            lastPredicted = b.plus(lastHostMillis);
        }
        return Optional.ofNullable(lastPredicted);
    }

    /** The pessimistic end of {@link #predictedLastStep}. */
    @Override
    public OptionalDouble predictedLastStepMillis() {
        return predictedLastStep().map(b -> OptionalDouble.of(b.highMs())).orElse(OptionalDouble.empty());
    }

    /** The board model predictions come from. */
    public BoardModel board() {
        return optimistic.board();
    }

    @Override
    public Optional<BoardModel> predictedBoard() {
        return Optional.of(board());
    }

    /** Syncs a whole buffer back from the device and returns a copy of it (diagnostics and tests). */
    public byte[] deviceBytes(int arg) {
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
