package dev.fpgallm.npu;

/**
 * Every number the cycle model uses, in one place, with where it comes from. Defaults describe the KV260 design of
 * docs/hardware.md (the HLS kernel in hls-kernels/); the figures it yields are predictions, labelled as such
 * wherever they are shown.
 *
 * @param clockHz                  PL clock: the spec's 200 MHz target (the K26 base platform's pl_clk0 is ~100 MHz;
 *                                 v++ derives 200 MHz with an MMCM, docs/hardware.md)
 * @param gemmMacsPerCycle         GEMM MAC array: 16 output channels x 16 inputs of one row per cycle (256 MACs)
 * @param gemmRowBlock             activation rows held on chip per pass (a 16 x 4096 int16 URAM buffer); weights are
 *                                 streamed once per row block
 * @param beatBytes                one 128-bit AXI beat per port per cycle (Zynq UltraScale+ HP/HPC ports)
 * @param weightPorts              weights stream over HP0..HP3 (4 x 16 B x 200 MHz = 12.8 GB/s)
 * @param ddrBytesPerSecond        K26 DDR4-2400, 64-bit: 19.2 GB/s theoretical (K26 data sheet DS987)
 * @param ddrEfficiency            measured PL-to-PS-DDR efficiency: 75 % on ZCU102 (Manev et al., FPT 2019)
 * @param attentionLanes           attention engine: 8 int16 lanes (one beat of the KV cache per cycle), K pass then V pass
 * @param layerNormRowCycles       LayerNorm per row beyond its 2 D element cycles: isqrt and the 64-bit division
 * @param instructionOverheadCycles per instruction: decode, AXI read latency, pipeline fill and drain (estimate)
 * @param launchOverheadSeconds    one XRT run on an edge board: "tens of microseconds" (estimate until measured)
 */
public record BoardModel(double clockHz, int gemmMacsPerCycle, int gemmRowBlock, int beatBytes, int weightPorts,
                         double ddrBytesPerSecond, double ddrEfficiency, int attentionLanes, int layerNormRowCycles,
                         int instructionOverheadCycles, double launchOverheadSeconds) {

    public static BoardModel kv260() {
        return new BoardModel(200e6, 256, 16, 16, 4, 19.2e9, 0.75, 8, 150, 200, 40e-6);
    }

    /** Sustained DDR bytes per PL cycle, all ports together. */
    public double ddrBytesPerCycle() {
        return ddrBytesPerSecond * ddrEfficiency / clockHz;
    }
}
