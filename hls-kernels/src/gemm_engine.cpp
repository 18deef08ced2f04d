// GEMM engine (isa.md 4.2 GEMM, weight layout 3.2) as one DATAFLOW region per block of up to 16 input rows:
//
//   weights0..3 --> read_weights (x4) --w[p]--+
//   act (x rows, residual) --> read_act --x---+--> mac --acc--> epilogue --y--> write --> act or logits
//                                     \--residual-----------------^  ^
//   params (GELU table, records) --> read_params --gelu, records-----/
//
// Each weight port has its own free-running reader: one pipelined loop over the instruction's contiguous region
// in that buffer ((N / 64) x 16 x K bytes, one 128-bit beat per cycle), so the port streams without a gap from
// the first beat to the last. The MAC process consumes one beat from every port per cycle while it works on the
// block's first four rows, and multiplies each beat set by four rows per cycle (256 MACs: 4 ports x 16 inputs x
// 4 rows), so one row (decode) runs at port speed and 16 rows (prefill) at 256 MACs per cycle. The epilogue
// (bias, overflow check, requantize, GELU, residual, saturate) and the writer run one group of 64 output channels
// behind the MAC. act is read by one process and written by another (separate AXI channels); every other array
// is local to one process or a stream between two (UG1399, "Canonical Dataflow").
//
// Exactness: 16 products of int8 x int16 sum to |s| <= 2^26; the 48-bit accumulator holds |acc| <= 2^34 for
// K <= 4096 (isa.md), so any order of summation gives the same bits.
#include "gemm_engine.h"

#include "cost.h"
#include "npu_isa.h"
#include "npu_types.h"

