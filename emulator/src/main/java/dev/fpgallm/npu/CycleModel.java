package dev.fpgallm.npu;

/**
 * Predicts KV260 cycles per instruction from its shape: each engine is bounded by its arithmetic, by the ports it
 * streams through, and by what DDR sustains across all ports; the engines overlap compute with streaming (double
 * buffering), so an instruction takes the largest of those bounds plus a fixed overhead.
 */
public final class CycleModel {
    private final BoardModel board;

    public CycleModel(BoardModel board) {
        this.board = board;
    }

    public BoardModel board() {
        return board;
    }

    public long cycles(Instruction instruction, Launch l) {
        return switch (instruction) {
            case Gemm g -> gemm(g, l);
            case Attention a -> attention(a, l);
            case LayerNorm n -> layerNorm(n, l);
        } + board.instructionOverheadCycles();
    }

    private long gemm(Gemm g, Launch l) {
        long rows = l.rowsRead(g.rows());
        long passes = (rows + board.gemmRowTile() - 1) / board.gemmRowTile();
        double weightBytes = (double) passes * g.n() * g.k();
        double weightCycles = weightBytes / ((double) board.weightPorts() * board.beatBytes());
        double compute = (double) rows * g.n() * g.k() / board.gemmMacsPerCycle();
        double actBytes = rows * (2.0 * g.k() + (g.toLogits() ? 4.0 : 2.0) * g.n() + (g.residual() ? 2.0 * g.n() : 0));
        double actCycles = actBytes / board.beatBytes();
        double ddrCycles = (weightBytes + actBytes + 8.0 * g.n()) / board.ddrBytesPerCycle();
        return (long) Math.ceil(Math.max(Math.max(weightCycles, compute), Math.max(actCycles, ddrCycles)));
    }

    private long attention(Attention a, Launch l) {
        double scores = (double) a.scores(l) * a.nHead();
        double kvBytes = 2.0 * scores * a.headDim() * 2;           // K and V rows, int16
        double kvCycles = kvBytes / board.beatBytes();
        double compute = 2.0 * scores * a.headDim() / board.attentionMacsPerCycle();
        double ddrCycles = kvBytes / board.ddrBytesPerCycle();
        double softmax = scores;                                      // one exp2neg per score and cycle
        return (long) Math.ceil(Math.max(Math.max(kvCycles, compute), ddrCycles) + softmax);
    }

    private long layerNorm(LayerNorm n, Launch l) {
        long rows = l.rowsRead(n.rows());
        double perRow = 3.0 * n.d() / board.vectorLanes() + board.dividerCycles(); // stats pass, normalise pass, write
        return (long) Math.ceil(rows * perRow);
    }

    public double seconds(long cycles) {
        return cycles / board.clockHz();
    }

    /** Instruction classes the breakdown reports. */
    public enum Kind { GEMM, LM_HEAD, ATTENTION, LAYERNORM }

    public static Kind kind(Instruction i) {
        return switch (i) {
            case Gemm g -> g.toLogits() ? Kind.LM_HEAD : Kind.GEMM;
            case Attention a -> Kind.ATTENTION;
            case LayerNorm n -> Kind.LAYERNORM;
        };
    }

    /** Predicted cycles of one launch of a program, per instruction class. */
    public java.util.EnumMap<Kind, Long> breakdown(java.util.List<Instruction> program, Launch launch) {
        java.util.EnumMap<Kind, Long> m = new java.util.EnumMap<>(Kind.class);
        for (Kind k : Kind.values()) m.put(k, 0L);
        for (Instruction i : program) m.merge(kind(i), cycles(i, launch), Long::sum);
        return m;
    }
}
