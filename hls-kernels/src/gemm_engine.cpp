// GEMM engine (isa.md 4.2 GEMM, layout 3.2).
//
// The output channels are taken 64 at a time (a "group": tile column 4g + p from weights port p, p = 0..3), the
// input rows 16 at a time (a "row block", held on chip). For one group the four ports stream their tile columns
// side by side, one 16x16 tile (16 beats of 128 bits) per port per k step, into a ping-pong tile buffer: while
// the MAC array works on step k, the ports fill step k + 1. The MAC array does 256 MACs per cycle (one port's
// 16x16 tile against 16 inputs of one row), so a k step costs 4 cycles per row against 16 cycles of streaming:
// at 1 row (decode) the engine runs at port speed (64 MACs/cycle), from 4 rows on at 256 MACs/cycle.
// Accumulators are ping-pong too: the epilogue of group g - 1 runs while group g streams. The stages are kept
// as separate blocks (INLINE off) so that HLS can run the two calls of one iteration at the same time: they share
// no array and no port.
//
// Exactness: 16 products of int8 x int16 (|p| <= 2^22) sum to |s| < 2^26 in int32; the 64-bit accumulator
// (48 bits in the DSP cascade) holds |acc| < 2^35, so any summation order gives the same bits.
#include "gemm_engine.h"

#include "npu_isa.h"

