package dev.fpgallm.engine;

import dev.fpgallm.model.Block;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.LayerNormWeights;
import dev.fpgallm.model.Linear;
import dev.fpgallm.reference.TransformerBlock;

/**
 * One GPT-2 block run on the host in FP16, for the layers the NPU (integer only) leaves to FP16 fallback: the FP32
 * reference's block with its weights and every kept activation (residual rows, LayerNorm outputs, Q/K/V and the KV
 * cache, attention output, MLP hidden) rounded to IEEE binary16; products accumulate in FP32, LayerNorm statistics and
 * softmax are FP32, as FP16 inference on a CPU or GPU does. The block keeps its own KV cache.
 */
final class HostFp16Block {
    private static final TransformerBlock.Storage HALF = HostFp16Block::half;
    private final TransformerBlock block;

    HostFp16Block(Block b, Gpt2Config c, int layer, int maxSeq) {
        Block h = new Block(half(b.ln1()), half(b.attnQkv()), half(b.attnProj()), half(b.ln2()), half(b.mlpFc()),
                half(b.mlpProj()));
        block = new TransformerBlock(h, c, layer, maxSeq, HALF);
    }

    /** Runs the block on {@code m} residual rows (FP32 in, FP16 values out, in place) at positions pos ... */
    void forward(float[] x, int m, int pos) {
        block.forward(x, m, pos, null);
    }

    /** Rounds to the nearest binary16 value (ties to even; overflow to infinity, as a half conversion does). */
    static float half(float v) {
        return Float.float16ToFloat(Float.floatToFloat16(v));
    }

    static float[] half(float[] a) {
        if (a == null) return null;
        float[] h = new float[a.length];
        for (int i = 0; i < a.length; i++) h[i] = half(a[i]);
        return h;
    }

    private static Linear half(Linear l) {
        return new Linear(l.in(), l.out(), half(l.weight()), half(l.bias()));
    }

    private static LayerNormWeights half(LayerNormWeights ln) {
        return new LayerNormWeights(half(ln.gamma()), half(ln.beta()));
    }
}
