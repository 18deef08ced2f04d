package dev.fpgallm.npu.timing;

import dev.fpgallm.npu.isa.Attention;
import dev.fpgallm.npu.isa.Gemm;
import dev.fpgallm.npu.isa.Instruction;
import dev.fpgallm.npu.isa.Isa;
import dev.fpgallm.npu.isa.Launch;
import dev.fpgallm.npu.isa.LayerNorm;
import java.util.EnumMap;
import java.util.List;

/**
 * Predicts the cycles of an instruction on a board from its shape by following the HLS kernel as written
 * (hls-kernels/src, docs/hardware.md "Cycle model"): the same loops with the same II, depth and trip counts, the
 * same DATAFLOW regions, in one corner of the board's memory system. The kernel's C-simulation counts the same
 * schedule as it runs (hls-kernels/src/cost.h) and a test holds the two within 2 % per instruction
 * (runtime/src/test/java/dev/fpgallm/hls/CycleAgreementTest); the loop table here must equal the kernel's.
 * <p>
 * One execution of a loop with T trips costs: compute {@code depth + (T - 1) II}; an inferred burst
 * {@code L + depth + (T - 1) max(II, 1 / rate)} (reads; a write adds L after its last beat instead); a manual
 * burst requested ahead {@code depth + max((T - 1) max(II, 1 / rate), L)}; manual write beats
 * {@code depth + (T - 1) max(II, 1 / rate)}; where L is the corner's AXI latency and rate = min(port efficiency,
 * outstanding x burst / (L + burst)) with the corner's efficiency for that port (the four weight ports may have
 * their own). A DATAFLOW region costs max over its processes of the process's cycles plus
 * the tails of the later stages, and never less than its bytes over the DDR's sustained bytes per cycle.
 */
public final class CycleModel {
    /** How a loop's cycles are charged (cost.h's Kind). */
    public enum Charge { COMPUTE, BURST_READ, BURST_WRITE, STREAM_READ, STREAM_WRITE, FIXED }

    /** What a loop contributes to its process's tail (cost.h's Tail). */
    public enum Tail { NONE, LOOP, DEPTH, ADD }

    /** The kernel's m_axi bundles with the settings their INTERFACE pragmas declare (hls-kernels/src/npu_top.cpp). */
    public enum Port {
        NONE("none", 0, 0, 0), PROGRAM("gmem_program", 16, 16, 16), WEIGHTS("gmem_w", 16, 16, 16),
        PARAMS("gmem_params", 4, 16, 64), ACT("gmem_act", 16, 16, 16), KV("gmem_kv", 16, 16, 16),
        LOGITS("gmem_logits", 16, 16, 16), STATUS("gmem_status", 16, 16, 16);

        public final String bundle;
        public final int beatBytes, outstanding, burstBeats;

        Port(String bundle, int beatBytes, int outstanding, int burstBeats) {
            this.bundle = bundle;
            this.beatBytes = beatBytes;
            this.outstanding = outstanding;
            this.burstBeats = burstBeats;
        }
    }

    /** One loop of the kernel: its C label, II, pipeline depth, how it is charged, its port, its tail mark. */
    public record Loop(String label, int ii, int depth, Charge charge, Port port, Tail tail) {
    }

    // The kernel's loops, as their NPU_LOOP lines declare them.
    static final Loop TOP_READ_HEADER = loop("top_read_header", 1, 2, Charge.BURST_READ, Port.PROGRAM, Tail.NONE);
    static final Loop TOP_FETCH_PROGRAM = loop("top_fetch_program", 1, 2, Charge.BURST_READ, Port.PROGRAM, Tail.NONE);
    static final Loop TOP_DECODE = loop("top_decode", 0, 8, Charge.FIXED, Port.NONE, Tail.NONE);
    static final Loop TOP_WRITE_STATUS = loop("top_write_status", 1, 2, Charge.BURST_WRITE, Port.STATUS, Tail.NONE);

