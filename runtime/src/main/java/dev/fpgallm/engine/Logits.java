package dev.fpgallm.engine;

import dev.fpgallm.compiler.CompiledModel;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** The NPU's int32 logits rows, dequantized at the model's logit scale into the vocabulary's floats. */
final class Logits {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final double scale;
    private final long stride;

    Logits(CompiledModel model) {
        this.scale = model.scales().logit();
        this.stride = model.plan().logitStride();
    }

    /** out[v] = logits[row][v] x scale for the first out.length entries (the padding past the vocabulary is left). */
    void dequantize(MemorySegment logits, int row, float[] out) {
        long base = row * stride;
        for (int v = 0; v < out.length; v++) out[v] = (float) (logits.get(INT, base + 4L * v) * scale);
    }
}
