package dev.fpgallm.backend;

import dev.fpgallm.UserError;
import dev.fpgallm.compiler.CompiledModel;
import dev.fpgallm.compiler.NpuCompiler;
import dev.fpgallm.emu.EmulatedDevice;
import dev.fpgallm.engine.NpuEngine;
import dev.fpgallm.model.Gpt2Weights;
import dev.fpgallm.npu.BoardModel;
import dev.fpgallm.quant.ActivationScales;
import dev.fpgallm.quant.CalibrationCache;
import dev.fpgallm.quant.Precision;
import dev.fpgallm.onnx.OrtBackend;
import dev.fpgallm.reference.ReferenceModel;
import java.util.List;
import java.util.function.Consumer;

/** Opens a backend by its CLI name. */
public final class Backends {
    public static final List<String> NAMES = List.of("ref", "emu", "xrt", "ort");

    private Backends() {
    }

    /**
     * Options every backend may read; each ignores the ones that do not concern it.
     *
     * @param maxSeq       KV-cache positions
     * @param precision    NPU activation precision (emu, xrt)
     * @param exactSoftmax NPU softmax mode (emu, xrt): exact or the approximate fast path
     * @param allLogits    the NPU program computes logits for every prefill row ({@code logits --prefill})
     * @param notice       one-line notices (calibration, ...) for stderr
     * @param board        XRT library, xclbin and device (xrt)
     * @param fp16Layers   layers the NPU backends leave to FP16 on the host (docs/quantization.md)
     * @param boardModel   the board the NPU backends' predictions are for (emu, xrt; --board, --board-calibration)
     */
    public record Options(int maxSeq, Precision precision, boolean exactSoftmax, boolean allLogits,
                          Consumer<String> notice, XrtBoard.Options board, List<Integer> fp16Layers, BoardModel boardModel) {
        public Options {
            fp16Layers = List.copyOf(fp16Layers);
        }

        public Options(int maxSeq, Precision precision, boolean exactSoftmax, boolean allLogits, Consumer<String> notice,
                       XrtBoard.Options board, List<Integer> fp16Layers) {
            this(maxSeq, precision, exactSoftmax, allLogits, notice, board, fp16Layers, BoardModel.kv260());
        }

        public Options(int maxSeq, Precision precision, boolean exactSoftmax, boolean allLogits, Consumer<String> notice,
                       XrtBoard.Options board) {
            this(maxSeq, precision, exactSoftmax, allLogits, notice, board, List.of());
        }

        public Options(int maxSeq, Precision precision, boolean exactSoftmax, boolean allLogits, Consumer<String> notice) {
            this(maxSeq, precision, exactSoftmax, allLogits, notice, XrtBoard.Options.DEFAULT);
        }

        public Options(int maxSeq) {
            this(maxSeq, Precision.W8A16, false, false, s -> { });
        }

        public Options withMaxSeq(int n) {
            return new Options(n, precision, exactSoftmax, allLogits, notice, board, fp16Layers, boardModel);
        }

        public Options withAllLogits(boolean all) {
            return new Options(maxSeq, precision, exactSoftmax, all, notice, board, fp16Layers, boardModel);
        }

        public Options withFp16Layers(List<Integer> layers) {
            return new Options(maxSeq, precision, exactSoftmax, allLogits, notice, board, layers, boardModel);
        }

        public Options withBoardModel(BoardModel b) {
            return new Options(maxSeq, precision, exactSoftmax, allLogits, notice, board, fp16Layers, b);
        }
    }

    /** Fails fast on an unknown name, before any model is loaded. */
    public static void check(String name) {
        if (!NAMES.contains(name))
            throw new UserError("unknown backend '" + name + "'; backends are " + String.join(", ", NAMES));
    }

    public static Backend open(String name, Gpt2Weights weights, Options options) {
        check(name);
        return switch (name) {
            case "ref" -> new ReferenceModel(weights, options.maxSeq());
            case "emu" -> {
                CompiledModel model = compile(weights, options);
                yield new NpuEngine("emu", EmulatedDevice.strict(), true, model, weights, options.exactSoftmax(),
                        options.boardModel());
            }
            case "xrt" -> {
                CompiledModel model = compile(weights, options);
                yield XrtBoard.engine(model, weights, options.exactSoftmax(), options.board(), options.notice(),
                        options.boardModel());
            }
            case "ort" -> OrtBackend.open(weights, options.maxSeq());
            default -> throw new IllegalStateException(name);
        };
    }

    /** Calibrates (or reuses the cached calibration), quantizes and compiles for the NPU. */
    public static CompiledModel compile(Gpt2Weights weights, Options options) {
        ActivationScales scales = ActivationScales.from(CalibrationCache.ranges(weights, options.notice()),
                options.precision());
        return NpuCompiler.compile(weights, scales,
                new NpuCompiler.Options(options.maxSeq(), options.maxSeq(), options.allLogits(), options.fp16Layers()));
    }
}
