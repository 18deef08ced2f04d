package dev.fpgallm.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.google.protobuf.CodedOutputStream;
import dev.fpgallm.model.ModelFormatException;
import dev.fpgallm.onnx.proto.Onnx.ModelProto;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A GPT-2 decoder graph in ONNX Runtime, fed the way optimum's decoders are: {@code input_ids} [1, m],
 * {@code attention_mask} [1, past + m] of ones and {@code position_ids} [1, m] when the graph has them,
 * {@code past_key_values.N.key / .value} (empty [1, n_head, 0, head_dim] before the first token, else the previous
 * run's {@code present.N.*}) and optimum's {@code use_cache_branch} when it has them. The interface is read from
 * the session, so a graph without a cache (or without a mask, or positions) is run as it is.
 */
final class OrtDecoder implements AutoCloseable {
    private static final Pattern PAST = Pattern.compile("past_key_values\\.(\\d+)\\.(key|value)");
    private static final Pattern PRESENT = Pattern.compile("present\\.(\\d+)\\.(key|value)");

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final String what;
    private final int layers;
    private final String mask, positions, branch, logits;
    private final OnnxJavaType maskType, positionType, pastType;
    final String[] past, present;      // [2 l] key, [2 l + 1] value; empty arrays when the graph has none
    private final long[] pastShape;    // [1, n_head, 0, head_dim]

    /** The model in {@code file}, as ONNX Runtime reads it, on {@code threads} intra-op threads. */
    static OrtDecoder open(Path file, int layers, int heads, int headDim, boolean optimize, int threads) {
        return new OrtDecoder(file.toString(), null, file.toString(), layers, heads, headDim, optimize, threads);
    }

    /** A model built in memory: serialized into native memory for ONNX Runtime (which copies it), then freed. */
    static OrtDecoder of(ModelProto model, String what, int layers, int heads, int headDim, boolean optimize) {
        return of(model, what, layers, heads, headDim, optimize, Runtime.getRuntime().availableProcessors());
    }

    static OrtDecoder of(ModelProto model, String what, int layers, int heads, int headDim, boolean optimize, int threads) {
        return new OrtDecoder(null, model, what, layers, heads, headDim, optimize, threads);
    }

    private OrtDecoder(String path, ModelProto model, String what, int layers, int heads, int headDim, boolean optimize,
                       int threads) {
        this.what = what;
        this.layers = layers;
        session = createSession(path, model, optimize, threads);
        try {
            Map<String, NodeInfo> in = session.getInputInfo();
            Map<String, NodeInfo> out = session.getOutputInfo();
            if (!in.containsKey("input_ids")) throw refuse("the graph has no input named input_ids");
            mask = in.containsKey("attention_mask") ? "attention_mask" : null;
            positions = in.containsKey("position_ids") ? "position_ids" : null;
            branch = in.containsKey("use_cache_branch") ? "use_cache_branch" : null;
            maskType = typeOf(in, mask);
            positionType = typeOf(in, positions);
            past = names(in.keySet(), PAST, "input");
            present = names(out.keySet(), PRESENT, "output");
            for (String name : in.keySet())
                if (!name.equals("input_ids") && !name.equals(mask) && !name.equals(positions) && !name.equals(branch)
                        && !PAST.matcher(name).matches())
                    throw refuse("input '" + name + "' is not one a GPT-2 decoder is fed (input_ids, attention_mask, "
                            + "position_ids, past_key_values.N.key/value, use_cache_branch)");
            logits = out.containsKey("logits") ? "logits" : null;
            if (logits == null) throw refuse("the graph has no output named logits");
            pastType = past.length > 0 ? typeOf(in, past[0]) : OnnxJavaType.FLOAT;
            pastShape = new long[] {1, heads, 0, headDim};
            if (past.length > 0 && pastType != OnnxJavaType.FLOAT && pastType != OnnxJavaType.FLOAT16)
                throw refuse("past_key_values are " + pastType + ", not float or float16");
        } catch (OrtException e) {
            close();
            throw new IllegalStateException("ONNX Runtime: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private OrtSession createSession(String path, ModelProto model, boolean optimize, int threads) {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(optimize ? OrtSession.SessionOptions.OptLevel.ALL_OPT
                    : OrtSession.SessionOptions.OptLevel.BASIC_OPT);
            if (path != null) return env.createSession(path, options);
            try (Arena arena = Arena.ofConfined()) {
                int size = model.getSerializedSize();
                MemorySegment bytes = arena.allocate(size);
                ByteBuffer buffer = bytes.asByteBuffer();
                CodedOutputStream cos = CodedOutputStream.newInstance(buffer);
                model.writeTo(cos);
                cos.flush();
                buffer.flip();
                return env.createSession(buffer, options);
            }
        } catch (OrtException | IOException e) {
            throw refuse("ONNX Runtime cannot load the model: " + firstLine(e.getMessage()));
        }
    }

    /** The cache names by layer, checked to be complete (keys and values of layers 0 .. n_layer - 1). */
    private String[] names(Set<String> all, Pattern p, String kind) {
        Map<Integer, String> found = new HashMap<>();
        for (String name : all) {
            Matcher m = p.matcher(name);
            if (!m.matches()) continue;
            int layer;
            try {
                layer = Integer.parseInt(m.group(1));
            } catch (NumberFormatException e) {
                throw refuse(kind + " '" + name + "' names no layer of the model");
            }
            if (layer >= layers) throw refuse(kind + " '" + name + "' names layer " + layer + " of a " + layers + "-layer model");
            found.put(2 * layer + (m.group(2).equals("key") ? 0 : 1), name);
        }
        if (found.isEmpty()) return new String[0];
        String[] out = new String[2 * layers];
        for (int i = 0; i < out.length; i++) {
            out[i] = found.get(i);
            if (out[i] == null)
                throw refuse("has " + kind + "s " + (kind.equals("input") ? "past_key_values" : "present") + ".* but none for layer "
                        + i / 2 + "'s " + (i % 2 == 0 ? "key" : "value"));
        }
        return out;
    }

    private static OnnxJavaType typeOf(Map<String, NodeInfo> in, String name) {
        if (name == null) return null;
        return in.get(name).getInfo() instanceof TensorInfo t ? t.type : OnnxJavaType.UNKNOWN;
    }

    private ModelFormatException refuse(String message) {
        return OnnxFile.oneLine(new ModelFormatException(what + ": " + message));
    }

    /** The graph is fed its own KV cache: it reads past_key_values and returns present. */
    boolean cached() {
        return past.length > 0 && present.length > 0;
    }

    Set<String> outputNames() {
        return session.getOutputNames();
    }

    /**
     * Runs {@code tokens} at positions {@code start ..}; the cache is {@code previous}'s present tensors (null: empty,
     * also for a graph without a cache, whose {@code start} must then be 0). The caller closes the result.
     *
     * @param outputs the outputs to compute (logits and present.* are added)
     */
    OrtSession.Result run(int[] tokens, int start, OrtSession.Result previous, Set<String> outputs) {
        int m = tokens.length;
        Map<String, OnnxTensor> made = new HashMap<>();
        try {
            Map<String, OnnxTensor> feeds = new HashMap<>();
            LongBuffer ids = directLongs(m);
            for (int i = 0; i < m; i++) ids.put(i, tokens[i]);
            made.put("input_ids", OnnxTensor.createTensor(env, ids, new long[] {1, m}));
            if (mask != null) made.put(mask, integers(maskType, start + m, i -> 1));
            if (positions != null) made.put(positions, integers(positionType, m, i -> start + i));
            if (branch != null) made.put(branch, OnnxTensor.createTensor(env, new boolean[] {previous != null}));
            feeds.putAll(made);
            if (past.length > 0) {
                OnnxTensor empty = null;
                for (int i = 0; i < past.length; i++) {
                    if (previous != null) feeds.put(past[i], presentOf(previous, i));
                    else {
                        if (empty == null) {
                            empty = emptyPast();
                            made.put("\u0000empty", empty);
                        }
                        feeds.put(past[i], empty);
                    }
                }
            }
            Set<String> wanted = new LinkedHashSet<>(outputs);
            wanted.add(logits);
            for (String p : present) wanted.add(p);
            return session.run(feeds, wanted);
        } catch (OrtException e) {
            throw refuse("ONNX Runtime failed to run it: " + firstLine(e.getMessage()));
        } finally {
            for (OnnxTensor t : made.values()) t.close();
        }
    }

    private OnnxTensor presentOf(OrtSession.Result r, int i) {
        OnnxValue v = r.get(present[i]).orElseThrow(() -> refuse("ONNX Runtime returned no " + present[i]));
        return (OnnxTensor) v;
    }

    private OnnxTensor emptyPast() throws OrtException {
        return OnnxTensor.createTensor(env, ByteBuffer.allocateDirect(0).order(ByteOrder.nativeOrder()), pastShape, pastType);
    }

    private OnnxTensor integers(OnnxJavaType type, int n, java.util.function.IntUnaryOperator value) throws OrtException {
        long[] shape = {1, n};
        switch (type) {
            case INT32 -> {
                IntBuffer b = ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder()).asIntBuffer();
                for (int i = 0; i < n; i++) b.put(i, value.applyAsInt(i));
                return OnnxTensor.createTensor(env, b, shape);
            }
            case FLOAT -> {
                FloatBuffer b = ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder()).asFloatBuffer();
                for (int i = 0; i < n; i++) b.put(i, value.applyAsInt(i));
                return OnnxTensor.createTensor(env, b, shape);
            }
            case INT64 -> {
                LongBuffer b = directLongs(n);
                for (int i = 0; i < n; i++) b.put(i, value.applyAsInt(i));
                return OnnxTensor.createTensor(env, b, shape);
            }
            default -> throw refuse("an input of type " + type + " where int64 ids, positions or mask are expected");
        }
    }

    /** The logits [m][vocab] of a result, checked to be finite. */
    float[][] logits(OrtSession.Result r, int m, int vocab) {
        return rows(r, logits, m, vocab, "logits");
    }

    /** An output as [m][width] floats (float or float16 in the graph), checked to be finite. */
    float[][] rows(OrtSession.Result r, String name, int m, int width, String label) {
        OnnxTensor t = (OnnxTensor) r.get(name).orElseThrow(() -> refuse("ONNX Runtime returned no " + name));
        long[] shape = t.getInfo().getShape();
        long count = t.getInfo().getNumElements();
        if (count != (long) m * width)
            throw refuse(label + " '" + name + "' has shape " + java.util.Arrays.toString(shape) + ", expected " + m
                    + " rows of " + width);
        FloatBuffer b = t.getFloatBuffer();
        if (b == null) throw refuse(label + " '" + name + "' is " + t.getInfo().type + ", not floating point");
        float[][] out = new float[m][width];
        for (int i = 0; i < m; i++) {
            b.get(out[i]);
            for (int v = 0; v < width; v++)
                if (!Float.isFinite(out[i][v]))
                    throw refuse("ONNX Runtime computed " + out[i][v] + " in " + label + " '" + name + "' at position "
                            + i + " of the run (the model's arithmetic overflows or is undefined)");
        }
        return out;
    }

    private static LongBuffer directLongs(int n) {
        return ByteBuffer.allocateDirect(n * 8).order(ByteOrder.nativeOrder()).asLongBuffer();
    }

    static String firstLine(String s) {
        if (s == null) return "unknown error";
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }

    @Override
    public void close() {
        try {
            if (session != null) session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime: " + e.getMessage(), e);
        }
    }
}
