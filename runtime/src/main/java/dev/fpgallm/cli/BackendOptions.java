package dev.fpgallm.cli;

import dev.fpgallm.Progress;
import dev.fpgallm.backend.Backend;
import dev.fpgallm.backend.BackendKind;
import dev.fpgallm.backends.Backends;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** --backend, for the commands that run one (generate, eval, logits), with the settings every backend reads. */
public final class BackendOptions {
    @Option(names = "--backend", paramLabel = "ref|emu|xrt|ort", converter = BackendSettings.KindConverter.class,
            description = "emu (NPU emulator), ref (FP32 Java), xrt (NPU through XRT), ort (ONNX Runtime). Default: ${DEFAULT-VALUE}.")
    BackendKind backend = BackendKind.EMU;

    @Mixin
    BackendSettings settings = new BackendSettings();

    void check(Gpt2Config c, int maxSeq, boolean allLogits) {
        settings.check(backend, c, maxSeq, allLogits);
    }

    Backends.Options options(Gpt2Weights weights, int maxSeq, Progress.Sink progress, boolean allLogits) {
        return settings.options(backend, weights, maxSeq, progress, allLogits);
    }

    Backend open(Gpt2Weights weights, int maxSeq, Progress.Sink progress, boolean allLogits) {
        return Backends.open(backend, weights, options(weights, maxSeq, progress, allLogits));
    }
}
