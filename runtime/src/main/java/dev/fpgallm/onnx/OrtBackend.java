package dev.fpgallm.onnx;

import dev.fpgallm.backend.BackendKind;
import ai.onnxruntime.OrtSession;
import dev.fpgallm.UserError;
import dev.fpgallm.backend.Backend;
import dev.fpgallm.backend.SequenceFullException;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;

/**
 * The CPU baseline: ONNX Runtime's CPU execution provider (all graph optimizations; {@code threads} intra-op threads,
 * one per core by default).
 * For a model imported from an ONNX file it runs that file as given, so it is an independent check of the import;
 * for any other model it runs the project's own export (optimum layout). A graph with a KV cache keeps it inside
 * ONNX Runtime: each step's {@code present.*} tensors are fed back as the next step's {@code past_key_values.*},
 * and the result that owns them is closed once the following step has run. A graph without one recomputes the
 * whole sequence at every step.
 */
public final class OrtBackend implements Backend {
    private final OrtDecoder decoder;
    private final Gpt2Config c;
    private final int maxSeq;
    private final String source;
    private OrtSession.Result cache;         // the last step's outputs; its present.* tensors are the KV cache
    private int[] history = new int[0];      // the tokens fed so far (a graph without a cache recomputes them)
    private int position;

    /** The model that {@code weights} came from if it was an ONNX file, else the project's export of it. */
    public static OrtBackend open(Gpt2Weights weights, int maxSeq) {
        return open(weights, maxSeq, Runtime.getRuntime().availableProcessors());
    }

    /** As {@link #open(Gpt2Weights, int)}, on {@code threads} intra-op threads. */
    public static OrtBackend open(Gpt2Weights weights, int maxSeq, int threads) {
        Optional<Path> file = OnnxImporter.sourceOf(weights);
        return file.isPresent() ? new OrtBackend(file.get(), weights.config(), maxSeq, threads)
                : new OrtBackend(weights, maxSeq, ExportStyle.OPTIMUM, threads);
    }

    public OrtBackend(Gpt2Weights weights, int maxSeq) {
        this(weights, maxSeq, ExportStyle.OPTIMUM);
    }

    /** Runs the model exported in another style (tests show every style computes the same). */
    OrtBackend(Gpt2Weights weights, int maxSeq, ExportStyle style) {
        this(weights, maxSeq, style, Runtime.getRuntime().availableProcessors());
    }

    private OrtBackend(Gpt2Weights weights, int maxSeq, ExportStyle style, int threads) {
        this.c = weights.config();
        this.maxSeq = checked(maxSeq);
        this.source = "the export of " + c.name();
        try (Arena arena = Arena.ofConfined()) {
            decoder = OrtDecoder.of(OnnxExporter.export(weights, style, arena), source, c.nLayer(), c.nHead(), c.headDim(),
                    true, threads);
        }
    }

    /** Runs {@code file} as given; {@code config} is what its import found. */
    public OrtBackend(Path file, Gpt2Config config, int maxSeq) {
        this(file, config, maxSeq, Runtime.getRuntime().availableProcessors());
    }

    private OrtBackend(Path file, Gpt2Config config, int maxSeq, int threads) {
        this.c = config;
        this.maxSeq = checked(maxSeq);
        this.source = file.toString();
        decoder = OrtDecoder.open(file, c.nLayer(), c.nHead(), c.headDim(), true, threads);
    }

    private int checked(int n) {
        if (n < 1 || n > c.nPositions()) throw new IllegalArgumentException("maxSeq " + n + " outside 1.." + c.nPositions());
        return n;
    }

    /** Whether the graph keeps a KV cache (else every step recomputes the sequence). */
    public boolean cached() {
        return decoder.cached();
    }

    @Override
    public String name() {
        return BackendKind.ORT.id();
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
        history = new int[0];
        position = 0;
    }

    @Override
    public float[] prefill(int[] tokens) {
        float[][] all = run(tokens);
        return all[all.length - 1];
    }

    @Override
    public float[][] prefillAll(int[] tokens) {
        return run(tokens);
    }

    @Override
    public float[] decode(int token) {
        return prefill(new int[] {token});
    }

    /** One pass over {@code tokens} at the current position; the logits of those tokens. */
    private float[][] run(int[] tokens) {
        int m = tokens.length, past = position;
        if (m == 0) throw new IllegalArgumentException("no tokens to feed");
        if (past + m > maxSeq) throw new SequenceFullException(past, m, maxSeq);
        for (int t : tokens)
            if (t < 0 || t >= c.vocabSize()) throw new UserError("token id " + t + " is outside the model's vocabulary of " + c.vocabSize() + " ids");
        int[] all = Arrays.copyOf(history, past + m);
        System.arraycopy(tokens, 0, all, past, m);
        float[][] logits;
        if (decoder.cached()) {
            OrtSession.Result result = decoder.run(tokens, past, cache, Set.of());
            try {
                logits = decoder.logits(result, m, c.vocabSize());
            } catch (RuntimeException e) {
                result.close();
                throw e;
            }
            if (cache != null) cache.close(); // the old cache was read by this step; the new one replaces it
            cache = result;
        } else {
            // no cache in the graph: the whole sequence again, keeping the logits of the new tokens
            try (OrtSession.Result result = decoder.run(all, 0, null, Set.of())) {
                logits = Arrays.copyOfRange(decoder.logits(result, past + m, c.vocabSize()), past, past + m);
            }
        }
        history = all;
        position = past + m;
        return logits;
    }

    @Override
    public void close() {
        reset();
        decoder.close();
    }
}
