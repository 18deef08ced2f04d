package dev.fpgallm.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fpgallm.backend.SequenceFullException;
import dev.fpgallm.compiler.CompiledModel;
import dev.fpgallm.compiler.NpuCompiler;
import dev.fpgallm.emu.EmulatedDevice;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.model.SyntheticCheckpoint;
import dev.fpgallm.npu.timing.BoardModel;
import dev.fpgallm.npu.isa.Isa;
import dev.fpgallm.npu.isa.Program;
import dev.fpgallm.npu.isa.ProgramHeader;
import dev.fpgallm.quant.ActivationScales;
import dev.fpgallm.quant.Calibration;
import dev.fpgallm.quant.Precision;
import dev.fpgallm.xrt.XrtException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** One launch of M rows and M launches of one row do exactly the same integer work. */
class PrefillDecodeIdentityTest {
    static Gpt2Weights weights;
    static ActivationScales scales;

    @BeforeAll
    static void model() {
        weights = SyntheticCheckpoint.generate(Gpt2Config.tiny(), 5);
        scales = ActivationScales.from(Calibration.run(weights, 2, 32), Precision.W8A16);
    }

    static NpuEngine engine(CompiledModel m, boolean exact) {
        return new NpuEngine("emu", EmulatedDevice.strict(), true, m, weights, exact, BoardModel.kv260());
    }

    @Test
    void prefillOfMTokensEqualsMDecodeSteps() {
        CompiledModel all = NpuCompiler.compile(weights, scales, new NpuCompiler.Options(32, 64, true));
        CompiledModel last = NpuCompiler.compile(weights, scales, new NpuCompiler.Options(32, 64, false));
        int[] tokens = {15496, 11, 616, 1438, 318, 1757, 290, 314, 1101, 257, 3303, 13, 50256, 0, 1, 2, 40, 41, 42, 43};
        for (boolean exact : new boolean[] {false, true}) {
            try (NpuEngine one = engine(all, exact); NpuEngine steps = engine(last, exact)) {
                float[][] prefill = one.prefillAll(tokens);
                for (int i = 0; i < tokens.length; i++)
                    assertArrayEquals(prefill[i], steps.decode(tokens[i]), "logits at position " + i);
                assertArrayEquals(one.deviceBytes(Isa.ARG_KV), steps.deviceBytes(Isa.ARG_KV), "KV caches");
                // and continuing after a prefill with decode steps matches too
                float[] a = one.decode(7), b = steps.decode(7);
                assertArrayEquals(a, b);
                assertEquals(21, one.position());
            }
        }
    }

    @Test
    void longPrefillsAreSplitIntoLaunchesOfMaxTokens() {
        CompiledModel small = NpuCompiler.compile(weights, scales, new NpuCompiler.Options(4, 64, false));
        CompiledModel big = NpuCompiler.compile(weights, scales, new NpuCompiler.Options(16, 64, false));
        int[] tokens = new int[11];
        for (int i = 0; i < tokens.length; i++) tokens[i] = 1000 + 37 * i;
        try (NpuEngine a = engine(small, false); NpuEngine b = engine(big, false)) {
            assertArrayEquals(a.prefill(tokens), b.prefill(tokens));
            assertTrue(a.predictedLastStepMillis().getAsDouble() > b.predictedLastStepMillis().getAsDouble(),
                    "three launches cost more launch overhead than one");
        }
    }

    @Test
    void sequenceFullIsAClearError() {
        CompiledModel m = NpuCompiler.compile(weights, scales, new NpuCompiler.Options(8, 8, false));
        try (NpuEngine e = engine(m, false)) {
            e.prefill(new int[] {1, 2, 3, 4, 5, 6, 7});
            e.decode(8);
            SequenceFullException ex = assertThrows(SequenceFullException.class, () -> e.decode(9));
            assertTrue(ex.getMessage().contains("8 positions"), ex.getMessage());
            e.reset();
            e.decode(9); // a new prompt starts at position 0 again
        }
    }

    @Test
    void outOfBoundsProgramIsRejectedByTheKernel() {
        CompiledModel m = NpuCompiler.compile(weights, scales, new NpuCompiler.Options(8, 16, false));
        ProgramHeader h = m.program().header();
        // claim a smaller activation buffer than the instructions use
        ProgramHeader lying = new ProgramHeader(h.instructionCount(), h.weightsBytes(), h.paramsBytes(), 1024,
                h.kvBytes(), h.logitsBytes(), h.maxTokens(), h.maxSeq());
        CompiledModel broken = new CompiledModel(m.config(), m.plan(), new Program(lying, m.program().instructions()),
                m.weights(), m.params(), m.scales());
        try (NpuEngine e = engine(broken, false)) {
            XrtException ex = assertThrows(XrtException.class, () -> e.decode(1));
            assertTrue(ex.getMessage().contains("OUT_OF_BOUNDS at instruction 0"), ex.getMessage());
        }
    }
}