    static final Loop GEMM_READ_WEIGHTS = loop("gemm_read_weights", 1, 2, Charge.BURST_READ, Port.WEIGHTS, Tail.NONE);
    static final Loop GEMM_READ_X = loop("gemm_read_x", 1, 2, Charge.BURST_READ, Port.ACT, Tail.NONE);
    static final Loop GEMM_READ_RESIDUAL = loop("gemm_read_residual", 1, 2, Charge.BURST_READ, Port.ACT, Tail.NONE);
    static final Loop GEMM_READ_GELU = loop("gemm_read_gelu", 1, 2, Charge.BURST_READ, Port.PARAMS, Tail.NONE);
    static final Loop GEMM_READ_RECORDS = loop("gemm_read_records", 1, 2, Charge.BURST_READ, Port.PARAMS, Tail.NONE);
    static final Loop GEMM_MAC_X = loop("gemm_mac_x", 1, 2, Charge.COMPUTE, Port.NONE, Tail.NONE);
    static final Loop GEMM_MAC = loop("gemm_mac", 1, 10, Charge.COMPUTE, Port.NONE, Tail.DEPTH);
    static final Loop GEMM_EPI_GELU = loop("gemm_epi_gelu", 1, 2, Charge.COMPUTE, Port.NONE, Tail.NONE);
    static final Loop GEMM_EPI_RECORDS = loop("gemm_epi_records", 1, 2, Charge.COMPUTE, Port.NONE, Tail.NONE);
    static final Loop GEMM_EPI_RECEIVE = loop("gemm_epi_receive", 1, 2, Charge.COMPUTE, Port.NONE, Tail.NONE);
    static final Loop GEMM_EPI_OUTPUTS = loop("gemm_epi_outputs", 1, 12, Charge.COMPUTE, Port.NONE, Tail.LOOP);
    static final Loop GEMM_WRITE_ACT = loop("gemm_write_act", 1, 2, Charge.BURST_WRITE, Port.ACT, Tail.LOOP);
    static final Loop GEMM_WRITE_LOGITS = loop("gemm_write_logits", 1, 2, Charge.BURST_WRITE, Port.LOGITS, Tail.LOOP);

    static final Loop ATT_READ_ROW = loop("att_read_row", 1, 2, Charge.BURST_READ, Port.ACT, Tail.NONE);
    static final Loop ATT_KV_CACHED = loop("att_kv_cached", 1, 2, Charge.STREAM_READ, Port.KV, Tail.NONE);
    static final Loop ATT_KV_NEW = loop("att_kv_new", 1, 2, Charge.STREAM_WRITE, Port.KV, Tail.NONE);
    static final Loop ATT_KV_KNEW = loop("att_kv_knew", 1, 2, Charge.COMPUTE, Port.NONE, Tail.NONE);
    static final Loop ATT_SCORES_Q = loop("att_scores_q", 1, 2, Charge.COMPUTE, Port.NONE, Tail.NONE);
    static final Loop ATT_SCORES = loop("att_scores", 1, 12, Charge.COMPUTE, Port.NONE, Tail.DEPTH);
    static final Loop ATT_SOFTMAX_SCORES = loop("att_softmax_scores", 1, 2, Charge.COMPUTE, Port.NONE, Tail.NONE);
    static final Loop ATT_SOFTMAX = loop("att_softmax", 1, 10, Charge.COMPUTE, Port.NONE, Tail.DEPTH);
    static final Loop ATT_VALUES = loop("att_values", 1, 8, Charge.COMPUTE, Port.NONE, Tail.DEPTH);
    static final Loop ATT_VALUES_OUT = loop("att_values_out", 1, 2, Charge.COMPUTE, Port.NONE, Tail.ADD);
    static final Loop RECIPROCAL_STEPS = loop("reciprocal_steps", 1, 3, Charge.COMPUTE, Port.NONE, Tail.LOOP);
    static final Loop ATT_NORMALIZE = loop("att_normalize", 1, 10, Charge.COMPUTE, Port.NONE, Tail.ADD);
    static final Loop ATT_WRITE = loop("att_write", 1, 2, Charge.BURST_WRITE, Port.ACT, Tail.LOOP);

    static final Loop LN_READ_PARAMS = loop("ln_read_params", 1, 2, Charge.BURST_READ, Port.PARAMS, Tail.NONE);
    static final Loop LN_READ_ROW = loop("ln_read_row", 1, 4, Charge.BURST_READ, Port.ACT, Tail.NONE);
    static final Loop LN_VARIANCE = loop("ln_variance", 0, 4, Charge.FIXED, Port.NONE, Tail.NONE);
    static final Loop ISQRT_STEPS = loop("isqrt_steps", 1, 3, Charge.COMPUTE, Port.NONE, Tail.NONE);
    static final Loop INVERSE_STEPS = loop("inverse_steps", 1, 3, Charge.COMPUTE, Port.NONE, Tail.NONE);
    static final Loop LN_WRITE_ROW = loop("ln_write_row", 1, 12, Charge.BURST_WRITE, Port.ACT, Tail.NONE);

