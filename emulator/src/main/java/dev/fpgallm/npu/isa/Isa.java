package dev.fpgallm.npu.isa;

/**
 * Constants of the NPU instruction set, exactly as docs/isa.md numbers them. The two implementations of the ISA
 * (this emulator and hls-kernels/) share nothing but that document.
 */
public final class Isa {
    private Isa() {
    }

    public static final String KERNEL_NAME = "npu_top";

    // Kernel arguments (xrtRunSetArg indices), isa.md section 2.
    public static final int ARG_PROGRAM = 0;
    public static final int ARG_WEIGHTS0 = 1; // .. ARG_WEIGHTS0 + 3
    public static final int WEIGHT_PORTS = 4;
    public static final int ARG_PARAMS = 5;
    public static final int ARG_ACT = 6;
    public static final int ARG_KV = 7;
    public static final int ARG_LOGITS = 8;
    public static final int ARG_STATUS = 9;
    public static final int ARG_POSITION = 10;
    public static final int ARG_N_TOKENS = 11;
    public static final int ARG_FLAGS = 12;
    public static final int BUFFER_ARGS = 10;
    public static final int ARG_COUNT = 13;

    /** Argument names as in the C signature, by index. */
    public static final String[] ARG_NAMES = {"program", "weights0", "weights1", "weights2", "weights3", "params",
            "act", "kv", "logits", "status", "position", "n_tokens", "flags"};

    /** The buffer arguments npu_top writes (isa.md section 2): everything else it only reads. */
    public static final int[] WRITTEN_ARGS = {ARG_ACT, ARG_KV, ARG_LOGITS, ARG_STATUS};

    /** PS ports of each buffer argument (hls-kernels/link/kv260.cfg): the memory group a buffer must live in. */
    public static final String[] ARG_PORTS = {"HPC1", "HP0", "HP1", "HP2", "HP3", "HPC1", "HPC0", "HPC0", "HPC1", "HPC1"};

    /** Launch flags (argument 12). */
    public static final int FLAG_SOFTMAX_EXACT = 1;

    // Program header, isa.md 4.1.
    public static final int MAGIC = 0x3155504E; // "NPU1"
    public static final int VERSION = 1;
    public static final int HEADER_WORDS = 16;
    public static final int INSTRUCTION_WORDS = 16;
    public static final int H_MAGIC = 0, H_VERSION = 1, H_N_INSTR = 2, H_WEIGHTS_BYTES = 4, H_PARAMS_BYTES = 5,
            H_ACT_BYTES = 6, H_KV_BYTES = 7, H_LOGITS_BYTES = 8, H_MAX_TOKENS = 9, H_MAX_SEQ = 10;

    // Opcodes and word-0 fields, isa.md 4.2.
    public static final int OP_GEMM = 0x01;
    public static final int OP_ATTENTION = 0x02;
    public static final int OP_LAYERNORM = 0x03;
    public static final int ROWS_ALL = 0, ROWS_LAST = 1, ROWS_FIRST = 2;
    public static final int OUT_INT16 = 0, OUT_INT8 = 1, OUT_INT32 = 2;
    public static final int GEMM_GELU = 1 << 12;
    public static final int GEMM_RESIDUAL = 1 << 13;

    public static final int MAX_K = 4096;
    public static final int MAX_N = 65536;
    public static final int MAX_D = 4096;
    public static final int MAX_HEADS = 64;
    public static final int MAX_HEAD_DIM = 256;
    public static final long MAX_LN_EPSILON = 1L << 56;
    public static final int GELU_TABLE_WORDS = 257;

    // Status words, isa.md section 6.
    public static final int STATUS_WORDS = 16;
    public static final int STATUS_BYTES = 4 * STATUS_WORDS;
    public static final int S_CODE = 0, S_FAILED_INSTR = 1, S_EXECUTED = 2, S_SATURATIONS = 3, S_OVERFLOWS = 4;
    public static final int OK = 0, BAD_HEADER = 1, BAD_ARGS = 2, BAD_OPCODE = 3, BAD_FIELD = 4, OUT_OF_BOUNDS = 5;

    public static String statusName(int code) {
        return switch (code) {
            case OK -> "OK";
            case BAD_HEADER -> "BAD_HEADER";
            case BAD_ARGS -> "BAD_ARGS";
            case BAD_OPCODE -> "BAD_OPCODE";
            case BAD_FIELD -> "BAD_FIELD";
            case OUT_OF_BOUNDS -> "OUT_OF_BOUNDS";
            default -> "status " + code;
        };
    }

    /** exp2neg coefficients in Q30 (isa.md 5.2): approx, degree 2. */
    static final long[] EXP2_APPROX = {1073741824L, -723982887L, 188660605L};
    /** exp2neg coefficients in Q30 (isa.md 5.2): exact, degree 6. */
    static final long[] EXP2_EXACT = {1073741824L, -744261015L, 257939262L, -59584159L, 10288366L, -1371275L, 117911L};
}
