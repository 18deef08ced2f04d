package dev.fpgallm.backends;

import dev.fpgallm.backend.Backend;
import dev.fpgallm.backend.BackendKind;
import dev.fpgallm.Progress;
import dev.fpgallm.compiler.CompiledModel;
import dev.fpgallm.compiler.NpuCompiler;
import dev.fpgallm.emu.EmulatedDevice;
import dev.fpgallm.engine.NpuEngine;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.npu.timing.BoardModel;
import dev.fpgallm.quant.ActivationScales;
import dev.fpgallm.quant.CalibrationCache;
import dev.fpgallm.quant.Precision;
import dev.fpgallm.onnx.OrtBackend;
import dev.fpgallm.reference.ReferenceModel;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/** Opens a backend by its CLI name. */
public final class Backends {
    public static final List<String> NAMES = Arrays.stream(BackendKind.values()).map(BackendKind::id).toList();

    private Backends() {
    }

    /**
     * Options every backend may read; each ignores the ones that do not concern it.
     *
     * @param maxSeq       KV-cache positions
     * @param precision    NPU activation precision (emu, xrt)
     * @param exactSoftmax NPU softmax mode (emu, xrt): exact or the approximate fast path
     * @param allLogits    the NPU program computes logits for every prefill row ({@code logits --prefill})
     * @param progress     one-line notices and the progress of long steps (calibration, ...), for stderr
     * @param board        XRT library, xclbin and device (xrt)
     * @param fp16Layers   layers the NPU backends leave to FP16 on the host (docs/quantization.md)
     * @param boardModel   the board the NPU backends' predictions are for (emu, xrt; --board, --board-calibration)
     * @param threads      threads to compute on ({@code --threads}): the emulator's workers, the FP32 reference's
     *                     threads, ONNX Runtime's intra-op threads
     */
    public record Options(int maxSeq, Precision precision, boolean exactSoftmax, boolean allLogits,
                          Progress.Sink progress, XrtBoard.Options board, List<Integer> fp16Layers, BoardModel boardModel,
                          int threads) {
        public Options {
            fp16Layers = List.copyOf(fp16Layers);
            if (threads < 1) throw new IllegalArgumentException("threads " + threads + " < 1");
        }

        public Options(int maxSeq, Precision precision, boolean exactSoftmax, boolean allLogits, Consumer<String> notice,
                       XrtBoard.Options board) {
            this(maxSeq, precision, exactSoftmax, allLogits, Progress.Sink.lines(notice), board, List.of(),
                    BoardModel.kv260(), Runtime.getRuntime().availableProcessors());
        }

        public Options(int maxSeq, Precision precision, boolean exactSoftmax, boolean allLogits, Consumer<String> notice) {
            this(maxSeq, precision, exactSoftmax, allLogits, notice, XrtBoard.Options.DEFAULT);
        }

        public Options(int maxSeq) {
            this(maxSeq, Precision.W8A16, false, false, s -> { });
        }

        /** One-line notices (the progress sink's notes). */
        public Consumer<String> notice() {
            return progress::note;
        }

        public Options withMaxSeq(int n) {
            return new Options(n, precision, exactSoftmax, allLogits, progress, board, fp16Layers, boardModel, threads);
        }

        public Options withAllLogits(boolean all) {
            return new Options(maxSeq, precision, exactSoftmax, all, progress, board, fp16Layers, boardModel, threads);
        }

        public Options withFp16Layers(List<Integer> layers) {
            return new Options(maxSeq, precision, exactSoftmax, allLogits, progress, board, layers, boardModel, threads);
        }

        public Options withBoardModel(BoardModel b) {
            return new Options(maxSeq, precision, exactSoftmax, allLogits, progress, board, fp16Layers, b, threads);
        }

        public Options withThreads(int n) {
            return new Options(maxSeq, precision, exactSoftmax, allLogits, progress, board, fp16Layers, boardModel, n);
        }
    }

    /** Fails fast on an unknown name, before any model is loaded. */
    public static void check(String name) {
        BackendKind.parse(name);
    }

    public static Backend open(String name, Gpt2Weights weights, Options options) {
        return open(BackendKind.parse(name), weights, options);
    }

    public static Backend open(BackendKind kind, Gpt2Weights weights, Options options) {
        return switch (kind) {
            case REF -> new ReferenceModel(weights, options.maxSeq(), options.threads());
            case EMU -> {
                CompiledModel model = compile(weights, options);
                // the emulator's workers are --threads; its own cycle model is the KV260's (the engine predicts for
                // options.boardModel())
                yield new NpuEngine("emu", new EmulatedDevice(true, options.threads()), true, model,
                        weights, options.exactSoftmax(), options.boardModel());
            }
            case XRT -> {
                CompiledModel model = compile(weights, options);
                yield XrtBoard.engine(model, weights, options.exactSoftmax(), options.board(), options.notice(),
                        options.boardModel());
            }
            case ORT -> OrtBackend.open(weights, options.maxSeq(), options.threads());
        };
    }

    /** Calibrates (or reuses the cached calibration), quantizes and compiles for the NPU. */
    public static CompiledModel compile(Gpt2Weights weights, Options options) {
        ActivationScales scales = ActivationScales.from(CalibrationCache.ranges(weights, options.progress()),
                options.precision());
        return NpuCompiler.compile(weights, scales,
                new NpuCompiler.Options(options.maxSeq(), options.maxSeq(), options.allLogits(), options.fp16Layers()));
    }
}
