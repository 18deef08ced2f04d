package dev.fpgallm.engine;

import static dev.fpgallm.eval.Evaluation.argmax;
import static dev.fpgallm.eval.Evaluation.cosine;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fpgallm.compiler.CompiledModel;
import dev.fpgallm.compiler.NpuCompiler;
import dev.fpgallm.emu.EmulatedDevice;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.model.SyntheticCheckpoint;
import dev.fpgallm.npu.timing.BoardModel;
import dev.fpgallm.quant.ActivationScales;
import dev.fpgallm.quant.Calibration;
import dev.fpgallm.quant.Precision;
import dev.fpgallm.reference.ReferenceModel;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * FP16 fallback on tiny: the program is cut into segments at host FP16 layers, each run of FP16 layers costs one
 * more launch per step (none when it starts at layer 0), and the logits stay close to the FP32 reference.
 */
class Fp16FallbackTest {
    static Gpt2Weights weights;
    static ActivationScales scales;
    static final int[] TOKENS = {15496, 11, 616, 1438, 318, 1757, 290, 314, 1101, 257, 3303, 13};

    @BeforeAll
    static void model() {
        // 4 layers so that a gap in the middle exists
        Gpt2Config c = new Gpt2Config("tiny4", 4, 64, 4, 1024, Gpt2Config.GPT2_VOCAB, 1e-5, "gelu_new");
        weights = SyntheticCheckpoint.generate(c, 3);
        scales = ActivationScales.from(Calibration.run(weights, 2, 32), Precision.W8A16);
    }

    static NpuEngine engine(List<Integer> fp16, boolean allLogits) {
        CompiledModel m = NpuCompiler.compile(weights, scales, new NpuCompiler.Options(16, 32, allLogits, fp16));
        return new NpuEngine("emu", EmulatedDevice.strict(), true, m, weights, false, BoardModel.kv260());
    }

    @Test
    void segmentsAndLaunchesPerStepAreAsDocumented() {
        // layers -> {segments (= launches per step), NPU layers per segment}
        record Case(List<Integer> fp16, int launches, List<Integer> firstLayers) {
        }
        for (Case c : List.of(new Case(List.of(), 1, List.of(0)),
                new Case(List.of(0), 1, List.of(1)),          // FP16 at layer 0: host before the first launch
                new Case(List.of(1), 2, List.of(0, 2)),
                new Case(List.of(1, 2), 2, List.of(0, 3)),    // a run of FP16 layers costs one launch
                new Case(List.of(1, 3), 3, List.of(0, 2, 4)), // last layer FP16: ln_f + LM head alone
                new Case(List.of(0, 1, 2, 3), 1, List.of(4)))) {
            try (NpuEngine e = engine(c.fp16(), false)) {
                CompiledModel m = e.compiledModel();
                assertEquals(c.fp16(), m.fp16Layers());
                assertEquals(c.firstLayers(), m.segments().stream().map(CompiledModel.Segment::firstLayer).toList(), "" + c.fp16());
                e.prefill(new int[] {1, 2, 3});
                long before = e.launchCount();
                e.decode(4);
                assertEquals(c.launches(), e.launchCount() - before, "launches per decode step with FP16 layers " + c.fp16());
                assertEquals(c.fp16().isEmpty() ? "w8a16" : "w8a16+fp16:" + String.join(",",
                        c.fp16().stream().map(String::valueOf).toList()), e.precision());
                assertTrue(e.predictedLastStepMillis().getAsDouble() >= e.predictBand(3, 1).highMs(), "host time is added");
            }
        }
    }

    @Test
    void logitsStayCloseToTheReference() {
        try (ReferenceModel ref = new ReferenceModel(weights, 32); NpuEngine none = engine(List.of(), false);
             NpuEngine some = engine(List.of(1, 3), false); NpuEngine all = engine(List.of(0, 1, 2, 3), false)) {
            double[] cos = new double[3];
            int[] agree = new int[3];
            NpuEngine[] engines = {none, some, all};
            for (int t : TOKENS) {
                float[] r = ref.decode(t).clone();
                for (int i = 0; i < 3; i++) {
                    float[] q = engines[i].decode(t);
                    cos[i] += cosine(r, q) / TOKENS.length;
                    if (argmax(r) == argmax(q)) agree[i]++;
                }
            }
            for (int i = 0; i < 3; i++) {
                assertTrue(cos[i] > 0.999, "mean cosine " + cos[i] + " (engine " + i + ")");
                assertTrue(agree[i] >= TOKENS.length - 1, "top-1 agreement " + agree[i] + " (engine " + i + ")");
            }
            // with every layer in FP16 only ln_f and the LM head are quantized: closer than all-INT
            assertTrue(cos[2] > cos[0], "all FP16 " + cos[2] + " vs none " + cos[0]);
        }
    }

    @Test
    void prefillEqualsDecodeStepsWithHostLayers() {
        try (NpuEngine one = engine(List.of(1, 3), true); NpuEngine steps = engine(List.of(1, 3), false)) {
            float[][] prefill = one.prefillAll(TOKENS);
            for (int i = 0; i < TOKENS.length; i++)
                assertArrayEquals(prefill[i], steps.decode(TOKENS[i]), "logits at position " + i);
            assertArrayEquals(one.decode(7), steps.decode(7), "decode after prefill");
        }
    }

    @Test
    void halfRoundsLikeBinary16() {
        assertEquals(1.0f, HostFp16Block.half(1.0f));
        assertEquals(65504f, HostFp16Block.half(65504f));
        assertEquals(Float.POSITIVE_INFINITY, HostFp16Block.half(65520f));      // rounds past the largest half
        assertEquals(1.0009765625f, HostFp16Block.half(1.00073f));              // 1 + 2^-10 is the next half
        assertEquals(1.0f, HostFp16Block.half(1.0004f));
    }

    @Test
    void layersOutsideTheModelAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> engine(List.of(4), false));
    }
}