    private static final List<Loop> LOOPS = List.of(TOP_READ_HEADER, TOP_FETCH_PROGRAM, TOP_DECODE, TOP_WRITE_STATUS,
            GEMM_READ_WEIGHTS, GEMM_READ_X, GEMM_READ_RESIDUAL, GEMM_READ_GELU, GEMM_READ_RECORDS, GEMM_MAC_X, GEMM_MAC,
            GEMM_EPI_GELU, GEMM_EPI_RECORDS, GEMM_EPI_RECEIVE, GEMM_EPI_OUTPUTS, GEMM_WRITE_ACT, GEMM_WRITE_LOGITS,
            ATT_READ_ROW, ATT_KV_CACHED, ATT_KV_NEW, ATT_KV_KNEW, ATT_SCORES_Q, ATT_SCORES, ATT_SOFTMAX_SCORES,
            ATT_SOFTMAX, ATT_VALUES, ATT_VALUES_OUT, RECIPROCAL_STEPS, ATT_NORMALIZE, ATT_WRITE,
            LN_READ_PARAMS, LN_READ_ROW, LN_VARIANCE, ISQRT_STEPS, INVERSE_STEPS, LN_WRITE_ROW);

    // The kernel's static bounds and fixed trip counts (hls-kernels/src/npu_isa.h, int_ops.h).
    static final int GEMM_ROW_BLOCK = 16, GEMM_ROW_QUAD = 4, ATT_ROW_BLOCK = 8, SCORE_CHUNK = 1024, PROGRAM_CHUNK = 64;
    static final int VALUES_MIN_STEPS = 4, RECIPROCAL_TRIPS = 60, ISQRT_TRIPS = 31, INVERSE_TRIPS = 63;

    private static Loop loop(String label, int ii, int depth, Charge charge, Port port, Tail tail) {
        return new Loop(label, ii, depth, charge, port, tail);
    }

    /** Every loop of the kernel, as the kernel's C-simulation lists them (label, II, depth, charge, port, tail). */
    public static List<Loop> loops() {
        return LOOPS;
    }

    private final BoardModel board;
    private final BoardModel.Corner corner;
    private final double latency, efficiency, weightEfficiency, ddrBytesPerCycle;

    /** The model in the board's optimistic corner. */
    public CycleModel(BoardModel board) {
        this(board, board.optimistic());
    }

    public CycleModel(BoardModel board, BoardModel.Corner corner) {
        this.board = board;
        this.corner = corner;
        this.latency = corner.axiLatencyCycles().value();
        this.efficiency = corner.portEfficiency().value();
        this.weightEfficiency = corner.weightPortEfficiency().value();
        this.ddrBytesPerCycle = board.ddrBytesPerCycle(corner);
    }

    public BoardModel board() {
        return board;
    }

    public BoardModel.Corner corner() {
        return corner;
    }

    /** Predicted cycles of one instruction in this launch (its decode and its engine), rounded. */
    public long cycles(Instruction instruction, Launch l) {
        return Math.round(exactCycles(instruction, l));
    }

    /** Predicted cycles of one instruction, unrounded. */
    public double exactCycles(Instruction instruction, Launch l) {
        return cost(TOP_DECODE, 1) + switch (instruction) {
            case Gemm g -> gemm(g, l);
            case Attention a -> attention(a, l);
            case LayerNorm n -> layerNorm(n, l);
        };
    }

    /** The launch's cycles outside its instructions: the header, the program fetched 64 instructions at a time, status. */
    public double launchCycles(int instructions) {
        double c = cost(TOP_READ_HEADER, 4) + cost(TOP_WRITE_STATUS, 4);
        for (int first = 0; first < instructions; first += PROGRAM_CHUNK)
            c += cost(TOP_FETCH_PROGRAM, 4L * Math.min(PROGRAM_CHUNK, instructions - first));
        return c;
    }

    public double seconds(long cycles) {
        return cycles / board.clock();
    }

    // --- GEMM: one region per block of up to 16 rows (gemm_engine.cpp) ---

    private double gemm(Gemm g, Launch l) {
        int rows = l.rowsRead(g.rows());
        double c = 0;
        for (int row0 = 0; row0 < rows; row0 += GEMM_ROW_BLOCK) c += gemmBlock(g, Math.min(GEMM_ROW_BLOCK, rows - row0));
        return c;
    }

