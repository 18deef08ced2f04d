package dev.fpgallm.engine;

import static dev.fpgallm.eval.Evaluation.argmax;
import static dev.fpgallm.eval.Evaluation.cosine;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import org.junit.jupiter.api.Test;

/** GPT-2 small's shape (12 layers) compiles and runs on the NPU. */
class Gpt2SmallSmokeTest {
    @Test
    void twelveLayersCompileAndRun() {
        Gpt2Weights w = SyntheticCheckpoint.generate(Gpt2Config.gpt2(), 1);
        ActivationScales s = ActivationScales.from(Calibration.run(w, 1, 16), Precision.W8A16);
        CompiledModel m = NpuCompiler.compile(w, s, new NpuCompiler.Options(8, 32, false));
        assertEquals(12 * 7 + 2, m.program().instructions().size());
        int[] prompt = {464, 3290, 7586, 21831};
        try (NpuEngine emu = new NpuEngine("emu", EmulatedDevice.strict(), true, m, w, false, BoardModel.kv260());
             ReferenceModel ref = new ReferenceModel(w, 32)) {
            float[] a = emu.prefill(prompt), b = ref.prefill(prompt);
            assertEquals(argmax(b), argmax(a));
            assertTrue(cosine(a, b) > 0.999, "cosine " + cosine(a, b));
            float[] c = emu.decode(argmax(a));
            for (float v : c) assertTrue(Float.isFinite(v));
            assertTrue(emu.predictedLastStepMillis().getAsDouble() > 0);
        }
    }
}
