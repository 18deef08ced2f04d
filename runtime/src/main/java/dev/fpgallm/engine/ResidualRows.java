package dev.fpgallm.engine;

import dev.fpgallm.UserError;
import dev.fpgallm.compiler.CompiledModel;
import dev.fpgallm.model.Gpt2Weights;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The residual rows the host hands to the NPU and takes back: made from token + position embeddings in FP32, and
 * moved between FP32 on the host and int16 in the act buffer's input rows (resA) at a residual scale.
 */
public final class ResidualRows {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Gpt2Weights weights;
    private final CompiledModel model;

    public ResidualRows(Gpt2Weights weights, CompiledModel model) {
        this.weights = weights;
        this.model = model;
    }

    /** rows[r] = wte[tokens[from + r]] + wpe[position + r] for r < n. */
    public void embed(float[] rows, int[] tokens, int from, int n, int position) {
        int d = weights.config().nEmbd(), vocab = weights.config().vocabSize();
        for (int r = 0; r < n; r++) {
            int token = tokens[from + r];
            if (token < 0 || token >= vocab) throw new UserError("token id " + token + " is outside the model's vocabulary of " + vocab + " ids");
            int pos = position + r;
            for (int i = 0; i < d; i++) rows[r * d + i] = weights.wte()[token * d + i] + weights.wpe()[pos * d + i];
        }
    }

    /**
     * Quantizes rows 0..n-1 at {@code scale} into act's resA rows: {@link Math#round(double)}, so ties round half up
     * (towards positive infinity: 2.5 -> 3, -2.5 -> -2), then saturated to int16.
     */
    public void quantize(MemorySegment act, float[] rows, int n, double scale) {
        int d = weights.config().nEmbd();
        double inv = 1.0 / scale;
        for (int r = 0; r < n; r++) {
            long at = model.plan().resA() + (long) r * model.plan().dStride();
            for (int i = 0; i < d; i++) {
                long q = Math.round(rows[r * d + i] * inv);
                act.set(SHORT, at + 2L * i, (short) Math.max(-32768, Math.min(32767, q)));
            }
        }
    }

    /** Dequantizes act's resA rows 0..n-1 at {@code scale} into rows. */
    public void dequantize(MemorySegment act, float[] rows, int n, double scale) {
        int d = weights.config().nEmbd();
        for (int r = 0; r < n; r++) {
            long at = model.plan().resA() + (long) r * model.plan().dStride();
            for (int i = 0; i < d; i++) rows[r * d + i] = (float) (act.get(SHORT, at + 2L * i) * scale);
        }
    }
}