    private double gemmBlock(Gemm g, int n) {
        long groups = Integer.toUnsignedLong(g.n()) / 64, k = Integer.toUnsignedLong(g.k());
        long q = (n + GEMM_ROW_QUAD - 1) / GEMM_ROW_QUAD, steps = Math.max(k / 16, 1), xBeats = k / 8;
        boolean toLogits = g.toLogits();
        int outBeats = toLogits ? 16 : 8;
        // stage 0: the readers
        double weights = cost(GEMM_READ_WEIGHTS, groups * k);
        double act = n * cost(GEMM_READ_X, xBeats) + (g.residual() ? groups * n * cost(GEMM_READ_RESIDUAL, 8) : 0);
        double params = (g.gelu() ? cost(GEMM_READ_GELU, Isa.GELU_TABLE_WORDS) : 0) + cost(GEMM_READ_RECORDS, 2 * groups * 64);
        // stage 1: the MAC array, after the first x beat's round trip
        long macTrips = groups * steps * 16 * q;
        double mac = latency + cost(GEMM_MAC_X, n * xBeats) + cost(GEMM_MAC, macTrips);
        double macTail = macTrips > 0 ? GEMM_MAC.depth() : 0;
        // stage 2: the epilogue, one group at a time
        double outputs = cost(GEMM_EPI_OUTPUTS, 64L * n);
        double epilogue = (g.gelu() ? cost(GEMM_EPI_GELU, Isa.GELU_TABLE_WORDS) : 0)
                + groups * (cost(GEMM_EPI_RECORDS, 64) + cost(GEMM_EPI_RECEIVE, 16 * q) + outputs);
        double epilogueTail = groups > 0 ? outputs : 0;
        // stage 3: one burst per row and group
        double burst = cost(toLogits ? GEMM_WRITE_LOGITS : GEMM_WRITE_ACT, outBeats);
        double write = groups * n * burst, writeTail = groups > 0 ? burst : 0;

        double region = max(Math.max(weights, Math.max(act, params)) + macTail + epilogueTail + writeTail,
                mac + epilogueTail + writeTail, epilogue + writeTail, write);
        double bytes = 4.0 * groups * k * 16 + 16.0 * (n * xBeats + (g.residual() ? groups * n * 8 : 0))
                + 4.0 * ((g.gelu() ? Isa.GELU_TABLE_WORDS : 0) + 2 * groups * 64) + 16.0 * groups * n * outBeats;
        return Math.max(region, bytes / ddrBytesPerCycle);
    }

    // --- ATTENTION: one region per block of up to 8 query rows, over all heads (attention_engine.cpp) ---

    private double attention(Attention a, Launch l) {
        double c = 0;
        long nTokens = Integer.toUnsignedLong(l.nTokens()), position = Integer.toUnsignedLong(l.position());
        for (long r0 = 0; r0 < nTokens; ) {
            long p0 = position + r0;
            long rows = Math.min(Math.min(ATT_ROW_BLOCK, nTokens - r0), SCORE_CHUNK - p0 % SCORE_CHUNK);
            c += attentionBlock(a, p0, rows);
            r0 += rows;
        }
        return c;
    }

