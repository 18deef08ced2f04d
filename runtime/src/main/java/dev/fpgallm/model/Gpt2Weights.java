package dev.fpgallm.model;

import java.util.List;

/**
 * All FP32 parameters of a GPT-2 family model, in the layout every backend reads.
 *
 * @param wte    token embeddings [vocab][nEmbd]
 * @param wpe    position embeddings [nPositions][nEmbd]
 * @param lmHead output projection [vocab][nEmbd]; the same array as wte when the head is tied (GPT-2's default)
 */
public record Gpt2Weights(Gpt2Config config, float[] wte, float[] wpe, List<Block> blocks,
                          LayerNormWeights lnF, float[] lmHead) {
    public Gpt2Weights {
        if (blocks.size() != config.nLayer())
            throw new IllegalArgumentException(blocks.size() + " blocks for " + config.nLayer() + " layers");
        if (wte.length != (long) config.vocabSize() * config.nEmbd()) throw new IllegalArgumentException("wte size");
        if (wpe.length != (long) config.nPositions() * config.nEmbd()) throw new IllegalArgumentException("wpe size");
        if (lmHead.length != wte.length) throw new IllegalArgumentException("lm_head size");
        blocks = List.copyOf(blocks);
    }

    public boolean tiedLmHead() {
        return lmHead == wte;
    }
}
