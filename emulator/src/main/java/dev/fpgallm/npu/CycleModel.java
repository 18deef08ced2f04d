package dev.fpgallm.npu;

import java.util.EnumMap;
import java.util.List;

/**
 * Predicts KV260 cycles per instruction from its shape, following the engines of docs/hardware.md:
 * <ul>
 *   <li>GEMM: per block of up to 16 rows, the row block's load ({@code r K / 8}), then for every group of 64 output
 *       channels and every 16 inputs one tile per port, {@code max(16, 4 r)} cycles (port-bound for r <= 4, MAC-bound
 *       above), and one exposed epilogue ({@code 32 + 64 r}); never faster than DDR sustains for its bytes;</li>
 *   <li>ATTENTION: per row and head, the K pass and the V pass over positions 0..p at one beat (8 lanes) per cycle,
 *       then head_dim divisions: {@code 2 (p + 1) head_dim / 8 + head_dim};</li>
 *   <li>LAYERNORM: the {g, b} records ({@code D / 2}), then per row {@code 2 D} plus the square root and division.</li>
 * </ul>
 * plus a fixed overhead per instruction; a launch adds the XRT launch overhead.
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
        long rows = l.rowsRead(g.rows()), k = g.k(), n = g.n();
        long stream = 256L / board.beatBytes();                                  // beats of one 16x16 tile: 16
        long cycles = 0, weightBytes = 0;
        for (long done = 0; done < rows; done += board.gemmRowBlock()) {
            long r = Math.min(board.gemmRowBlock(), rows - done);
            long mac = board.weightPorts() * 256L * r / board.gemmMacsPerCycle(); // the four tiles x r rows: 4 r
            cycles += r * k / (board.beatBytes() / 2)                             // the row block's load
                    + (n / 64) * (k / 16) * Math.max(stream, mac)                  // every group and k step
                    + 32 + 64 * r;                                                // the last group's epilogue
            weightBytes += n * k;
        }
        double bytes = weightBytes + rows * (2.0 * k + (g.toLogits() ? 4.0 : 2.0) * n + (g.residual() ? 2.0 * n : 0)) + 8.0 * n;
        return Math.max(cycles, (long) Math.ceil(bytes / board.ddrBytesPerCycle()));
    }

    private long attention(Attention a, Launch l) {
        long hd = a.headDim(), lanes = board.attentionLanes();
        long cycles = (long) l.nTokens() * a.nHead() * hd * 2 * 2 / board.beatBytes(); // append K and V rows
        for (long r = 0; r < l.nTokens(); r++) {
            long p = l.position() + r;
            cycles += a.nHead() * (2 * (p + 1) * hd / lanes + hd);
        }
        return cycles;
    }

    private long layerNorm(LayerNorm n, Launch l) {
        long rows = l.rowsRead(n.rows());
        return n.d() / 2 + rows * (2L * n.d() + board.layerNormRowCycles());
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
    public EnumMap<Kind, Long> breakdown(List<Instruction> program, Launch launch) {
        EnumMap<Kind, Long> m = new EnumMap<>(Kind.class);
        for (Kind k : Kind.values()) m.put(k, 0L);
        for (Instruction i : program) m.merge(kind(i), cycles(i, launch), Long::sum);
        return m;
    }
}
