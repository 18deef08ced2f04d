package dev.fpgallm.cli;

import dev.fpgallm.Progress;
import dev.fpgallm.UserError;
import dev.fpgallm.backend.BackendKind;
import dev.fpgallm.backends.Backends;
import dev.fpgallm.compiler.NpuLimits;
import dev.fpgallm.eval.LayerSensitivity;
import dev.fpgallm.model.Gpt2Config;
import dev.fpgallm.model.Gpt2Weights;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;

/**
 * What every backend reads, whichever runs: the NPU's settings, XRT's, the threads, and the board predictions are for;
 * and the {@link Backends.Options} they make for one backend. Commands that run one backend take it with --backend
 * ({@link BackendOptions}); bench takes several.
 */
public final class BackendSettings {
    @Mixin
    NpuOptions npu = new NpuOptions();
    @Mixin
    XrtOptions xrt = new XrtOptions();
    @Mixin
    ThreadsOption threads = new ThreadsOption();

    /** The board the NPU backends predict for: the command's --board options (generate, bench, eval). */
    BoardOptions board = new BoardOptions();

    /** The NPU settings of a command that runs no backend (inspect compiles only). */
    static BackendSettings of(NpuOptions npu, BoardOptions board) {
        BackendSettings s = new BackendSettings();
        s.npu = npu;
        s.board = board;
        return s;
    }

    /** The checks that need no model: the board file, the device index. */
    void check() {
        board.model();
        xrt.check();
    }

    /** All checks against the model, and whether an NPU backend can run it with {@code maxSeq} positions. */
    void check(BackendKind kind, Gpt2Config c, int maxSeq, boolean allLogits) {
        check();
        npu.check(c);
        if (kind.npu()) NpuLimits.check(c, maxSeq, allLogits);
    }

    /** The backend's options, with --fp16-layers resolved against the model (auto measures first). */
    Backends.Options options(BackendKind kind, Gpt2Weights weights, int maxSeq, Progress.Sink progress, boolean allLogits) {
        Backends.Options o = new Backends.Options(maxSeq, npu.precision, npu.exactSoftmax(), allLogits, progress,
                xrt.board(), List.of(), board.model(), threads.threads);
        return o.withFp16Layers(resolveFp16(kind, weights, o, progress::note));
    }

    /** The FP16 layers for an NPU backend; nothing (with a note) for the FP32 backends, which have no INT8 layers. */
    private List<Integer> resolveFp16(BackendKind kind, Gpt2Weights w, Backends.Options o, Consumer<String> notice) {
        NpuOptions.Fp16Spec spec = npu.fp16Layers;
        if (spec.none()) return List.of();
        if (!kind.npu()) {
            notice.accept("note: --fp16-layers applies to the NPU backends (emu, xrt); " + kind + " computes in FP32");
            return List.of();
        }
        int n = w.config().nLayer();
        if (spec.all()) {
            List<Integer> all = new ArrayList<>();
            for (int l = 0; l < n; l++) all.add(l);
            return all;
        }
        if (spec.auto() > 0) {
            if (spec.auto() > n) throw new UserError("--fp16-layers auto:" + spec.auto() + ": the model has " + n + " layers");
            notice.accept("measuring each layer's sensitivity for --fp16-layers auto (" + n + " runs on the calibration text) ...");
            List<Integer> picked = LayerSensitivity.pick(LayerSensitivity.rank(w, o, kind.id(), notice), spec.auto());
            notice.accept("--fp16-layers auto: layers " + picked + " in FP16 on the host");
            return picked;
        }
        for (int l : spec.layers())
            if (l >= n) throw new UserError("--fp16-layers: layer " + l + " does not exist (the model has layers 0.." + (n - 1) + ")");
        return spec.layers();
    }

    /** --backend's values: ref, emu, xrt, ort. */
    static final class KindConverter implements ITypeConverter<BackendKind> {
        @Override
        public BackendKind convert(String value) {
            return NpuOptions.parsed(() -> BackendKind.parse(value));
        }
    }
}
