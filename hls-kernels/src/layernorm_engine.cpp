// LayerNorm engine (isa.md 4.2 LAYERNORM), in sequential phases at one 128-bit beat (8 elements) per cycle:
// the {g, b} records are read once per instruction into two on-chip tables (the params port is 32 bits wide:
// one word per cycle); then per row: the row is read into a buffer while S and Q accumulate, V and its square root
// (31 steps) and inverse (63 steps) follow, and the normalised row is written back 8 elements per cycle.
//
// Ranges: |S| <= D 2^15 <= 2^27 and Q <= D 2^30 <= 2^42, so D Q - S S + E < 2^62 (isa.md); |D x - S| < 2^28 and
// inv < 2^31, so their product fits int64; |z| <= sqrt(D) 2^16 < 2^23 and |g| < 2^30.
// The square root and the inverse run on every row, also when V is 0 (the result is then discarded), so that a
// row's time does not depend on its values.
#include "layernorm_engine.h"

#include "cost.h"
#include "npu_isa.h"
#include "npu_types.h"

namespace npu {

void layernorm_engine(const LayerNormOp &op, const Launch &l, const int32_t *params, word128 *act, Events &ev) {
    const uint32_t D = op.D, beats = op.D / BEAT_I16;
    const uint32_t rows = rows_computed(op.rows, l.n_tokens);
    const uint32_t first = first_input_row(op.rows, l.n_tokens);

    int32_t g[MAX_D], b[MAX_D];
#pragma HLS ARRAY_PARTITION variable = g cyclic factor = 8 dim = 1
#pragma HLS ARRAY_PARTITION variable = b cyclic factor = 8 dim = 1
    NPU_LOOP(ln_read_params, 1, 2, BURST_READ, P_PARAMS);
ln_read_params:
    for (uint32_t i = 0; i < 2 * D; i++) {
#pragma HLS PIPELINE II = 1
#pragma HLS LOOP_TRIPCOUNT min = 32 max = 8192 avg = 1536
        NPU_TRIP(ln_read_params);
        const int32_t w = params[op.p_off / 4 + i];
        if ((i & 1) == 0)
            g[i / 2] = w;
        else
            b[i / 2] = w;
    }

    const int64_t lo = out_lo(op.out), hi = out_hi(op.out);
    int16_t x[MAX_D];
#pragma HLS ARRAY_PARTITION variable = x cyclic factor = 8 dim = 1
ln_rows:
    for (uint32_t r = 0; r < rows; r++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 134217728 avg = 1
        const uint64_t x_at = ((uint64_t)op.x_base + (uint64_t)(first + r) * op.x_stride) / BEAT_BYTES;
        ap_int<28> S = 0;
        ap_uint<43> Q = 0;
        NPU_LOOP(ln_read_row, 1, 4, BURST_READ, P_ACT);
    ln_read_row:
        for (uint32_t k = 0; k < beats; k++) {
#pragma HLS PIPELINE II = 1
#pragma HLS LOOP_TRIPCOUNT min = 2 max = 512 avg = 96
            NPU_TRIP(ln_read_row);
            const word128 w = act[x_at + k];
            int64_t s = 0, q = 0;
        ln_read_lanes:
            for (uint32_t j = 0; j < BEAT_I16; j++) {
#pragma HLS UNROLL
                const int16_t v = lane16(w, j);
                x[k * BEAT_I16 + j] = v;
                s += v;
                q += (int64_t)v * v;
            }
            S = (int64_t)S + s;
            Q = (int64_t)Q + q;
        }
        NPU_FIXED(ln_variance, 4);
        // D^2 (variance + eps) in x units: 0 <= V < 2^62.
        const int64_t V = (int64_t)D * (int64_t)Q - (int64_t)S * (int64_t)S + (int64_t)op.eps;
        const int64_t rt = (int64_t)isqrt((uint64_t)V);
        const int64_t full = (int64_t)inverse62(rt != 0 ? (uint64_t)rt : 1);  // floor(2^62 / rt)
        const uint32_t bits = bitlen((uint64_t)full);
        const uint32_t sh = bits > 31 ? bits - 31 : 0;
        const int64_t inv = rt != 0 ? full >> sh : 0;  // 31 significant bits

        const uint64_t y_at = ((uint64_t)op.y_base + (uint64_t)r * op.y_stride) / BEAT_BYTES;
        NPU_LOOP(ln_write_row, 1, 12, BURST_WRITE, P_ACT);
    ln_write_row:
        for (uint32_t k = 0; k < beats; k++) {
#pragma HLS PIPELINE II = 1
#pragma HLS LOOP_TRIPCOUNT min = 2 max = 512 avg = 96
            NPU_TRIP(ln_write_row);
            word128 w;
        ln_write_lanes:
            for (uint32_t j = 0; j < BEAT_I16; j++) {
#pragma HLS UNROLL
                const uint32_t i = k * BEAT_I16 + j;
                const int64_t z = rt == 0 ? 0 : rshift_round(((int64_t)D * x[i] - (int64_t)S) * inv, 46 - sh);
                const int64_t y = rshift_round(z * g[i] + (int64_t)b[i] * 65536, op.shift);
                set_lane16(w, j, (int16_t)saturate(y, lo, hi, ev));
            }
            act[y_at + k] = w;
        }
    }
}

}  // namespace npu
