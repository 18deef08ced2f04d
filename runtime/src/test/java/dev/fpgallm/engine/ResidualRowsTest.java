package dev.fpgallm.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.fpgallm.compiler.CompiledModel;
import dev.fpgallm.compiler.NpuCompiler;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.model.SyntheticCheckpoint;
import dev.fpgallm.quant.ActivationScales;
import dev.fpgallm.quant.Calibration;
import dev.fpgallm.quant.Precision;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** The host's quantization of residual rows: ties round half up (towards positive infinity), then saturate. */
class ResidualRowsTest {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Test
    void tiesRoundHalfUpAndTheRangeSaturates() {
        Gpt2Weights w = SyntheticCheckpoint.generate(Gpt2Config.tiny(), 1);
        CompiledModel m = NpuCompiler.compile(w, ActivationScales.from(Calibration.run(w, 1, 8), Precision.W8A16),
                new NpuCompiler.Options(1, 8, false));
        int d = w.config().nEmbd();
        float[] row = new float[d];
        float[] in = {2.5f, -2.5f, 0.5f, -0.5f, 1.4999f, -1.5f, 40000f, -40000f};
        System.arraycopy(in, 0, row, 0, in.length);
        MemorySegment act = MemorySegment.ofArray(new byte[(int) m.plan().actBytes()]);
        new ResidualRows(w, m).quantize(act, row, 1, 1.0);
        short[] got = new short[in.length];
        for (int i = 0; i < in.length; i++) got[i] = act.get(SHORT, m.plan().resA() + 2L * i);
        assertArrayEquals(new short[] {3, -2, 1, 0, 1, -1, 32767, -32768}, got);
    }
}
