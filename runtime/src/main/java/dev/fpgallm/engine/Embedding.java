package dev.fpgallm.engine;

import dev.fpgallm.compiler.CompiledModel;
import dev.fpgallm.model.Gpt2Weights;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The host's share of a step: token + position embedding in FP32, quantized to the residual stream's input scale
 * and written as int16 rows where the program expects its input (resA).
 */
public final class Embedding {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Gpt2Weights weights;
    private final CompiledModel model;
    private final float[] row;

    public Embedding(Gpt2Weights weights, CompiledModel model) {
        this.weights = weights;
        this.model = model;
        this.row = new float[weights.config().nEmbd()];
    }

    /** Writes rows 0..n-1 of resA for tokens[from .. from+n) at positions position.. into the act buffer's host view. */
    public void write(MemorySegment act, int[] tokens, int from, int n, int position) {
        int d = row.length, vocab = weights.config().vocabSize();
        double inv = 1.0 / model.inputScale();
        for (int r = 0; r < n; r++) {
            int token = tokens[from + r];
            if (token < 0 || token >= vocab) throw new IllegalArgumentException("token id " + token + " outside the vocabulary");
            int pos = position + r;
            for (int i = 0; i < d; i++) row[i] = weights.wte()[token * d + i] + weights.wpe()[pos * d + i];
            long at = model.plan().resA() + (long) r * model.plan().dStride();
            for (int i = 0; i < d; i++) {
                long q = Math.round(row[i] * inv);
                act.set(SHORT, at + 2L * i, (short) Math.max(-32768, Math.min(32767, q)));
            }
        }
    }
}