namespace npu {

namespace {

// One MAC cycle's sums for the block's rows 4q .. 4q + 3 and channel c of the four tile columns of a group.
struct Acc16 {
    ap_int<48> v[GEMM_ROW_QUAD][PORTS];
};

struct Record {
    int32_t bias;
    uint32_t rq;
};

typedef hls::stream<word128> BeatStream;

// Stream depths (literal in the STREAM pragmas of gemm_block): a weight FIFO, 512 beats, holds what arrives while
// the MAC receives the block's x rows (K / 8 per row, 512 at K = 4096 and one row; with more rows the MAC is slower
// than the port and the reader stalls anyway); the sums FIFO holds one group's sums (16 words per quad, 4 quads:
// 64); records two groups ahead (128); the residual two groups of 16 rows (2 x 16 x 8 = 256 beats).

uint32_t quads(uint32_t rows) {
    return (rows + GEMM_ROW_QUAD - 1) / GEMM_ROW_QUAD;
}

// One weight port: the instruction's region of this buffer, as one burst of `beats` beats.
void read_weights(const word128 *w, const GemmOp op, BeatStream &out) {
    NPU_PROCESS(gemm_read_weights, 0);
    const uint64_t first_beat = op.w_off / BEAT_BYTES;
    const uint64_t beats = (uint64_t)(op.N / GROUP_CHANNELS) * op.K;  // (N / 64) tiles of 16 x K bytes
    NPU_LOOP(gemm_read_weights, 1, 2, BURST_READ, P_WEIGHTS);
gemm_read_weights:
    for (uint64_t i = 0; i < beats; i++) {
#pragma HLS PIPELINE II = 1
#pragma HLS LOOP_TRIPCOUNT min = 0 max = 4194304 avg = 27648
        NPU_TRIP(gemm_read_weights);
        out.write(w[first_beat + i]);
    }
}

// The act port's reads: the block's x rows (one burst each), then, with RESIDUAL, the residual's 64 channels of
// every output row for every group (one burst of 8 beats each), in the order the epilogue consumes them.
void read_act(const word128 *act, const GemmOp op, uint32_t first_in, uint32_t row0, uint32_t rows, BeatStream &x,
              BeatStream &residual) {
    NPU_PROCESS(gemm_read_act, 0);
    const uint32_t groups = op.N / GROUP_CHANNELS;
    const uint32_t x_beats = op.K / BEAT_I16;
gemm_x_rows:
    for (uint32_t r = 0; r < rows; r++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 16 avg = 1
        const uint64_t at = ((uint64_t)op.x_base + (uint64_t)(first_in + r) * op.x_stride) / BEAT_BYTES;
        NPU_LOOP(gemm_read_x, 1, 2, BURST_READ, P_ACT);
    gemm_read_x:
        for (uint32_t i = 0; i < x_beats; i++) {
#pragma HLS PIPELINE II = 1
#pragma HLS LOOP_TRIPCOUNT min = 0 max = 512 avg = 96
            NPU_TRIP(gemm_read_x);
            x.write(act[at + i]);
        }
    }
    if (!op.residual) return;
gemm_residual_groups:
    for (uint32_t g = 0; g < groups; g++) {
#pragma HLS LOOP_TRIPCOUNT min = 0 max = 1024 avg = 12
    gemm_residual_rows:
        for (uint32_t r = 0; r < rows; r++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 16 avg = 1
            const uint64_t at = ((uint64_t)op.r_base + (uint64_t)(row0 + r) * op.r_stride) / BEAT_BYTES +
                                (uint64_t)g * (GROUP_CHANNELS / BEAT_I16);
            NPU_LOOP(gemm_read_residual, 1, 2, BURST_READ, P_ACT);
        gemm_read_residual:
            for (uint32_t i = 0; i < GROUP_CHANNELS / BEAT_I16; i++) {
#pragma HLS PIPELINE II = 1
                NPU_TRIP(gemm_read_residual);
                residual.write(act[at + i]);
            }
        }
    }
}

// The params port (32-bit words): the GELU table (with GELU), then the N records {bias, rq}, one burst each.
void read_params(const int32_t *params, const GemmOp op, hls::stream<int32_t> &gelu, hls::stream<Record> &records) {
    NPU_PROCESS(gemm_read_params, 0);
    if (op.gelu) {
        NPU_LOOP(gemm_read_gelu, 1, 2, BURST_READ, P_PARAMS);
    gemm_read_gelu:
        for (uint32_t i = 0; i < GELU_TABLE_WORDS; i++) {
#pragma HLS PIPELINE II = 1
            NPU_TRIP(gemm_read_gelu);
            gelu.write(params[op.gelu_off / 4 + i]);
        }
    }
    const uint64_t at = op.p_off / 4;
    Record rec = {0, 0};
    NPU_LOOP(gemm_read_records, 1, 2, BURST_READ, P_PARAMS);
gemm_read_records:
    for (uint32_t i = 0; i < 2 * op.N; i++) {
#pragma HLS PIPELINE II = 1
#pragma HLS LOOP_TRIPCOUNT min = 0 max = 131072 avg = 4608
        NPU_TRIP(gemm_read_records);
        const int32_t w = params[at + i];
        if ((i & 1) == 0) {
            rec.bias = w;
        } else {
            rec.rq = (uint32_t)w;
            records.write(rec);
        }
    }
}

// The MAC array. First the block's x rows arrive into the row buffer (4 banks by row within a quad, 16 inputs
// per word); then one iteration per (group, k step, channel c, row quad): at the first quad of a channel it takes
// one beat from every port (channel c of tile column 4g + p: its 16 inputs of this k step), and every iteration
// multiplies those four beats by four rows. The sums of the last k step go to the epilogue.
void mac(BeatStream &w0, BeatStream &w1, BeatStream &w2, BeatStream &w3, BeatStream &x, const GemmOp op,
         uint32_t rows, hls::stream<Acc16> &out) {
    NPU_PROCESS(gemm_mac, 1);
    const uint32_t K = op.K, groups = op.N / GROUP_CHANNELS;
    NPU_WAIT_AXI();  // the first x beat comes one AXI latency after the act reader starts
    int16_t xb[GEMM_ROW_QUAD][GEMM_ROW_BLOCK / GEMM_ROW_QUAD][MAX_K];
#pragma HLS ARRAY_PARTITION variable = xb complete dim = 1
#pragma HLS ARRAY_RESHAPE variable = xb cyclic factor = 16 dim = 3
#pragma HLS BIND_STORAGE variable = xb type = ram_2p impl = uram
    const uint32_t x_beats = K / BEAT_I16;
    uint32_t r = 0, b = 0;
    NPU_LOOP(gemm_mac_x, 1, 2, COMPUTE, P_NONE);
gemm_mac_x:
    for (uint32_t i = 0; i < rows * x_beats; i++) {
#pragma HLS PIPELINE II = 1
#pragma HLS LOOP_TRIPCOUNT min = 0 max = 8192 avg = 96
        NPU_TRIP(gemm_mac_x);
        const word128 beat = x.read();
    gemm_mac_x_lanes:
        for (uint32_t j = 0; j < BEAT_I16; j++) {
#pragma HLS UNROLL
            xb[r % GEMM_ROW_QUAD][r / GEMM_ROW_QUAD][b * BEAT_I16 + j] = lane16(beat, j);
        }
        if (++b == x_beats) {
            b = 0;
            r++;
        }
    }

    // Accumulators: bank [row within quad][port], address (quad, channel). An address is written again
    // 16 x quads >= 16 iterations later, more than the pipeline's depth: no true dependence at II = 1.
    ap_int<48> acc[GEMM_ROW_QUAD][PORTS][GEMM_ROW_BLOCK / GEMM_ROW_QUAD * TILE];
#pragma HLS ARRAY_PARTITION variable = acc complete dim = 1
#pragma HLS ARRAY_PARTITION variable = acc complete dim = 2
#pragma HLS DEPENDENCE variable = acc type = inter dependent = false
    int8_t wt[PORTS][TILE];
#pragma HLS ARRAY_PARTITION variable = wt complete dim = 0
    const uint32_t k_steps = K / TILE, q_count = quads(rows);
    const uint32_t steps = k_steps > 0 ? k_steps : 1;  // K = 0 still emits bias-only sums (zeros here)
    uint32_t kt = 0, c = 0, q = 0;
    NPU_LOOP_TAIL(gemm_mac, 1, 10, COMPUTE, P_NONE, TAIL_DEPTH);
gemm_mac:
    for (uint64_t it = 0; it < (uint64_t)groups * steps * TILE * q_count; it++) {
#pragma HLS PIPELINE II = 1
#pragma HLS LOOP_TRIPCOUNT min = 0 max = 16777216 avg = 27648
        NPU_TRIP(gemm_mac);
        if (q == 0 && k_steps > 0) {
            const word128 b0 = w0.read(), b1 = w1.read(), b2 = w2.read(), b3 = w3.read();
        gemm_mac_unpack:
            for (uint32_t i = 0; i < TILE; i++) {
#pragma HLS UNROLL
                wt[0][i] = lane8(b0, i);
                wt[1][i] = lane8(b1, i);
                wt[2][i] = lane8(b2, i);
                wt[3][i] = lane8(b3, i);
            }
        }
        Acc16 sums;
    gemm_mac_rows:
        for (uint32_t i = 0; i < GEMM_ROW_QUAD; i++) {
#pragma HLS UNROLL
            if (q * GEMM_ROW_QUAD + i >= rows) continue;  // a row past the block's end: its lanes stay idle
        gemm_mac_ports:
            for (uint32_t p = 0; p < PORTS; p++) {
#pragma HLS UNROLL
                int32_t s = 0;  // |s| <= 16 x 2^7 x 2^15 = 2^26
                if (k_steps > 0) {
                gemm_mac_dot:
                    for (uint32_t j = 0; j < TILE; j++) {
#pragma HLS UNROLL
                        s += (int32_t)wt[p][j] * (int32_t)xb[i][q][kt * TILE + j];
                    }
                }
                const ap_int<48> a = (kt == 0 ? (int64_t)0 : (int64_t)acc[i][p][q * TILE + c]) + s;
                acc[i][p][q * TILE + c] = a;
                sums.v[i][p] = a;
            }
        }
        if (kt == steps - 1) out.write(sums);
        if (++q == q_count) {
            q = 0;
            if (++c == TILE) {
                c = 0;
                if (++kt == steps) kt = 0;
            }
        }
    }
}

// Bias, overflow check, requantize, GELU, residual, saturate; per group: its 64 records, its sums (16 per MAC
// cycle, into banks by row within quad and port), then the outputs in memory order, packed into beats.
void epilogue(hls::stream<Acc16> &in, hls::stream<Record> &records, hls::stream<int32_t> &gelu, BeatStream &residual,
              const GemmOp op, uint32_t rows, BeatStream &out, uint32_t &saturations, uint32_t &overflows) {
    NPU_PROCESS(gemm_epilogue, 2);
    const uint32_t groups = op.N / GROUP_CHANNELS;
    Events ev = {0, 0};
    int32_t table[GELU_TABLE_WORDS];
#pragma HLS BIND_STORAGE variable = table type = ram_2p impl = bram
    if (op.gelu) {
        NPU_LOOP(gemm_epi_gelu, 1, 2, COMPUTE, P_NONE);
    gemm_epi_gelu:
        for (uint32_t i = 0; i < GELU_TABLE_WORDS; i++) {
#pragma HLS PIPELINE II = 1
            NPU_TRIP(gemm_epi_gelu);
            table[i] = gelu.read();
        }
    }
    const int64_t lo = out_lo(op.out), hi = out_hi(op.out);
    const uint32_t lanes = op.out == OUT_INT32 ? BEAT_I32 : BEAT_I16;
    const uint32_t q_count = quads(rows);
gemm_epi_groups:
    for (uint32_t g = 0; g < groups; g++) {
#pragma HLS LOOP_TRIPCOUNT min = 0 max = 1024 avg = 36
        Record rec[GROUP_CHANNELS];
        NPU_LOOP(gemm_epi_records, 1, 2, COMPUTE, P_NONE);
    gemm_epi_records:
        for (uint32_t j = 0; j < GROUP_CHANNELS; j++) {
#pragma HLS PIPELINE II = 1
            NPU_TRIP(gemm_epi_records);
            rec[j] = records.read();
        }
        ap_int<48> sums[GEMM_ROW_QUAD][PORTS][GEMM_ROW_BLOCK / GEMM_ROW_QUAD * TILE];
#pragma HLS ARRAY_PARTITION variable = sums complete dim = 1
#pragma HLS ARRAY_PARTITION variable = sums complete dim = 2
        uint32_t c = 0, q = 0;  // the MAC's order: channel, then quad
        NPU_LOOP(gemm_epi_receive, 1, 2, COMPUTE, P_NONE);
    gemm_epi_receive:
        for (uint32_t k = 0; k < TILE * q_count; k++) {
#pragma HLS PIPELINE II = 1
#pragma HLS LOOP_TRIPCOUNT min = 16 max = 64 avg = 16
            NPU_TRIP(gemm_epi_receive);
            const Acc16 a = in.read();
        gemm_epi_receive_rows:
            for (uint32_t i = 0; i < GEMM_ROW_QUAD; i++) {
#pragma HLS UNROLL
            gemm_epi_receive_ports:
                for (uint32_t p = 0; p < PORTS; p++) {
#pragma HLS UNROLL
                    sums[i][p][q * TILE + c] = a.v[i][p];
                }
            }
            if (++q == q_count) {
                q = 0;
                c++;
            }
        }
        word128 y_beat, r_beat;
        NPU_LOOP_TAIL(gemm_epi_outputs, 1, 12, COMPUTE, P_NONE, TAIL_LOOP);
    gemm_epi_outputs:
        for (uint32_t k = 0; k < rows * GROUP_CHANNELS; k++) {
#pragma HLS PIPELINE II = 1
#pragma HLS LOOP_TRIPCOUNT min = 64 max = 1024 avg = 64
            NPU_TRIP(gemm_epi_outputs);
            const uint32_t r = k / GROUP_CHANNELS, j = k % GROUP_CHANNELS;
            const uint32_t p = j / TILE, c = j % TILE;
            const int64_t a = (int64_t)sums[r % GEMM_ROW_QUAD][p][(r / GEMM_ROW_QUAD) * TILE + c] + rec[j].bias;
            if (a < INT32_LO || a > INT32_HI) ev.overflows++;
            int64_t y = requant(a, rec[j].rq);
            if (op.gelu) y = gelu_lut((int32_t)saturate(y, -32768, 32767, ev), table);
            if (op.residual) {
                if (j % BEAT_I16 == 0) r_beat = residual.read();
                y += requant(lane16(r_beat, j % BEAT_I16), op.rq_res);
            }
            y = saturate(y, lo, hi, ev);
            if (lanes == BEAT_I32)
                set_lane32(y_beat, j % BEAT_I32, (int32_t)y);
            else
                set_lane16(y_beat, j % BEAT_I16, (int16_t)y);
            if (j % lanes == lanes - 1) out.write(y_beat);
        }
    }
    saturations = ev.saturations;
    overflows = ev.overflows;
}

// One burst per output row and group: 64 channels, 8 beats into act (INT16, INT8) or 16 into logits (INT32).
void write_out(BeatStream &in, word128 *act, word128 *logits, const GemmOp op, uint32_t row0, uint32_t rows) {
    NPU_PROCESS(gemm_write, 3);
    const uint32_t groups = op.N / GROUP_CHANNELS;
    const bool to_logits = op.out == OUT_INT32;
    const uint32_t beats = to_logits ? GROUP_CHANNELS / BEAT_I32 : GROUP_CHANNELS / BEAT_I16;
gemm_write_groups:
    for (uint32_t g = 0; g < groups; g++) {
#pragma HLS LOOP_TRIPCOUNT min = 0 max = 1024 avg = 36
    gemm_write_rows:
        for (uint32_t r = 0; r < rows; r++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 16 avg = 1
            const uint64_t at = ((uint64_t)op.y_base + (uint64_t)(row0 + r) * op.y_stride) / BEAT_BYTES + (uint64_t)g * beats;
            if (to_logits) {
                NPU_LOOP_TAIL(gemm_write_logits, 1, 2, BURST_WRITE, P_LOGITS, TAIL_LOOP);
            gemm_write_logits:
                for (uint32_t i = 0; i < beats; i++) {
#pragma HLS PIPELINE II = 1
                    NPU_TRIP(gemm_write_logits);
                    logits[at + i] = in.read();
                }
            } else {
                NPU_LOOP_TAIL(gemm_write_act, 1, 2, BURST_WRITE, P_ACT, TAIL_LOOP);
            gemm_write_act:
                for (uint32_t i = 0; i < beats; i++) {
#pragma HLS PIPELINE II = 1
                    NPU_TRIP(gemm_write_act);
                    act[at + i] = in.read();
                }
            }
        }
    }
}

// One block of up to 16 rows: the DATAFLOW region. Only stream declarations and process calls.
void gemm_block(const GemmOp op, uint32_t first_in, uint32_t row0, uint32_t rows, const word128 *weights0,
                const word128 *weights1, const word128 *weights2, const word128 *weights3, const int32_t *params,
                word128 *act, word128 *logits, uint32_t &saturations, uint32_t &overflows) {
#pragma HLS DATAFLOW
    NPU_REGION(gemm_block);
    BeatStream w0("gemm_w0"), w1("gemm_w1"), w2("gemm_w2"), w3("gemm_w3"), x("gemm_x"), res("gemm_residual"),
        y("gemm_y");
    hls::stream<Acc16> sums("gemm_sums");
    hls::stream<Record> records("gemm_records");
    hls::stream<int32_t> gelu("gemm_gelu");
#pragma HLS STREAM variable = w0 depth = 512
#pragma HLS STREAM variable = w1 depth = 512
#pragma HLS STREAM variable = w2 depth = 512
#pragma HLS STREAM variable = w3 depth = 512
#pragma HLS STREAM variable = x depth = 4
#pragma HLS STREAM variable = res depth = 256
#pragma HLS STREAM variable = y depth = 32
#pragma HLS STREAM variable = sums depth = 64
#pragma HLS STREAM variable = records depth = 128
#pragma HLS STREAM variable = gelu depth = 4
    read_weights(weights0, op, w0);
    read_weights(weights1, op, w1);
    read_weights(weights2, op, w2);
    read_weights(weights3, op, w3);
    read_act(act, op, first_in, row0, rows, x, res);
    read_params(params, op, gelu, records);
    mac(w0, w1, w2, w3, x, op, rows, sums);
    epilogue(sums, records, gelu, res, op, rows, y, saturations, overflows);
    write_out(y, act, logits, op, row0, rows);
}

}  // namespace

void gemm_engine(const GemmOp &op, const Launch &l, const word128 *weights0, const word128 *weights1,
                 const word128 *weights2, const word128 *weights3, const int32_t *params, word128 *act,
                 word128 *logits, Events &ev) {
    const uint32_t rows = rows_computed(op.rows, l.n_tokens);
    const uint32_t first = first_input_row(op.rows, l.n_tokens);
gemm_row_blocks:
    for (uint32_t row0 = 0; row0 < rows; row0 += GEMM_ROW_BLOCK) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 8388608 avg = 1
        const uint32_t n = rows - row0 < GEMM_ROW_BLOCK ? rows - row0 : GEMM_ROW_BLOCK;
        uint32_t saturations = 0, overflows = 0;
        gemm_block(op, first + row0, row0, n, weights0, weights1, weights2, weights3, params, act, logits,
                   saturations, overflows);
        ev.saturations += saturations;
        ev.overflows += overflows;
    }
}

}  // namespace npu
