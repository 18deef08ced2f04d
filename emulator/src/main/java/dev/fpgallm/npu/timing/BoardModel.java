package dev.fpgallm.npu.timing;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Every board figure the cycle model uses, each with where it comes from. The kernel's own schedule (loops, II,
 * depths, burst settings, 128-bit beats) is in {@link CycleModel} and is the same on every board: the source is
 * board-independent, and a board is what it is built and linked for. This record is what is not the kernel's: the
 * clock, the memory system, and the host's launch overhead. Predictions are a band between two {@linkplain Corner
 * corners} of the memory system, so a board variant is another set of values here, and measured figures (a
 * bandwidth probe's port efficiencies and latency, its empty launch) replace assumed ones through
 * {@link #calibrated} without touching the model.
 *
 * @param id                the --board name: kv260, u250
 * @param name              what the figures describe
 * @param clockHz           the kernel clock
 * @param weightPorts       ports the weights stream over (the ISA's four tile columns side by side)
 * @param ddrBytesPerSecond the memory's theoretical bandwidth, all ports together
 * @param launchOverhead    host time of one XRT run (set the arguments, start, wait), seconds
 * @param optimistic        the fast end of the band
 * @param pessimistic       the slow end of the band
 * @param calibration       "calibrated from FILE (measured on MACHINE DATE)", or "" for the assumed figures
 */
public record BoardModel(String id, String name, Figure clockHz, Figure weightPorts, Figure ddrBytesPerSecond,
                         Figure launchOverhead, Corner optimistic, Corner pessimistic, String calibration) {

    /** The boards {@link #named} knows. */
    public static final List<String> BOARDS = List.of("kv260", "u250");

    /** A number and its source (a document, a measurement, or "assumed" with the reason). */
    public record Figure(String what, double value, String source) {
    }

    /**
     * One end of the band: how the memory system behaves.
     *
     * @param axiLatencyCycles     an AXI round trip, request to first beat (and last write beat to response), in cycles
     * @param portEfficiency       beats a port delivers per cycle of a long burst, 0..1 (every port but the weights')
     * @param weightPortEfficiency the same for each of the four weight ports while they stream together (a GEMM)
     * @param ddrEfficiency        the share of the memory's theoretical bandwidth all ports together sustain, 0..1
     */
    public record Corner(String name, Figure axiLatencyCycles, Figure portEfficiency, Figure weightPortEfficiency,
                         Figure ddrEfficiency) {
        public Corner {
            for (Figure f : List.of(portEfficiency, weightPortEfficiency, ddrEfficiency))
                if (!(f.value() > 0 && f.value() <= 1)) throw new IllegalArgumentException("efficiencies must be in (0, 1]: " + f);
            if (!(axiLatencyCycles.value() >= 0)) throw new IllegalArgumentException("negative AXI latency " + axiLatencyCycles);
        }

        /** One efficiency for every port. */
        public Corner(String name, Figure axiLatencyCycles, Figure portEfficiency, Figure ddrEfficiency) {
            this(name, axiLatencyCycles, portEfficiency, portEfficiency, ddrEfficiency);
        }

        /** This corner with another efficiency for every port, e.g. a measured one. */
        public Corner withPortEfficiency(Figure measured) {
            return new Corner(name, axiLatencyCycles, measured, measured, ddrEfficiency);
        }

        /** The efficiency of {@code port}'s beats in this corner. */
        public double efficiency(CycleModel.Port port) {
            return (port == CycleModel.Port.WEIGHTS ? weightPortEfficiency : portEfficiency).value();
        }

        boolean uniform() {
            return portEfficiency.value() == weightPortEfficiency.value();
        }

        /** "64-cycle AXI latency, 100 % port efficiency, 100 % DDR efficiency" */
        public String describe() {
            String ports = uniform() ? String.format(Locale.ROOT, "%.0f %% port efficiency", 100 * portEfficiency.value())
                    : String.format(Locale.ROOT, "weight ports %.1f %% and other ports %.1f %% efficient",
                    100 * weightPortEfficiency.value(), 100 * portEfficiency.value());
            return String.format(Locale.ROOT, "%.0f-cycle AXI latency, %s, %.0f %% DDR efficiency",
                    axiLatencyCycles.value(), ports, 100 * ddrEfficiency.value());
        }
    }

    /** The optimistic end's round trip on every board: what the kernel's m_axi pragmas schedule for. */
    private static final Figure VITIS_LATENCY = new Figure("AXI latency", 64,
            "Vitis HLS's default m_axi latency in the Vitis flow (UG1399, \"Default Settings of Vivado/Vitis Flows\")");

    private static Corner corner(String name, Figure latency, double ports, String portsSource, double ddr, String ddrSource) {
        return new Corner(name, latency, new Figure("port efficiency", ports, portsSource), new Figure("DDR efficiency", ddr, ddrSource));
    }

    /**
     * The KV260 (K26 SOM) with the NPU at 200 MHz (docs/hardware.md). The two corners are those of issue 11: the
     * optimistic one has every port busy every cycle of a burst and Vitis's default round trip; the pessimistic one
     * the efficiency measured for PL-to-DDR traffic on a ZCU102 and a longer round trip. Neither is measured on a
     * KV260.
     */
    public static BoardModel kv260() {
        Corner optimistic = corner("optimistic", VITIS_LATENCY,
                1.0, "assumed: ports 100 % busy, one 128-bit beat per cycle of a burst",
                1.0, "assumed: the DDR's theoretical bandwidth");
        Corner pessimistic = corner("pessimistic",
                new Figure("AXI latency", 80, "assumed: 64 plus a quarter for the AFI and DDR controller under load (not measured)"),
                0.75, "Manev et al., FPT 2019: PL-to-PS-DDR throughput on a ZCU102 reached 75 % of theoretical; assumed for each port",
                0.75, "Manev et al., FPT 2019 (ZCU102, 75 % of theoretical)");
        return new BoardModel("kv260", "KV260 (K26 SOM), NPU at 200 MHz",
                new Figure("kernel clock", 200e6, "the spec's target; v++ derives it from the platform's 100 MHz pl_clk0 (link/kv260.cfg)"),
                new Figure("weight ports", 4, "HP0..HP3, one per weights buffer (link/kv260.cfg)"),
                new Figure("DDR bandwidth", 19.2e9, "K26 SOM: DDR4-2400, 64-bit (data sheet DS987)"),
                new Figure("launch overhead", 40e-6, "assumed: one XRT run on an edge board, \"tens of microseconds\" (not measured)"),
                optimistic, pessimistic, "");
    }

    /**
     * The Alveo U250 with the same kernel built for its part at 300 MHz (hls-kernels/run_hls.tcl, link/u250.cfg):
     * the four weight ports on the four DDR4 banks, each still moving the source's 128-bit beats, so a port asks
     * for 4.8 GB/s of a bank's 19.2 and the memory is never the limit; what the clock buys is 1.5 times the KV260's
     * cycles per second. The corners are assumptions (nothing here ran on an Alveo card); the launch overhead is an
     * estimate from XRT's issue tracker plus the step's PCIe transfers.
     */
    public static BoardModel u250() {
        Corner optimistic = corner("optimistic", VITIS_LATENCY,
                1.0, "assumed: ports 100 % busy, one 128-bit beat per cycle of a burst (a quarter of a bank's bandwidth)",
                1.0, "assumed: the banks' theoretical bandwidth");
        Corner pessimistic = corner("pessimistic",
                new Figure("AXI latency", 120, "assumed: 400 ns at 300 MHz for a DDR4 page miss through the platform's interconnect and an SLR crossing (not measured)"),
                0.75, "assumed: the KV260's pessimistic figure carried over (Manev et al., FPT 2019, a ZCU102); not measured on an Alveo card",
                0.75, "assumed: as the KV260's (Manev et al., FPT 2019); not measured on an Alveo card");
        return new BoardModel("u250", "Alveo U250 (xilinx_u250_gen3x16_xdma_4_1), NPU at 300 MHz with 128-bit ports",
                new Figure("kernel clock", 300e6, "link/u250.cfg: kernel_frequency=300 on the platform's scalable clock 0, Alveo's default kernel clock (UG1393, \"Identifying Platform Clocks\", \"Clock Information\"); v++ lowers it if timing fails: read the xclbin's (xclbinutil --info)"),
                new Figure("weight ports", 4, "DDR[0]..DDR[3], one per weights buffer and bank (link/u250.cfg); 128-bit beats as on the KV260 (the source's ap_uint<128>)"),
                new Figure("DDR bandwidth", 76.8e9, "4 DDR4-2400 banks x 64 bits x 2400 MT/s = 4 x 19.2 GB/s (UG1120, \"U250 Gen3x16 XDMA 4_1 Platform\"; Vitis tutorials XD099, \"Alveo Overview\")"),
                new Figure("launch overhead", 100e-6, "estimate: an XRT run's start and wait over PCIe (16-56 us per call on an Alveo U25, Xilinx/XRT issue 6601; 50-100 us launch latency on a U55C, issue 8687) plus the step's buffer syncs over PCIe (DistilGPT2's 201 KB logits row at about 16 GiB/s, XD099: 13 us); not measured"),
                optimistic, pessimistic, "");
    }

    /** The board a --board name names (one of {@link #BOARDS}). */
    public static BoardModel named(String id) {
        return switch (id) {
            case "kv260" -> kv260();
            case "u250" -> u250();
            default -> throw new IllegalArgumentException("unknown board '" + id + "'; boards are " + String.join(", ", BOARDS));
        };
    }

    /** This board with other corners (a measured port efficiency, say). */
    public BoardModel withCorners(Corner optimistic, Corner pessimistic) {
        return new BoardModel(id, name, clockHz, weightPorts, ddrBytesPerSecond, launchOverhead, optimistic, pessimistic, calibration);
    }

    /**
     * This board with measured corners and launch overhead, labelled with where they come from
     * ("calibrated from FILE (measured on MACHINE DATE)").
     */
    public BoardModel calibrated(String label, Corner optimistic, Corner pessimistic, Figure launchOverhead) {
        return new BoardModel(id, name, clockHz, weightPorts, ddrBytesPerSecond, launchOverhead, optimistic, pessimistic, label);
    }

    /** "KV260", "U250": what printed predictions say they are for. */
    public String label() {
        return id.toUpperCase(Locale.ROOT);
    }

    public boolean isCalibrated() {
        return !calibration.isEmpty();
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

    /**
     * The band's assumptions in one short clause, low end first: "AXI latency 64-80 cycles, port efficiency 100-75 %,
     * DDR efficiency 100-75 %", after "calibrated from FILE (measured on ...): " when the figures are measured.
     */
    public String describeBand() {
        String ports = optimistic.uniform() && pessimistic.uniform()
                ? String.format(Locale.ROOT, "port efficiency %.0f-%.0f %%", 100 * optimistic.portEfficiency().value(),
                100 * pessimistic.portEfficiency().value())
                : String.format(Locale.ROOT, "weight-port efficiency %.1f-%.1f %%, other ports %.1f-%.1f %%",
                100 * optimistic.weightPortEfficiency().value(), 100 * pessimistic.weightPortEfficiency().value(),
                100 * optimistic.portEfficiency().value(), 100 * pessimistic.portEfficiency().value());
        return (isCalibrated() ? calibration + ": " : "") + String.format(Locale.ROOT,
                "AXI latency %.0f-%.0f cycles, %s, DDR efficiency %.0f-%.0f %%",
                optimistic.axiLatencyCycles().value(), pessimistic.axiLatencyCycles().value(), ports,
                100 * optimistic.ddrEfficiency().value(), 100 * pessimistic.ddrEfficiency().value());
    }

    /** Every figure, the board's then each corner's, for reports. */
    public List<Figure> figures() {
        List<Figure> f = new ArrayList<>(List.of(clockHz, weightPorts, ddrBytesPerSecond, launchOverhead));
        for (Corner c : List.of(optimistic, pessimistic)) {
            f.add(c.axiLatencyCycles());
            f.add(c.portEfficiency());
            if (!c.uniform()) f.add(c.weightPortEfficiency());
            f.add(c.ddrEfficiency());
        }
        return f;
    }
}
