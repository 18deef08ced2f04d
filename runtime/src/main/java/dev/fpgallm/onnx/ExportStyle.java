package dev.fpgallm.onnx;

import dev.fpgallm.UserError;

/**
 * How an exported graph spells the same model. The default looks like a Hugging Face optimum export; the other
 * styles exist so that the importer can be shown to match graphs by structure rather than by one exporter's habits.
 *
 * @param opset            standard operator set version, 17 (LayerNormalization) to 23
 * @param anonymousNames   initializers named like PyTorch's exporter does ({@code onnx::MatMul_1003}), nodes
 *                         unnamed, small constants as Constant nodes; else Hugging Face tensor names
 * @param unfusedLayerNorm LayerNorm as ReduceMean/Sub/Pow/Sqrt/Div/Mul/Add instead of LayerNormalization
 * @param geluOp           GELU as one {@code Gelu(approximate="tanh")} node (opset 20+) instead of its tanh formula
 * @param gemm             dense layers as Reshape/Gemm(transB=1)/Reshape instead of MatMul + Add
 * @param torchShapes      shapes computed at run time as PyTorch traces them: view shapes from Shape/Gather/Concat,
 *                         the attention scale as value.size(-1) ** 0.5, a view before the LM head, whose weight is a
 *                         pre-transposed copy even when tied (what constant folding leaves)
 */
public record ExportStyle(int opset, boolean anonymousNames, boolean unfusedLayerNorm, boolean geluOp, boolean gemm,
                          boolean torchShapes) {
    public static final int MIN_OPSET = 17;
    public static final int MAX_OPSET = 23;
    public static final ExportStyle OPTIMUM = new ExportStyle(17, false, false, false, false, false);

    public ExportStyle {
        if (opset < MIN_OPSET || opset > MAX_OPSET)
            throw new UserError("--opset " + opset + " is outside " + MIN_OPSET + ".." + MAX_OPSET
                    + " (17 is the first with LayerNormalization)");
        if (geluOp && opset < 20) throw new UserError("a Gelu node needs --opset 20 or later, not " + opset);
    }

    /** The IR version that came with each opset (ONNX 1.12: IR 8 / opset 17, ... ONNX 1.18: IR 11 / opset 23). */
    public long irVersion() {
        if (opset <= 18) return 8;
        if (opset <= 20) return 9;
        if (opset <= 22) return 10;
        return 11;
    }
}
