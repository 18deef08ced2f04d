package dev.fpgallm.npu.timing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fpgallm.npu.isa.Attention;
import dev.fpgallm.npu.isa.Gemm;
import dev.fpgallm.npu.isa.Instruction;
import dev.fpgallm.npu.isa.Isa;
import dev.fpgallm.npu.isa.Launch;
import dev.fpgallm.npu.isa.LayerNorm;
import dev.fpgallm.npu.isa.ProgramHeader;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Properties of the cycle model that follow from the kernel's schedule (the exact agreement with the kernel's own
 * count is runtime's CycleAgreementTest): decode GEMMs stream at the ports' rate, attention at the KV port's,
 * prefill GEMMs at 256 MACs per cycle, and the pessimistic corner is never faster.
 */
class CycleModelTest {
    static final BoardModel KV260 = BoardModel.kv260();
    static final CycleModel OPTIMISTIC = new CycleModel(KV260, KV260.optimistic());
    static final CycleModel PESSIMISTIC = new CycleModel(KV260, KV260.pessimistic());
    static final ProgramHeader HEADER = new ProgramHeader(1, 1 << 30, 1 << 30, 1 << 30, 1 << 30, 1 << 30, 256, 1024);

    static Gemm gemm(int rows, int n, int k) {
        return new Gemm(rows, Isa.OUT_INT16, false, false, k, n, 0, 2 * k, 0, 2 * n, 0, 0, 0, 0, 0, 0);
    }

    static Attention attention(int heads, int headDim) {
        return new Attention(Isa.OUT_INT16, heads, headDim, 0, 6 * heads * headDim, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    static Launch launch(int position, int n) {
        return new Launch(HEADER, position, n, 0);
    }

    @Test
    void aDecodeGemmKeepsTheWeightPortsBusy() {
        Gemm qkv = gemm(Isa.ROWS_ALL, 2304, 768);
        double beats = 2304 / 64 * 768;  // per port: (N / 64) tile columns of K beats
        double c = OPTIMISTIC.exactCycles(qkv, launch(0, 1));
        assertTrue(beats / c >= 0.95, "ports busy " + beats / c);
        assertEquals(beats / 0.75, PESSIMISTIC.exactCycles(qkv, launch(0, 1)), beats * 0.02, "75 % port efficiency");
    }

    @Test
    void aPrefillGemmRunsAt256MacsPerCycle() {
        Gemm fc = gemm(Isa.ROWS_ALL, 3072, 768);
        double macs = 256.0 * 3072 * 768, c = OPTIMISTIC.exactCycles(fc, launch(0, 256));
        assertEquals(macs / 256, c, macs / 256 * 0.03, "MAC-bound");
    }

    @Test
    void attentionStreamsTheCacheAtTheKvPortsRate() {
        Attention a = attention(12, 64);
        double beats = 2 * 12 * 256 * 64 * 2 / 16.0;  // K and V of 256 positions, 12 heads
        double c = OPTIMISTIC.exactCycles(a, launch(255, 1));
        assertTrue(c > beats && c < beats * 1.02, c + " cycles for " + beats + " beats");
        assertTrue(OPTIMISTIC.exactCycles(a, launch(511, 1)) > 1.9 * c, "linear in the position");
    }

    @Test
    void thePessimisticCornerIsNeverFaster() {
        for (Instruction i : List.of(gemm(Isa.ROWS_ALL, 64, 16), gemm(Isa.ROWS_FIRST, 50304, 768), attention(1, 16),
                attention(12, 64), new LayerNorm(Isa.ROWS_ALL, Isa.OUT_INT16, 768, 0, 1536, 0, 1536, 0, 0, 16)))
            for (int[] pn : new int[][] {{0, 1}, {100, 1}, {0, 40}, {1019, 5}})
                assertTrue(PESSIMISTIC.exactCycles(i, launch(pn[0], pn[1])) >= OPTIMISTIC.exactCycles(i, launch(pn[0], pn[1])),
                        i + " at " + pn[0] + "+" + pn[1]);
    }

    @Test
    void aMeasuredEfficiencyReplacesTheAssumedOne() {
        BoardModel.Figure measured = new BoardModel.Figure("port efficiency", 0.9, "measured: a bandwidth probe");
        BoardModel b = KV260.withCorners(KV260.optimistic(), KV260.pessimistic().withPortEfficiency(measured));
        Gemm head = gemm(Isa.ROWS_FIRST, 50304, 768);
        double slow = new CycleModel(b, b.pessimistic()).exactCycles(head, launch(0, 1));
        assertTrue(slow < PESSIMISTIC.exactCycles(head, launch(0, 1)) && slow > OPTIMISTIC.exactCycles(head, launch(0, 1)));
        assertEquals(measured, b.pessimistic().portEfficiency());
    }

    @Test
    void theWeightPortsEfficiencySlowsTheGemmsOnly() {
        BoardModel.Figure half = new BoardModel.Figure("weight-port efficiency", 0.5, "made up for this test");
        BoardModel.Corner o = KV260.optimistic();
        BoardModel.Corner slowWeights = new BoardModel.Corner("w", o.axiLatencyCycles(), o.portEfficiency(), half, o.ddrEfficiency());
        CycleModel m = new CycleModel(KV260, slowWeights);
        Gemm qkv = gemm(Isa.ROWS_ALL, 2304, 768);
        assertEquals(2 * 2304 / 64 * 768, m.exactCycles(qkv, launch(0, 1)), 2304 / 64 * 768 * 0.04, "weights at half rate");
        Attention a = attention(12, 64);
        assertEquals(OPTIMISTIC.exactCycles(a, launch(255, 1)), m.exactCycles(a, launch(255, 1)), 1e-9, "the KV port keeps its rate");
    }

    @Test
    void theU250RunsTheKernelsCyclesAtItsOwnClock() {
        // Same kernel, same 128-bit ports, same optimistic latency: its cycles are the KV260's (the memory never
        // binds on either), its time two thirds of them plus its own launch overhead.
        BoardModel u250 = BoardModel.u250();
        List<Instruction> program = List.of(gemm(Isa.ROWS_FIRST, 50304, 768), attention(12, 64));
        LaunchPrediction k = LaunchPrediction.of(KV260, program, launch(255, 1)), u = LaunchPrediction.of(u250, program, launch(255, 1));
        assertEquals(k.optimisticCycles(), u.optimisticCycles(), 1e-6);
        assertEquals(1000 * k.optimisticCycles() / 300e6 + 1000 * u250.launchOverheadSeconds(), u.band().lowMs(), 1e-9);
        assertTrue(u.pessimisticCycles() >= k.pessimisticCycles(), "a longer round trip is never faster");
        assertEquals(u250, BoardModel.named("u250"));
    }

    @Test
    void aLaunchPredictionIsItsInstructionsAndLaunchPlusTheOverhead() {
        List<Instruction> program = List.of(gemm(Isa.ROWS_ALL, 768, 768), attention(12, 64));
        LaunchPrediction p = LaunchPrediction.of(KV260, program, launch(100, 1));
        double cycles = p.optimisticLaunchCycles() + p.optimisticCycles(0) + p.optimisticCycles(1);
        assertEquals(1000 * cycles / KV260.clock() + 1000 * KV260.launchOverheadSeconds(), p.band().lowMs(), 1e-9);
        assertTrue(p.band().highMs() > p.band().lowMs());
        assertEquals(OPTIMISTIC.cycles(program.get(1), launch(100, 1)), Math.round(p.optimisticCycles(1)));
    }
}
