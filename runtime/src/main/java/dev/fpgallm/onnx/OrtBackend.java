package dev.fpgallm.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.CodedOutputStream;
import dev.fpgallm.backend.Backend;
import dev.fpgallm.backend.SequenceFullException;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.onnx.proto.Onnx.ModelProto;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * The CPU baseline: the model exported to ONNX (optimum layout) and run by ONNX Runtime's CPU execution provider
 * with all graph optimizations and one intra-op thread per core. The KV cache stays inside ONNX Runtime: each
 * step's {@code present.*} tensors are fed back as the next step's {@code past_key_values.*}, and the result that
 * owns them is closed once the following step has run.
 */
public final class OrtBackend implements Backend {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final Gpt2Config c;
    private final int maxSeq;
    private final String[] pastNames, presentNames;
    private final OnnxTensor emptyPast;      // [1, n_head, 0, head_dim]: the cache before the first token
    private OrtSession.Result cache;         // the last step's outputs; its present.* tensors are the KV cache
    private int position;
    private float[] lastLogits;

    public OrtBackend(Gpt2Weights weights, int maxSeq) {
        this(weights, maxSeq, ExportStyle.OPTIMUM);
    }

    /** Runs the model exported in another style (tests show every style computes the same). */
    OrtBackend(Gpt2Weights weights, int maxSeq, ExportStyle style) {
        this.c = weights.config();
        if (maxSeq < 1 || maxSeq > c.nPositions())
            throw new IllegalArgumentException("maxSeq " + maxSeq + " outside 1.." + c.nPositions());
        this.maxSeq = maxSeq;
        pastNames = new String[2 * c.nLayer()];
        presentNames = new String[2 * c.nLayer()];
        for (int l = 0; l < c.nLayer(); l++) {
            pastNames[2 * l] = "past_key_values." + l + ".key";
            pastNames[2 * l + 1] = "past_key_values." + l + ".value";
            presentNames[2 * l] = "present." + l + ".key";
            presentNames[2 * l + 1] = "present." + l + ".value";
        }
        session = createSession(weights, style);
        emptyPast = emptyCache();
    }

    private OnnxTensor emptyCache() {
        try {
            return OnnxTensor.createTensor(env, directFloats(0), new long[] {1, c.nHead(), 0, c.headDim()});
        } catch (OrtException e) {
            closeSession();
            throw new IllegalStateException("ONNX Runtime: " + e.getMessage(), e);
        }
    }

    /**
     * Exports and serializes the model into native memory owned by an arena, hands it to ONNX Runtime (which keeps
     * its own copy of the weights) and frees it: the Java heap holds no second copy of the model afterwards.
     */
    private OrtSession createSession(Gpt2Weights weights, ExportStyle style) {
        try (Arena arena = Arena.ofConfined();
             OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            ModelProto model = OnnxExporter.export(weights, style, arena);
            int size = model.getSerializedSize();
            MemorySegment bytes = arena.allocate(size);
            ByteBuffer buffer = bytes.asByteBuffer();
            CodedOutputStream out = CodedOutputStream.newInstance(buffer);
            model.writeTo(out);
            out.flush();
            buffer.flip();
            options.setIntraOpNumThreads(Runtime.getRuntime().availableProcessors());
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            return env.createSession(buffer, options);
        } catch (OrtException | IOException e) {
            throw new IllegalStateException("ONNX Runtime could not load the exported model: " + e.getMessage(), e);
        }
    }

    @Override
    public String name() {
        return "ort";
    }

    @Override
    public Gpt2Config config() {
        return c;
    }

    @Override
    public int maxSeq() {
        return maxSeq;
    }

    @Override
    public int position() {
        return position;
    }

    @Override
    public void reset() {
        if (cache != null) cache.close();
        cache = null;
        position = 0;
    }

    @Override
    public float[] prefill(int[] tokens) {
        FloatBuffer all = run(tokens);
        lastLogits = new float[c.vocabSize()];
        all.position((tokens.length - 1) * c.vocabSize());
        all.get(lastLogits);
        return lastLogits;
    }

    @Override
    public float[][] prefillAll(int[] tokens) {
        FloatBuffer all = run(tokens);
        float[][] out = new float[tokens.length][c.vocabSize()];
        for (float[] row : out) all.get(row);
        return out;
    }

    @Override
    public float[] decode(int token) {
        return prefill(new int[] {token});
    }

    /** One pass over {@code tokens} at the current position; returns the logits [tokens][vocab] as one buffer. */
    private FloatBuffer run(int[] tokens) {
        int m = tokens.length, past = position;
        if (m == 0) throw new IllegalArgumentException("no tokens to feed");
        if (past + m > maxSeq) throw new SequenceFullException(past, m, maxSeq);
        LongBuffer ids = directLongs(m), positions = directLongs(m), mask = directLongs(past + m);
        for (int i = 0; i < m; i++) {
            if (tokens[i] < 0 || tokens[i] >= c.vocabSize())
                throw new IllegalArgumentException("token id " + tokens[i] + " outside the vocabulary");
            ids.put(i, tokens[i]);
            positions.put(i, past + i);
        }
        for (int i = 0; i < past + m; i++) mask.put(i, 1);
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            inputs.put("input_ids", OnnxTensor.createTensor(env, ids, new long[] {1, m}));
            inputs.put("position_ids", OnnxTensor.createTensor(env, positions, new long[] {1, m}));
            inputs.put("attention_mask", OnnxTensor.createTensor(env, mask, new long[] {1, past + m}));
            Map<String, OnnxTensor> feeds = new HashMap<>(inputs);
            for (int i = 0; i < pastNames.length; i++)
                feeds.put(pastNames[i], cache == null ? emptyPast : present(cache, presentNames[i]));
            OrtSession.Result result = session.run(feeds);
            if (cache != null) cache.close(); // the old cache was read by this step; the new one replaces it
            cache = result;
            position = past + m;
            return ((OnnxTensor) result.get("logits").orElseThrow()).getFloatBuffer();
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime: " + e.getMessage(), e);
        } finally {
            for (OnnxTensor t : inputs.values()) t.close();
        }
    }

    private static OnnxTensor present(OrtSession.Result r, String name) {
        OnnxValue v = r.get(name).orElseThrow(() -> new IllegalStateException("ONNX Runtime returned no " + name));
        return (OnnxTensor) v;
    }

    /** ONNX Runtime reads direct buffers in native byte order in place; heap buffers it would copy. */
    private static LongBuffer directLongs(int n) {
        return ByteBuffer.allocateDirect(n * 8).order(ByteOrder.nativeOrder()).asLongBuffer();
    }

    private static FloatBuffer directFloats(int n) {
        return ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    @Override
    public void close() {
        reset();
        emptyPast.close();
        closeSession();
    }

    private void closeSession() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime: " + e.getMessage(), e);
        }
    }
}
