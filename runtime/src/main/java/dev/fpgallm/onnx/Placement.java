package dev.fpgallm.onnx;

/**
 * Where one ONNX node runs when the model is compiled for the NPU of docs/isa.md, and what it costs per decode token.
 *
 * @param unit what executes it
 * @param role which part of the model it belongs to, e.g. "h.0 attn.c_attn" or "embedding"
 * @param macs multiply-accumulates for one decode token at the report's sequence length (0 for the rest)
 */
public record Placement(Unit unit, String role, long macs) {
    /** The NPU's instructions (docs/isa.md section 4.2), or the host CPU. */
    public enum Unit {
        GEMM("NPU GEMM"), ATTENTION("NPU ATTENTION"), LAYERNORM("NPU LAYERNORM"), HOST("host"),
        /** resolved when the model is imported: constants, static shape arithmetic, no-ops, unused nodes */
        IMPORT("import");

        public final String label;

        Unit(String label) {
            this.label = label;
        }

        public boolean offloaded() {
            return this != HOST && this != IMPORT;
        }
    }

    static Placement gemm(String role, long macs) {
        return new Placement(Unit.GEMM, role, macs);
    }

    static Placement host(String role) {
        return new Placement(Unit.HOST, role, 0);
    }
}
