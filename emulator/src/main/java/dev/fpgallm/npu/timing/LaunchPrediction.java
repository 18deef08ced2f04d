package dev.fpgallm.npu.timing;

import dev.fpgallm.npu.isa.Instruction;
import dev.fpgallm.npu.isa.Launch;
import java.util.List;

/**
 * The cycle model's prediction for one launch of a program: every instruction's cycles and the launch's own
 * (header, program fetch, status) in both corners of the board model, and the band in milliseconds including the
 * host's launch overhead. This is the one place a launch is predicted; a step of several segments sums theirs.
 */
public final class LaunchPrediction {
    private final BoardModel board;
    private final List<Instruction> program;
    private final double[] optimistic, pessimistic;
    private final double optimisticLaunch, pessimisticLaunch;

    private LaunchPrediction(BoardModel board, List<Instruction> program, double[] optimistic, double[] pessimistic,
                             double optimisticLaunch, double pessimisticLaunch) {
        this.board = board;
        this.program = program;
        this.optimistic = optimistic;
        this.pessimistic = pessimistic;
        this.optimisticLaunch = optimisticLaunch;
        this.pessimisticLaunch = pessimisticLaunch;
    }

    public static LaunchPrediction of(BoardModel board, List<Instruction> program, Launch launch) {
        return of(new CycleModel(board, board.optimistic()), new CycleModel(board, board.pessimistic()), program, launch);
    }

    /** With the two corners' models made once (an engine predicts every step). */
    public static LaunchPrediction of(CycleModel optimistic, CycleModel pessimistic, List<Instruction> program, Launch launch) {
        double[] o = new double[program.size()], p = new double[program.size()];
        for (int i = 0; i < o.length; i++) {
            o[i] = optimistic.exactCycles(program.get(i), launch);
            p[i] = pessimistic.exactCycles(program.get(i), launch);
        }
        return new LaunchPrediction(optimistic.board(), program, o, p, optimistic.launchCycles(o.length),
                pessimistic.launchCycles(o.length));
    }

    public List<Instruction> program() {
        return program;
    }

    /** Predicted cycles of instruction i: [optimistic, pessimistic]. */
    public double optimisticCycles(int i) {
        return optimistic[i];
    }

    public double pessimisticCycles(int i) {
        return pessimistic[i];
    }

    /** The launch's cycles outside its instructions. */
    public double optimisticLaunchCycles() {
        return optimisticLaunch;
    }

    public double pessimisticLaunchCycles() {
        return pessimisticLaunch;
    }

    /** Kernel cycles of the whole launch, optimistic. */
    public double optimisticCycles() {
        double c = optimisticLaunch;
        for (double v : optimistic) c += v;
        return c;
    }

    public double pessimisticCycles() {
        double c = pessimisticLaunch;
        for (double v : pessimistic) c += v;
        return c;
    }

    /** The launch in milliseconds, kernel time plus the host's launch overhead. */
    public Band band() {
        double overhead = 1000 * board.launchOverheadSeconds();
        return new Band(1000 * optimisticCycles() / board.clock() + overhead, 1000 * pessimisticCycles() / board.clock() + overhead);
    }

    /** The launch's own part: its header, program fetch and status cycles, and the host's launch overhead. */
    public Band launchBand() {
        double overhead = 1000 * board.launchOverheadSeconds();
        return new Band(1000 * optimisticLaunch / board.clock() + overhead, 1000 * pessimisticLaunch / board.clock() + overhead);
    }

    /** The band of the instructions of one class (kernel time only). */
    public Band band(CycleModel.Kind kind) {
        double o = 0, p = 0;
        for (int i = 0; i < optimistic.length; i++)
            if (CycleModel.kind(program.get(i)) == kind) {
                o += optimistic[i];
                p += pessimistic[i];
            }
        return new Band(1000 * o / board.clock(), 1000 * p / board.clock());
    }
}
