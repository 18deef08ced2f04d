package dev.fpgallm.hls;

import dev.fpgallm.npu.vectors.InstructionCases;
import dev.fpgallm.npu.vectors.NpuCase;
import java.util.List;

/** The instruction-level differential vectors, generated once per test JVM (they take seconds to fill). */
final class DifferentialVectors {
    private static List<NpuCase> cases;

    private DifferentialVectors() {
    }

    /** Every instruction's random, edge and error cases (InstructionCases, seed 2024, 40 random per kind). */
    static synchronized List<NpuCase> instructionCases() {
        if (cases == null) cases = List.copyOf(InstructionCases.generate(2024, 40));
        return cases;
    }
}
