package dev.fpgallm.quant;

import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.reference.ReferenceModel;
import dev.fpgallm.tokenizer.Gpt2Tokenizer;
import java.util.Arrays;

/**
 * Static activation ranges from the FP32 reference: a fixed English text, cut into sequences, each run as one
 * prefill with the activation observer attached. Deterministic: the same model always gets the same scales.
 */
public final class Calibration {
    /** Plain prose about the project's own subject, written for calibration (any natural text would do). */
    static final String TEXT = """
            Field-programmable gate arrays sit between software and silicon. An engineer describes a circuit, the \
            tools place it on a fabric of lookup tables, memory blocks and multipliers, and a few minutes later the \
            board runs it at a few hundred megahertz. For language models the interesting part is memory: every \
            generated token reads each weight once, so the speed of the DDR controller decides how fast text appears. \
            The small board on the desk has four gigabytes of memory, a quad-core processor and about a thousand \
            multipliers. Quantizing the weights to eight bits shrinks the model to a quarter of its size, and the \
            accelerator streams them in long bursts while the host prepares the next token. Careful measurements \
            matter more than claims: latency per token, tokens per second, watts and joules, and how much the \
            quality drops compared with the original model. When the numbers disagree with the plan, the plan \
            changes. The weather was mild that spring, and the team met every morning to read the results, argue \
            about rounding modes, and decide what to try next. Someone always brought coffee; someone else always \
            forgot the cable.""";

    private Calibration() {
    }

    /** The first {@code n} tokens of the calibration text (repeated as needed): the data per-layer choices are tuned on. */
    public static int[] tokens(int n) {
        return Arrays.copyOf(Gpt2Tokenizer.gpt2().encode(TEXT.repeat(1 + n / 200)), n);
    }

    /** Runs {@code sequences} prefills of {@code length} tokens and returns the ranges they reached. */
    public static ActivationRanges run(Gpt2Weights w, int sequences, int length) {
        return run(w, sequences, length, () -> { });
    }

    /** As above; {@code onSequence} runs after each prefill (progress). */
    public static ActivationRanges run(Gpt2Weights w, int sequences, int length, Runnable onSequence) {
        int[] text = Gpt2Tokenizer.gpt2().encode(TEXT.repeat(1 + sequences * length / 200));
        // a model with a reduced vocabulary (test fixtures) sees the text's ids folded into its range
        int vocab = w.config().vocabSize();
        for (int i = 0; i < text.length; i++) text[i] %= vocab;
        ActivationRanges ranges = new ActivationRanges(w.config().nLayer(), w.config().nEmbd());
        int len = Math.min(length, w.config().nPositions());
        try (ReferenceModel m = new ReferenceModel(w, len)) {
            m.observe(ranges);
            for (int s = 0; s < sequences; s++) {
                int from = (s * len) % Math.max(1, text.length - len);
                m.reset();
                m.prefillAll(Arrays.copyOfRange(text, from, from + len));
                onSequence.run();
            }
        }
        return ranges;
    }
}
