package dev.fpgallm.compiler;

import dev.fpgallm.UserError;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.npu.isa.Isa;
import java.util.Optional;

/**
 * What the NPU can run (docs/isa.md): checked when a model is opened for emu or xrt, before anything slow, so that
 * a shape the kernel would refuse at run time (BAD_FIELD) or a buffer it cannot hold is one clear line that says
 * which backends can run the model instead. The FP32 backends (ref, ort) have none of these limits.
 */
public final class NpuLimits {
    /** The largest buffer the emulator (Java arrays) and the host side allocate. */
    static final long MAX_BUFFER_BYTES = Integer.MAX_VALUE - 8;

    private NpuLimits() {
    }

    /** Refuses a model the NPU cannot run with {@code maxSeq} positions (logits of every row when allLogits). */
    public static void check(Gpt2Config c, int maxSeq, boolean allLogits) {
        Optional<String> shape = shapeProblem(c);
        if (shape.isPresent())
            throw new UserError(c.name() + ": " + shape.get() + ": the NPU backends (emu, xrt) cannot run this model; "
                    + "the FP32 backends can (--backend ref or ort)");
        Optional<String> memory = memoryProblem(c, maxSeq, allLogits);
        if (memory.isPresent())
            throw new UserError(c.name() + ": " + memory.get() + " on the NPU backends (emu, xrt): lower --max-seq, "
                    + "or use --backend ref or ort");
    }

    /** Why the model's shape does not fit the NPU's instructions, or empty. */
    public static Optional<String> shapeProblem(Gpt2Config c) {
        int d = c.nEmbd(), hd = c.headDim();
        if (hd % 16 != 0 || hd < 16 || hd > Isa.MAX_HEAD_DIM)
            return Optional.of("head_dim " + hd + " (n_embd " + d + " / n_head " + c.nHead() + ") is not a multiple "
                    + "of 16 in 16.." + Isa.MAX_HEAD_DIM + ", which the NPU's ATTENTION needs");
        if (c.nHead() > Isa.MAX_HEADS)
            return Optional.of("n_head " + c.nHead() + " exceeds the NPU's " + Isa.MAX_HEADS + " heads");
        if (d % 64 != 0)
            return Optional.of("n_embd " + d + " is not a multiple of 64 (the NPU's GEMM writes output channels in "
                    + "groups of 64)");
        if (4L * d > Isa.MAX_K)
            return Optional.of("the MLP's 4 x n_embd = " + 4L * d + " inputs exceed the NPU GEMM's " + Isa.MAX_K);
        if (MemoryPlan.padVocab(c.vocabSize()) > Isa.MAX_N)
            return Optional.of("vocab_size " + c.vocabSize() + " exceeds the NPU GEMM's " + Isa.MAX_N
                    + " output channels (the LM head)");
        long weights = weightBytes(c, c.nLayer());
        if (weights > MAX_BUFFER_BYTES)
            return Optional.of("its INT8 weights need " + weights + " bytes in each of the four weight buffers, more "
                    + "than the " + MAX_BUFFER_BYTES + " one buffer holds");
        return Optional.empty();
    }

    /** Why {@code maxSeq} positions do not fit the NPU's buffers, or empty (for a shape that fits). */
    static Optional<String> memoryProblem(Gpt2Config c, int maxSeq, boolean allLogits) {
        MemoryPlan plan = MemoryPlan.of(c, maxSeq, maxSeq, allLogits ? maxSeq : 1, 0, 0, 0);
        if (plan.kvBytes() > MAX_BUFFER_BYTES)
            return Optional.of(maxSeq + " positions need " + plan.kvBytes() + " bytes of KV cache, more than one "
                    + "buffer holds (" + MAX_BUFFER_BYTES + ")");
        if (plan.actBytes() > MAX_BUFFER_BYTES || plan.logitsBytes() > MAX_BUFFER_BYTES)
            return Optional.of(maxSeq + " positions need more than " + MAX_BUFFER_BYTES + " bytes of activations or logits");
        return Optional.empty();
    }

    /** Bytes of packed INT8 weights in each of the four weight buffers, for {@code npuLayers} layers and the LM head. */
    static long weightBytes(Gpt2Config c, int npuLayers) {
        int d = c.nEmbd();
        long perLayer = WeightPacker.bytesPerBuffer(3 * d, d) + WeightPacker.bytesPerBuffer(d, d)
                + WeightPacker.bytesPerBuffer(4 * d, d) + WeightPacker.bytesPerBuffer(d, 4 * d);
        return perLayer * npuLayers + WeightPacker.bytesPerBuffer(MemoryPlan.padVocab(c.vocabSize()), d);
    }
}
