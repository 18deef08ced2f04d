package dev.fpgallm.engine;

import dev.fpgallm.compiler.CompiledModel;
import dev.fpgallm.npu.timing.Band;
import dev.fpgallm.npu.timing.BoardModel;
import dev.fpgallm.npu.timing.CycleModel;
import dev.fpgallm.npu.isa.Launch;
import dev.fpgallm.npu.timing.LaunchPrediction;
import java.util.List;

/**
 * The predicted board time of one NPU step of a compiled model: every segment's launch (its instructions, header,
 * program fetch and status words, and one launch overhead) from the cycle model in the board's two corners. The
 * one place the runtime predicts a step: the engine after each step, and bench, eval and inspect before one.
 * Host FP16 layers are not in it; the engine adds their time measured on this machine.
 */
public final class StepPrediction {
    private final CompiledModel model;
    private final int flags;
    private final CycleModel optimistic, pessimistic;
    private final Launch launch = new Launch(null, 0, 0, 0); // reused: the engine predicts every step

    /** @param flags the launch flags the steps run with ({@code Isa.FLAG_SOFTMAX_EXACT} or 0) */
    public StepPrediction(CompiledModel model, BoardModel board, int flags) {
        this.model = model;
        this.flags = flags;
        this.optimistic = new CycleModel(board, board.optimistic());
        this.pessimistic = new CycleModel(board, board.pessimistic());
    }

    /** The step at {@code pos} with {@code n} rows, as a band: the sum of {@link #launches}. */
    public Band band(int pos, int n) {
        Band b = Band.ZERO;
        for (LaunchPrediction p : launches(pos, n)) b = b.plus(p.band());
        return b;
    }

    /** The prediction of each segment's launch of one step (one element without FP16 layers). */
    public List<LaunchPrediction> launches(int pos, int n) {
        return model.segments().stream().map(s -> LaunchPrediction.of(optimistic, pessimistic,
                s.program().instructions(), launch.set(s.program().header(), pos, n, flags))).toList();
    }

    /** The board model the predictions are for. */
    public BoardModel board() {
        return optimistic.board();
    }
}
