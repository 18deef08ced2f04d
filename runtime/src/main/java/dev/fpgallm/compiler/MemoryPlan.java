package dev.fpgallm.compiler;

import dev.fpgallm.model.Gpt2Config;
import java.util.Locale;

/**
 * Where everything lives in device memory: the regions of the activation buffer (each [maxTokens][width] int16 with
 * a 16-byte-aligned row stride), the per-layer K and V caches, and the sizes of the other buffers. Residual rows
 * ping-pong between resA (a layer's input and output) and resB (between attention and MLP); the host writes the
 * embedded prompt into resA's rows.
 */
public record MemoryPlan(int maxTokens, int maxSeq, int logitRows, int vocabPadded,
                         long resA, long resB, long norm, long qkv, long ctx, long hidden,
                         int dStride, int qkvStride, int hiddenStride, long actBytes,
                         long[] keyCache, long[] valueCache, long kvBytes,
                         int logitStride, long logitsBytes, long weightsBytes, long paramsBytes, long programBytes) {

    static int align(long bytes) {
        return (int) ((bytes + 15) & ~15L);
    }

    static MemoryPlan of(Gpt2Config c, int maxTokens, int maxSeq, int logitRows, long weightsBytes, long paramsBytes,
                         long programBytes) {
        int d = c.nEmbd();
        int dStride = align(2L * d), qkvStride = align(6L * d), hiddenStride = align(2L * c.nInner());
        long at = 0;
        long resA = at; at += (long) maxTokens * dStride;
        long resB = at; at += (long) maxTokens * dStride;
        long norm = at; at += (long) maxTokens * dStride;
        long qkv = at; at += (long) maxTokens * qkvStride;
        long ctx = at; at += (long) maxTokens * dStride;
        long hidden = at; at += (long) maxTokens * hiddenStride;
        long region = align(2L * d * maxSeq); // n_head x max_seq x head_dim int16
        long[] k = new long[c.nLayer()], v = new long[c.nLayer()];
        long kv = 0;
        for (int l = 0; l < c.nLayer(); l++) {
            k[l] = kv; kv += region;
            v[l] = kv; kv += region;
        }
        int vocabPadded = padVocab(c.vocabSize());
        int logitStride = align(4L * vocabPadded);
        return new MemoryPlan(maxTokens, maxSeq, logitRows, vocabPadded, resA, resB, norm, qkv, ctx, hidden,
                dStride, qkvStride, hiddenStride, at, k, v, kv, logitStride, (long) logitRows * logitStride,
                weightsBytes, paramsBytes, programBytes);
    }

    /** The LM head's output channels, padded to whole groups of 64 (four tile columns). */
    public static int padVocab(int vocab) {
        return (vocab + 63) / 64 * 64;
    }

    public long totalBytes() {
        return 4 * weightsBytes + paramsBytes + actBytes + kvBytes + logitsBytes + programBytes + 64;
    }

    public String describe() {
        StringBuilder sb = new StringBuilder();
        row(sb, "program", programBytes, "instructions");
        row(sb, "weights0..3", 4 * weightsBytes, String.format(Locale.ROOT, "4 x %,d bytes, INT8 tiles, one weight port each", weightsBytes));
        row(sb, "params", paramsBytes, "biases, requantizers, LayerNorm constants, GELU tables");
        row(sb, "act", actBytes, String.format(Locale.ROOT, "activations for up to %d rows", maxTokens));
        row(sb, "kv", kvBytes, String.format(Locale.ROOT, "INT16 K and V caches, %d positions", maxSeq));
        row(sb, "logits", logitsBytes, String.format(Locale.ROOT, "INT32, %d row(s) x %d (padded vocab)", logitRows, vocabPadded));
        row(sb, "status", 64, "16 status words");
        sb.append(String.format(Locale.ROOT, "  %-12s %,14d bytes%n", "total", totalBytes()));
        return sb.toString();
    }

    private static void row(StringBuilder sb, String name, long bytes, String what) {
        sb.append(String.format(Locale.ROOT, "  %-12s %,14d bytes  %s%n", name, bytes, what));
    }
}