    private double attentionBlock(Attention a, long p0, long rows) {
        long heads = a.nHead(), hd = a.headDim(), beats = hd / 8, newBeats = rows * beats;
        long npos = p0 + rows, chunks = (npos + SCORE_CHUNK - 1) / SCORE_CHUNK;
        long steps = Math.max(beats, VALUES_MIN_STEPS);
        double act = heads * 3 * rows * cost(ATT_READ_ROW, beats);
        // read_kv: per head, every segment's cached positions (manual bursts) and the block's own rows
        double kvHead = 0, kvBytes = 0;
        for (long s = 0; s < 2 * chunks; s++) {
            boolean isV = (s & 1) != 0;
            long chunk = isV ? (s - 1) / 2 : s / 2;
            long first = s == 0 ? 0 : chunk * SCORE_CHUNK;
            long end = Math.min(s == 0 ? npos : (chunk + 1) * SCORE_CHUNK, p0);
            long count = Math.max(end - first, 0);
            if (count > 0) {
                kvHead += cost(ATT_KV_CACHED, count * beats);
                kvBytes += 16.0 * count * beats;
            }
            if (s == 0 || chunk == chunks - 1) {
                boolean fresh = s == 0 || isV;
                kvHead += cost(fresh ? ATT_KV_NEW : ATT_KV_KNEW, newBeats);
                if (fresh) kvBytes += 16.0 * newBeats;
            }
        }
        double kv = latency + heads * kvHead;
        double scoresHead = cost(ATT_SCORES_Q, newBeats), softmaxHead = 0, valuesHead = 0;
        for (long c = 0; c < chunks; c++) {
            long first = c * SCORE_CHUNK, count = Math.min((c + 1) * SCORE_CHUNK, npos) - first;
            scoresHead += cost(ATT_SCORES, (c == 0 ? npos : count) * beats);
            softmaxHead += cost(ATT_SOFTMAX_SCORES, count) + cost(ATT_SOFTMAX, count * rows);
            valuesHead += cost(ATT_VALUES, count * steps);
        }
        double valuesOut = cost(ATT_VALUES_OUT, newBeats);
        double scores = heads * scoresHead, scoresTail = ATT_SCORES.depth();
        double softmax = heads * softmaxHead, softmaxTail = ATT_SOFTMAX.depth();
        double values = heads * (valuesHead + valuesOut), valuesTail = ATT_VALUES.depth() + valuesOut;
        double row = cost(RECIPROCAL_STEPS, RECIPROCAL_TRIPS) + cost(ATT_NORMALIZE, hd);
        double normalize = heads * rows * row, normalizeTail = row;
        double burst = cost(ATT_WRITE, beats);
        double write = heads * rows * burst, writeTail = burst;

        double t6 = writeTail, t5 = normalizeTail + t6, t4 = valuesTail + t5, t3 = softmaxTail + t4, t2 = scoresTail + t3;
        double region = max(act + t2, kv + t2, scores + t3, softmax + t4, values + t5, normalize + t6, write);
        double bytes = 16.0 * heads * (3 * rows * beats + rows * beats) + heads * kvBytes;
        return Math.max(region, bytes / ddrBytesPerCycle);
    }

    // --- LAYERNORM: sequential phases (layernorm_engine.cpp) ---

    private double layerNorm(LayerNorm n, Launch l) {
        long d = n.d(), rows = l.rowsRead(n.rows());
        double row = cost(LN_READ_ROW, d / 8) + cost(LN_VARIANCE, 1) + cost(ISQRT_STEPS, ISQRT_TRIPS)
                + cost(INVERSE_STEPS, INVERSE_TRIPS) + cost(LN_WRITE_ROW, d / 8);
        return cost(LN_READ_PARAMS, 2 * d) + rows * row;
    }

    // --- one loop execution ---

    /** The cycles of one execution of {@code loop} with {@code trips} trips in this corner (0 when it does not run). */
    double cost(Loop loop, long trips) {
        if (trips == 0) return 0;
        if (loop.charge() == Charge.FIXED) return loop.depth();
        double n = trips - 1, ii = loop.ii();
        if (loop.charge() == Charge.COMPUTE) return loop.depth() + n * ii;
        Port p = loop.port();
        double sustained = p.outstanding * (double) p.burstBeats / (latency + p.burstBeats);
        double rate = Math.min(p == Port.WEIGHTS ? weightEfficiency : efficiency, sustained);
        double beats = n * Math.max(ii, 1 / rate);
        return switch (loop.charge()) {
            case BURST_READ, BURST_WRITE -> loop.depth() + beats + latency;
            case STREAM_READ -> loop.depth() + Math.max(beats, latency);
            default -> loop.depth() + beats;
        };
    }

    private static double max(double... v) {
        double m = 0;
        for (double x : v) m = Math.max(m, x);
        return m;
    }

    /** Instruction classes the breakdown reports. */
    public enum Kind { GEMM, LM_HEAD, ATTENTION, LAYERNORM }

    public static Kind kind(Instruction i) {
        return switch (i) {
            case Gemm g -> g.toLogits() ? Kind.LM_HEAD : Kind.GEMM;
            case Attention a -> Kind.ATTENTION;
            case LayerNorm n -> Kind.LAYERNORM;
        };
    }

    /** Predicted cycles of one launch of a program, per instruction class. */
    public EnumMap<Kind, Long> breakdown(List<Instruction> program, Launch launch) {
        EnumMap<Kind, Long> m = new EnumMap<>(Kind.class);
        for (Kind k : Kind.values()) m.put(k, 0L);
        for (Instruction i : program) m.merge(kind(i), cycles(i, launch), Long::sum);
        return m;
    }
}
