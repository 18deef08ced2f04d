package dev.fpgallm.npu;

import java.util.List;

/**
 * Every board figure the cycle model uses, each with where it comes from. The kernel's own schedule (loops, II,
 * depths, burst settings) is in {@link CycleModel}; this record is what is not the kernel's: the clock, the memory
 * system, and the host's launch overhead. Predictions are a band between two {@linkplain Corner corners} of the
 * memory system, so a board variant (another clock, port count, efficiency, latency, DDR) is another set of values
 * here, and a measured figure (a bandwidth probe's port efficiency, say) replaces an assumed one through
 * {@link #withCorners} without touching the model.
 *
 * @param name              what the figures describe
 * @param clockHz           the kernel clock
 * @param weightPorts       ports the weights stream over (the ISA's four tile columns side by side)
 * @param ddrBytesPerSecond the memory's theoretical bandwidth, all ports together
 * @param launchOverhead    host time of one XRT run (set the arguments, start, wait), seconds
 * @param optimistic        the fast end of the band
 * @param pessimistic       the slow end of the band
 */
public record BoardModel(String name, Figure clockHz, Figure weightPorts, Figure ddrBytesPerSecond, Figure launchOverhead,
                         Corner optimistic, Corner pessimistic) {

    /** A number and its source (a document, a measurement, or "assumed" with the reason). */
    public record Figure(String what, double value, String source) {
    }

    /**
     * One end of the band: how the memory system behaves.
     *
     * @param axiLatencyCycles an AXI round trip, request to first beat (and last write beat to response), in cycles
     * @param portEfficiency   beats a port delivers per cycle of a long burst, 0..1
     * @param ddrEfficiency    the share of the memory's theoretical bandwidth all ports together sustain, 0..1
     */
    public record Corner(String name, Figure axiLatencyCycles, Figure portEfficiency, Figure ddrEfficiency) {
        public Corner {
            if (!(portEfficiency.value() > 0 && portEfficiency.value() <= 1) || !(ddrEfficiency.value() > 0 && ddrEfficiency.value() <= 1))
                throw new IllegalArgumentException("efficiencies must be in (0, 1]: " + portEfficiency + ", " + ddrEfficiency);
            if (!(axiLatencyCycles.value() >= 0)) throw new IllegalArgumentException("negative AXI latency " + axiLatencyCycles);
        }

        /** This corner with another port efficiency, e.g. a measured one. */
        public Corner withPortEfficiency(Figure measured) {
            return new Corner(name, axiLatencyCycles, measured, ddrEfficiency);
        }

        /** "64-cycle AXI latency, ports 100 % busy, DDR 100 %" */
        public String describe() {
            return String.format(java.util.Locale.ROOT, "%.0f-cycle AXI latency, %.0f %% port efficiency, %.0f %% DDR efficiency",
                    axiLatencyCycles.value(), 100 * portEfficiency.value(), 100 * ddrEfficiency.value());
        }
    }

    /**
     * The KV260 (K26 SOM) with the NPU at 200 MHz (docs/hardware.md). The two corners are those of issue 11: the
     * optimistic one has every port busy every cycle of a burst and Vitis's default round trip; the pessimistic one
     * the efficiency measured for PL-to-DDR traffic on a ZCU102 and a longer round trip. Neither is measured on a
     * KV260.
     */
    public static BoardModel kv260() {
        Corner optimistic = new Corner("optimistic",
                new Figure("AXI latency", 64, "Vitis HLS's default m_axi latency in the Vitis flow (UG1399, \"Default Settings of Vivado/Vitis Flows\")"),
                new Figure("port efficiency", 1.0, "assumed: ports 100 % busy, one 128-bit beat per cycle of a burst"),
                new Figure("DDR efficiency", 1.0, "assumed: the DDR's theoretical bandwidth"));
        Corner pessimistic = new Corner("pessimistic",
                new Figure("AXI latency", 80, "assumed: 64 plus a quarter for the AFI and DDR controller under load (not measured)"),
                new Figure("port efficiency", 0.75, "Manev et al., FPT 2019: PL-to-PS-DDR throughput on a ZCU102 reached 75 % of theoretical; assumed for each port"),
                new Figure("DDR efficiency", 0.75, "Manev et al., FPT 2019 (ZCU102, 75 % of theoretical)"));
        return new BoardModel("KV260 (K26 SOM), NPU at 200 MHz",
                new Figure("kernel clock", 200e6, "the spec's target; v++ derives it from the platform's 100 MHz pl_clk0 (link/kv260.cfg)"),
                new Figure("weight ports", 4, "HP0..HP3, one per weights buffer (link/kv260.cfg)"),
                new Figure("DDR bandwidth", 19.2e9, "K26 SOM: DDR4-2400, 64-bit (data sheet DS987)"),
                new Figure("launch overhead", 40e-6, "assumed: one XRT run on an edge board, \"tens of microseconds\" (not measured)"),
                optimistic, pessimistic);
    }

    /** This board with other corners (a measured port efficiency, a calibration file). */
    public BoardModel withCorners(Corner optimistic, Corner pessimistic) {
        return new BoardModel(name, clockHz, weightPorts, ddrBytesPerSecond, launchOverhead, optimistic, pessimistic);
    }

    public double clock() {
        return clockHz.value();
    }

    public double launchOverheadSeconds() {
        return launchOverhead.value();
    }

    /** Sustained memory bytes per kernel cycle, all ports together, in a corner. */
    public double ddrBytesPerCycle(Corner c) {
        return ddrBytesPerSecond.value() * c.ddrEfficiency().value() / clockHz.value();
    }

    /** "optimistic: 64-cycle AXI latency, ...; pessimistic: 80-cycle ..." */
    public String describeCorners() {
        return optimistic.name() + ": " + optimistic.describe() + "; " + pessimistic.name() + ": " + pessimistic.describe();
    }

    /** The band's assumptions in one short clause, low end first: "AXI latency 64-80 cycles, port efficiency 100-75 %, ..." */
    public String describeBand() {
        return String.format(java.util.Locale.ROOT, "AXI latency %.0f-%.0f cycles, port efficiency %.0f-%.0f %%, DDR efficiency %.0f-%.0f %%",
                optimistic.axiLatencyCycles().value(), pessimistic.axiLatencyCycles().value(),
                100 * optimistic.portEfficiency().value(), 100 * pessimistic.portEfficiency().value(),
                100 * optimistic.ddrEfficiency().value(), 100 * pessimistic.ddrEfficiency().value());
    }

    /** Every figure, the board's then each corner's, for reports. */
    public List<Figure> figures() {
        return List.of(clockHz, weightPorts, ddrBytesPerSecond, launchOverhead,
                optimistic.axiLatencyCycles(), optimistic.portEfficiency(), optimistic.ddrEfficiency(),
                pessimistic.axiLatencyCycles(), pessimistic.portEfficiency(), pessimistic.ddrEfficiency());
    }
}
