package dev.fpgallm.cli;

import dev.fpgallm.backend.Backend;
import dev.fpgallm.backend.Backends;
import dev.fpgallm.model.Gpt2Weights;
import picocli.CommandLine.Option;

/** --backend and the options backends read. */
public final class BackendOptions {
    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "ref",
            description = "ref (FP32 Java), emu (NPU emulator), xrt (NPU through XRT), ort (ONNX Runtime). Default: ${DEFAULT-VALUE}.")
    String backend;

    /** Checks the name before anything slow happens. */
    public void check() {
        Backends.check(backend);
    }

    public Backend open(Gpt2Weights weights, ModelOptions model) {
        return Backends.open(backend, weights, new Backends.Options(model.maxSeq));
    }
}
