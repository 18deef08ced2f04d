package dev.fpgallm.backend;

import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.npu.timing.Band;
import dev.fpgallm.npu.timing.BoardModel;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * A GPT-2 forward pass with a KV cache: {@code ref} (FP32 Java), {@code emu} (the NPU emulator), {@code xrt}
 * (the NPU through XRT) and {@code ort} (ONNX Runtime). Tokens are fed at {@link #position()}, which advances by
 * the number fed; {@link #reset()} empties the cache for a new prompt.
 */
public interface Backend extends AutoCloseable {
    /** The backend's CLI name: ref, emu, xrt or ort. */
    String name();

    Gpt2Config config();

    /** Positions the KV cache holds; feeding beyond it is an error. */
    int maxSeq();

    /** The position the next token goes to (= tokens in the cache). */
    int position();

    /** Empties the KV cache. */
    void reset();

    /**
     * Feeds {@code tokens} at positions {@code position() .. position() + tokens.length - 1} in one pass and
     * returns the logits of the last one. The array belongs to the backend and is valid until its next call.
     */
    float[] prefill(int[] tokens);

    /** Like {@link #prefill} but returns logits at every position fed, as new arrays [tokens][vocab]. */
    float[][] prefillAll(int[] tokens);

    /** Feeds one token; returns its logits (owned by the backend, valid until the next call). */
    float[] decode(int token);

    /**
     * The cycle model's predicted board time of the last call as a band (optimistic to pessimistic corner), for
     * backends that model the board; always shown as predicted, with {@link Band#LABEL}.
     */
    default Optional<Band> predictedLastStep() {
        return Optional.empty();
    }

    /** The board model {@link #predictedLastStep} predicts for (--board, --board-calibration), if there is one. */
    default Optional<BoardModel> predictedBoard() {
        return Optional.empty();
    }

    /** The pessimistic end of {@link #predictedLastStep} (what single-number reports such as the bench CSV hold). */
    default OptionalDouble predictedLastStepMillis() {
        return OptionalDouble.empty();
    }

    /** Precision label for reports, e.g. fp32 or w8a16. */
    default String precision() {
        return "fp32";
    }

    /** Softmax for reports: exact (FP32 backends) or the NPU's mode, exact or approx. */
    default Softmax softmaxMode() {
        return Softmax.EXACT;
    }

    @Override
    void close();
}
