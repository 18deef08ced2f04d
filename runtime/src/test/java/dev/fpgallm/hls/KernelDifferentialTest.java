package dev.fpgallm.hls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.fpgallm.compiler.CompiledModel;
import dev.fpgallm.compiler.NpuCompiler;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.model.SyntheticCheckpoint;
import dev.fpgallm.npu.isa.Instruction;
import dev.fpgallm.npu.isa.Isa;
import dev.fpgallm.npu.interpreter.Npu;
import dev.fpgallm.npu.vectors.NpuCase;
import dev.fpgallm.npu.interpreter.NpuMemory;
import dev.fpgallm.quant.ActivationScales;
import dev.fpgallm.quant.Calibration;
import dev.fpgallm.quant.Precision;
import dev.fpgallm.vectors.ModelCases;
import dev.fpgallm.vectors.VectorSet;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;

/**
 * The two implementations of docs/isa.md must agree byte for byte: every output buffer (act, kv, logits) and the
 * status words, for random and edge-case launches of every instruction, every status code, and whole model steps
 * of tiny and DistilGPT2. The C++ kernel is built with {@code make -C hls-kernels} and called through FFM.
 * A mismatch names the first differing instruction (found by re-running shorter programs), buffer and offset.
 */
class KernelDifferentialTest {
    static CsimKernel kernel;
    static Npu npu;
    static int compared;

    @BeforeAll
    static void build() throws IOException, InterruptedException {
        kernel = new CsimKernel(HlsBuild.build().resolve("libnpu_csim.so"));
        npu = new Npu(2);
    }

    @AfterAll
    static void close(TestReporter report) {
        if (kernel != null) kernel.close();
        if (npu != null) npu.close();
        report.publishEntry("KernelDifferentialTest: " + compared + " launches compared byte for byte");
    }

    @Test
    void everyInstructionEdgeAndErrorCase() {
        List<NpuCase> cases = DifferentialVectors.instructionCases();
        for (NpuCase c : cases) assertSame(c);
        assertEquals(true, cases.size() > 160, "cases: " + cases.size());
    }

    @Test
    void tinyModelStepsInEveryPrecisionAndSoftmaxMode() {
        List<NpuCase> cases = VectorSet.standard(3, 0, npu);
        for (NpuCase c : cases) assertSame(c);
    }

    @Test
    void distilGpt2PrefillAndDecodeSteps() {
        Gpt2Weights w = SyntheticCheckpoint.generate(Gpt2Config.distilgpt2(), 0);
        ActivationScales s = ActivationScales.from(Calibration.run(w, 1, 16), Precision.W8A16);
        CompiledModel m = NpuCompiler.compile(w, s, new NpuCompiler.Options(16, 64, false));
        for (int flags = 0; flags < 2; flags++)
            for (NpuCase c : ModelCases.steps("distilgpt2-" + flags, m, w, new int[] {15496, 11, 616, 1438, 318, 1757},
                    new int[] {290, 314}, flags, npu))
                assertSame(c);
    }

    /** Compares one case; on a mismatch, bisects the program to the first instruction that differs. */
    static void assertSame(NpuCase c) {
        compared++;
        String diff = difference(c.runOn(npu), kernel.run(c));
        if (diff == null) return;
        int bad = c.instructionCount();
        for (int k = 0; k < c.instructionCount(); k++) {
            NpuCase prefix = c.prefix(k + 1);
            if (difference(prefix.runOn(npu), kernel.run(prefix)) != null) {
                bad = k;
                break;
            }
        }
        String what = bad < c.instructionCount() ? "instruction " + bad + " (" + describe(c, bad) + ")" : "the launch checks";
        fail(c.name() + ": first difference in " + what + ": " + diff);
    }

    private static String describe(NpuCase c, int index) {
        try {
            int[] w = new int[Isa.INSTRUCTION_WORDS];
            for (int i = 0; i < w.length; i++)
                w[i] = java.nio.ByteBuffer.wrap(c.inputs().get(Isa.ARG_PROGRAM), 4 * (Isa.HEADER_WORDS + index * Isa.INSTRUCTION_WORDS + i), 4)
                        .order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt();
            return Instruction.decode(w, 0, index).toString();
        } catch (Exception e) {
            return "undecodable: " + e.getMessage();
        }
    }

    /** The first differing output byte, or null. */
    static String difference(NpuMemory emulator, NpuMemory cpp) {
        for (int arg : Isa.WRITTEN_ARGS) {
            byte[] a = emulator.get(arg), b = cpp.get(arg);
            int n = Math.min(a.length, b.length);
            for (int i = 0; i < n; i++)
                if (a[i] != b[i])
                    return "buffer " + Isa.ARG_NAMES[arg] + ", byte " + i + ": emulator " + (a[i] & 0xFF) + ", kernel "
                            + (b[i] & 0xFF);
            if (a.length != b.length) return "buffer " + Isa.ARG_NAMES[arg] + " lengths differ";
        }
        return null;
    }
}
