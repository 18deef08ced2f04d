package dev.fpgallm.model;

/**
 * One pre-LN transformer block: x += attnProj(attention(attnQkv(ln1(x)))); x += mlpProj(gelu(mlpFc(ln2(x)))).
 * attnQkv's output channels are Q | K | V, each nEmbd wide, heads contiguous inside each.
 */
public record Block(LayerNormWeights ln1, Linear attnQkv, Linear attnProj,
                    LayerNormWeights ln2, Linear mlpFc, Linear mlpProj) {
}
