package dev.fpgallm.npu;

/**
 * Every number the cycle model uses, in one place, with where it comes from. Defaults describe the KV260 target of
 * docs/hardware.md; the figures it yields are predictions, labelled as such wherever they are shown.
 *
 * @param clockHz                  PL clock: the spec's 200 MHz target (the K26 base platform defaults to ~100 MHz;
 *                                 docs/hardware.md says how 200 MHz is obtained)
 * @param gemmMacsPerCycle         GEMM array: 16 output channels x 16 inputs (one 256-byte weight tile per cycle),
 *                                 the spec's 256 INT8 MAC/cycle
 * @param gemmRowTile              activation rows held on chip per pass; weights are re-streamed once per row tile
 * @param beatBytes                one 128-bit AXI beat per port per cycle (Zynq UltraScale+ HP/HPC ports)
 * @param weightPorts              weights stream over HP0..HP3 (4 x 16 B x 200 MHz = 12.8 GB/s)
 * @param ddrBytesPerSecond        K26 DDR4-2400, 64-bit: 19.2 GB/s theoretical (K26 data sheet DS987)
 * @param ddrEfficiency            measured PL-to-PS-DDR efficiency: 75 % on ZCU102 (Manev et al., FPT 2019)
 * @param attentionMacsPerCycle    attention engine: one 64-wide int16 dot product per cycle (head_dim 64)
 * @param vectorLanes              vector unit: 8 int16 lanes (one beat) per cycle
 * @param dividerCycles            LayerNorm's reciprocal and integer square root per row (iterative, 1 bit/cycle)
 * @param instructionOverheadCycles per instruction: decode, AXI read latency and pipeline fill/drain (estimate)
 * @param launchOverheadSeconds    one XRT run on an edge board: "tens of microseconds" (estimate until measured)
 */
public record BoardModel(double clockHz, int gemmMacsPerCycle, int gemmRowTile, int beatBytes, int weightPorts,
                         double ddrBytesPerSecond, double ddrEfficiency, int attentionMacsPerCycle, int vectorLanes,
                         int dividerCycles, int instructionOverheadCycles, double launchOverheadSeconds) {

    public static BoardModel kv260() {
        return new BoardModel(200e6, 256, 32, 16, 4, 19.2e9, 0.75, 64, 8, 96, 200, 40e-6);
    }

    /** Sustained DDR bytes per PL cycle, all ports together. */
    public double ddrBytesPerCycle() {
        return ddrBytesPerSecond * ddrEfficiency / clockHz;
    }
}