namespace npu {

namespace {

typedef int8_t TileSet[PORTS][TILE][TILE];  // [port][channel within tile][input within tile]
typedef int16_t RowBlock[GEMM_ROW_BLOCK][MAX_K];
typedef int64_t GroupAcc[GEMM_ROW_BLOCK][GROUP_CHANNELS];

// Rows first .. first + rows - 1 of x into the on-chip row block, one 128-bit beat (8 inputs) per cycle.
void load_rows(const int16_t *act, const GemmOp &op, uint32_t first, uint32_t rows, RowBlock x) {
    for (uint32_t r = 0; r < rows; r++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 16
        const uint64_t at = ((uint64_t)op.x_base + (uint64_t)(first + r) * op.x_stride) / 2;
        for (uint32_t k = 0; k < op.K; k++) {
#pragma HLS LOOP_TRIPCOUNT min = 16 max = 4096 avg = 768
#pragma HLS PIPELINE II = 1
#pragma HLS UNROLL factor = 8
            x[r][k] = act[at + k];
        }
    }
}

// One k step of a group: a 16x16 tile from each port, one 128-bit beat (a channel's 16 inputs) per port per cycle.
// The beats are read into registers before they are stored, which also lets g++ vectorize the copy.
void load_tiles(const int8_t *w0, const int8_t *w1, const int8_t *w2, const int8_t *w3, uint64_t at, TileSet t) {
#pragma HLS INLINE off
    for (uint32_t c = 0; c < TILE; c++) {
#pragma HLS PIPELINE II = 1
        int8_t beat[PORTS][TILE];
        for (uint32_t i = 0; i < TILE; i++) {
#pragma HLS UNROLL
            const uint64_t b = at + c * TILE + i;
            beat[0][i] = w0[b];
            beat[1][i] = w1[b];
            beat[2][i] = w2[b];
            beat[3][i] = w3[b];
        }
        for (uint32_t p = 0; p < PORTS; p++) {
#pragma HLS UNROLL
            for (uint32_t i = 0; i < TILE; i++) {
#pragma HLS UNROLL
                t[p][c][i] = beat[p][i];
            }
        }
    }
}

// The MAC array: per cycle one port's tile (16 channels x 16 inputs = 256 MACs) against one row's 16 inputs of
// k step kt (one 256-bit word of the row block).
void mac_tiles(const TileSet t, const RowBlock x, uint32_t kt, uint32_t rows, GroupAcc acc) {
#pragma HLS INLINE off
    for (uint32_t r = 0; r < rows; r++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 16
        for (uint32_t p = 0; p < PORTS; p++) {
#pragma HLS PIPELINE II = 1
            for (uint32_t c = 0; c < TILE; c++) {
#pragma HLS UNROLL
                int32_t s = 0;
                for (uint32_t i = 0; i < TILE; i++) {
#pragma HLS UNROLL
                    s += (int32_t)t[p][c][i] * (int32_t)x[r][kt * TILE + i];
                }
                acc[r][p * TILE + c] += s;
            }
        }
    }
}

// All k steps of group g into acc, streaming step k + 1 while step k is multiplied.
void mac_group(const int8_t *w0, const int8_t *w1, const int8_t *w2, const int8_t *w3, uint64_t column,
               uint32_t k_tiles, const RowBlock x, uint32_t rows, GroupAcc acc) {
#pragma HLS INLINE off
    TileSet ping, pong;
#pragma HLS ARRAY_PARTITION variable = ping complete dim = 0
#pragma HLS ARRAY_PARTITION variable = pong complete dim = 0
    for (uint32_t r = 0; r < GEMM_ROW_BLOCK; r++) {
        for (uint32_t j = 0; j < GROUP_CHANNELS; j++) {
#pragma HLS UNROLL
            acc[r][j] = 0;
        }
    }
    if (k_tiles == 0) return;
    load_tiles(w0, w1, w2, w3, column, ping);
    for (uint32_t kt = 0; kt < k_tiles; kt++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 256 avg = 48
        const uint64_t next = column + (uint64_t)(kt + 1) * TILE_BYTES;
        const bool more = kt + 1 < k_tiles;
        if ((kt & 1) == 0) {
            if (more) load_tiles(w0, w1, w2, w3, next, pong);
            mac_tiles(ping, x, kt, rows, acc);
        } else {
            if (more) load_tiles(w0, w1, w2, w3, next, ping);
            mac_tiles(pong, x, kt, rows, acc);
        }
    }
}

// Bias, requantize, GELU, residual, saturate and store the 64 channels of group g for every row of the block.
void epilogue(const GemmOp &op, uint32_t g, uint32_t row0, uint32_t rows, const GroupAcc acc,
              const int32_t *params, const int32_t gelu_table[GELU_TABLE_WORDS], int16_t *act, int32_t *logits,
              Events &ev) {
#pragma HLS INLINE off
    int32_t bias[GROUP_CHANNELS];
    uint32_t rq[GROUP_CHANNELS];
    const uint64_t p = op.p_off / 4 + (uint64_t)g * GROUP_CHANNELS * 2;
    for (uint32_t j = 0; j < GROUP_CHANNELS; j++) {
#pragma HLS PIPELINE II = 1
        bias[j] = params[p + 2 * j];
        rq[j] = (uint32_t)params[p + 2 * j + 1];
    }
    const int64_t lo = out_lo(op.out), hi = out_hi(op.out);
    for (uint32_t r = 0; r < rows; r++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 16
        const uint64_t row = row0 + r;
        const uint64_t y_at = (uint64_t)op.y_base + row * op.y_stride;
        const uint64_t r_at = ((uint64_t)op.r_base + row * op.r_stride) / 2;
        for (uint32_t j = 0; j < GROUP_CHANNELS; j++) {
#pragma HLS PIPELINE II = 1
            const uint64_t n = (uint64_t)g * GROUP_CHANNELS + j;
            const int64_t a = acc[r][j] + bias[j];
            if (a < INT32_LO || a > INT32_HI) ev.overflows++;
            int64_t y = requant(a, rq[j]);
            if (op.gelu) y = gelu_lut((int32_t)saturate(y, -32768, 32767, ev), gelu_table);
            if (op.residual) y += requant(act[r_at + n], op.rq_res);
            y = saturate(y, lo, hi, ev);
            if (op.out == OUT_INT32)
                logits[y_at / 4 + n] = (int32_t)y;
            else
                act[y_at / 2 + n] = (int16_t)y;
        }
    }
}

}  // namespace

void gemm_engine(const GemmOp &op, const Launch &l, const int8_t *weights0, const int8_t *weights1,
                 const int8_t *weights2, const int8_t *weights3, const int32_t *params, int16_t *act,
                 int32_t *logits, Events &ev) {
    const uint32_t rows = rows_computed(op.rows, l.n_tokens);
    const uint32_t first = first_input_row(op.rows, l.n_tokens);
    const uint32_t k_tiles = op.K / TILE, groups = op.N / GROUP_CHANNELS;
    const uint32_t blocks = (uint32_t)(((uint64_t)rows + GEMM_ROW_BLOCK - 1) / GEMM_ROW_BLOCK);

    int32_t gelu_table[GELU_TABLE_WORDS];
    if (op.gelu) {
        for (uint32_t i = 0; i < GELU_TABLE_WORDS; i++) {
#pragma HLS PIPELINE II = 1
            gelu_table[i] = params[op.gelu_off / 4 + i];
        }
    }

    RowBlock x;
    // 16 inputs of a row per cycle: 256-bit words, 4096 deep, in 4 URAMs.
#pragma HLS ARRAY_RESHAPE variable = x cyclic factor = 16 dim = 2
#pragma HLS BIND_STORAGE variable = x type = ram_2p impl = uram
    GroupAcc acc_a, acc_b;
#pragma HLS ARRAY_PARTITION variable = acc_a complete dim = 2
#pragma HLS ARRAY_PARTITION variable = acc_b complete dim = 2

    for (uint32_t b = 0; b < blocks; b++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 16 avg = 1
        const uint32_t row0 = b * GEMM_ROW_BLOCK;
        const uint32_t rows_here = rows - row0 < GEMM_ROW_BLOCK ? rows - row0 : GEMM_ROW_BLOCK;
        load_rows(act, op, first + row0, rows_here, x);
        for (uint32_t g = 0; g <= groups; g++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 1025 avg = 37
            const uint64_t column = (uint64_t)op.w_off + (uint64_t)g * k_tiles * TILE_BYTES;
            if ((g & 1) == 0) {
                if (g < groups) mac_group(weights0, weights1, weights2, weights3, column, k_tiles, x, rows_here, acc_a);
                if (g > 0) epilogue(op, g - 1, row0, rows_here, acc_b, params, gelu_table, act, logits, ev);
            } else {
                if (g < groups) mac_group(weights0, weights1, weights2, weights3, column, k_tiles, x, rows_here, acc_b);
                if (g > 0) epilogue(op, g - 1, row0, rows_here, acc_a, params, gelu_table, act, logits, ev);
            }
        }
    }
}

}  // namespace npu
