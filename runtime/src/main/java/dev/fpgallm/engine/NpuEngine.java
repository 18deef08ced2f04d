package dev.fpgallm.engine;

import dev.fpgallm.backend.Backend;
import dev.fpgallm.backend.SequenceFullException;
import dev.fpgallm.backend.Softmax;
import dev.fpgallm.compiler.CompiledModel;
import dev.fpgallm.compiler.MemoryPlan;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.npu.timing.Band;
import dev.fpgallm.npu.timing.BoardModel;
import dev.fpgallm.npu.isa.Isa;
import dev.fpgallm.xrt.Device;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Runs a compiled model on any {@link Device} (the emulator or XRT): the step loop. Per step (one prefill of M
 * tokens, or one decode token): the host embeds the tokens and quantizes them into the input rows
 * ({@link ResidualRows}), syncs just those rows to the device, launches npu_top once with the position and M, waits,
 * syncs back the status words and the logits rows it reads ({@link NpuSession}), and dequantizes the logits
 * ({@link Logits}); the step's predicted board time comes from {@link StepPrediction}. The KV cache never leaves
 * device memory; the position is all the host tracks.
 * <p>
 * With FP16 fallback layers the compiled model has several segments, each its own launch. A step then launches
 * every segment in turn; between two segments the host syncs the residual rows back, runs its FP16 layers
 * ({@link HostFp16Block}), requantizes the rows and syncs them in again: one more launch and two more row
 * transfers per run of FP16 layers.
 */
public final class NpuEngine implements Backend {
    private final String name;
    private final CompiledModel model;
    private final MemoryPlan plan;
    private final int flags;
    private final NpuSession session;
    private final StepPrediction prediction;
    private final HostFp16Block[] hostLayers;   // by layer index; null where the NPU runs the layer
    private final float[] logits;
    private final float[] rows;                 // residual rows in FP32 on the host: [maxTokens * nEmbd]
    private final ResidualRows residual;
    private final Logits logitRows;
    private final int[] oneToken = new int[1];
    private int position;
    // The last call's step: its first position and rows. Its prediction is made when asked for (the cycle model is
    // not part of a step's time) and kept until the next call.
    private int lastFrom, lastTokens;
    private Band lastPredicted;
    private double lastHostMillis;

    /**
     * @param ownsDevice close the device with the engine
     */
    public NpuEngine(String name, Device device, boolean ownsDevice, CompiledModel model, Gpt2Weights weights,
                     boolean exactSoftmax, BoardModel board) {
        this.name = name;
        this.model = model;
        this.plan = model.plan();
        this.flags = exactSoftmax ? Isa.FLAG_SOFTMAX_EXACT : 0;
        this.prediction = new StepPrediction(model, board, flags);
        this.logits = new float[model.config().vocabSize()];
        this.rows = new float[plan.maxTokens() * model.config().nEmbd()];
        this.residual = new ResidualRows(weights, model);
        this.logitRows = new Logits(model);
        this.hostLayers = new HostFp16Block[model.config().nLayer()];
        for (int l : model.fp16Layers())
            hostLayers[l] = new HostFp16Block(weights.blocks().get(l), model.config(), l, plan.maxSeq());
        this.session = new NpuSession(device, ownsDevice, model);
    }

    public CompiledModel compiledModel() {
        return model;
    }

    public Device device() {
        return session.device();
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
    public Softmax softmaxMode() {
        return flags == Isa.FLAG_SOFTMAX_EXACT ? Softmax.EXACT : Softmax.APPROX;
    }

    /** Kernel launches since the engine opened: one per segment per step (per maxTokens rows of a prefill). */
    public long launchCount() {
        return session.launchCount();
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
        residual.embed(rows, tokens, from, n, position);
        long hostNanos = 0;
        int layer = 0; // the residual in `rows` enters this layer
        for (int s = 0; s < model.segments().size(); s++) {
            CompiledModel.Segment segment = model.segments().get(s);
            long t0 = System.nanoTime();
            boolean host = layer < segment.firstLayer();
            if (s > 0) readRows(n, model.scales().residual()[layer]);
            for (; layer < segment.firstLayer(); layer++) hostLayers[layer].forward(rows, n, position);
            writeRows(n, model.scales().residual()[segment.firstLayer()]);
            if (host) hostNanos += System.nanoTime() - t0;
            session.launch(s, position, n, flags);
            layer = segment.endLayer();
        }
        lastHostMillis = hostNanos / 1e6;
        lastPredicted = null;
        position += n;
        session.syncLogitsBack(plan.logitRows() == 1 ? 1 : n);
    }

    /** Quantizes the host's residual rows at {@code scale} into act's input rows and syncs them to the device. */
    private void writeRows(int n, double scale) {
        residual.quantize(session.act(), rows, n, scale);
        session.syncRowsIn(n);
    }

    /** Syncs the residual rows a segment left in act back to the host and dequantizes them at {@code scale}. */
    private void readRows(int n, double scale) {
        session.syncRowsBack(n);
        residual.dequantize(session.act(), rows, n, scale);
    }

    private void readLogits(int row, float[] out) {
        logitRows.dequantize(session.logits(), row, out);
    }

    /** The step predictor this engine uses (its board, its softmax mode). */
    public StepPrediction prediction() {
        return prediction;
    }

    /** {@link StepPrediction#band} of this engine's predictor: one NPU step, host FP16 layers not in it. */
    public Band predictBand(int pos, int n) {
        return prediction.band(pos, n);
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
        return prediction.board();
    }

    @Override
    public Optional<BoardModel> predictedBoard() {
        return Optional.of(board());
    }

    /** Syncs a whole buffer back from the device and returns a copy of it (diagnostics and tests). */
    public byte[] deviceBytes(int arg) {
        return session.deviceBytes(arg);
    }

    @Override
    public void close() {
        session.close();
    }
}
