// Attention engine (isa.md 4.2 ATTENTION, cache layout 3.4).
//
// Per row and head, two passes stream the head's cache from the kv port:
//   pass 1 streams K: score u[t] = clamp(requant(q . K[t])) into an on-chip score row, and the running max m;
//   pass 2 streams V: e = exp2neg(m - u[t]), E += e, acc[j] += e * V[t][j];
// then out[j] = sat(requant(div_round(acc[j], E))).
// The max must be known before the first e, so the scores are kept; positions beyond SCORE_BUFFER (isa.md puts
// no limit on max_seq) have their score recomputed from K in pass 2, which is exact and costs one more K read.
// |q . K| < 2^38 and |sum e * V| < 2^16 * 2^15 * max_seq fit int64.
#include "attention_engine.h"

#include "npu_isa.h"

namespace npu {

namespace {

// Elements of one head of one position in a cache region.
uint64_t cache_at(uint32_t base, uint32_t h, uint32_t max_seq, uint32_t t, uint32_t head_dim) {
    return ((uint64_t)base + ((uint64_t)h * max_seq + t) * head_dim * 2) / 2;
}

// This launch's K and V rows enter the cache (all rows and heads before any row attends).
void append(const AttentionOp &op, const Launch &l, const int16_t *act, int16_t *kv) {
    for (uint32_t r = 0; r < l.n_tokens; r++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 256 avg = 1
        const uint64_t row = (uint64_t)r * op.stride;
        const uint64_t k_at = ((uint64_t)op.k_base + row) / 2, v_at = ((uint64_t)op.v_base + row) / 2;
        for (uint32_t h = 0; h < op.n_head; h++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 64 avg = 12
            const uint64_t kc = cache_at(op.kc_base, h, l.header.max_seq, l.position + r, op.head_dim);
            const uint64_t vc = cache_at(op.vc_base, h, l.header.max_seq, l.position + r, op.head_dim);
            for (uint32_t j = 0; j < op.head_dim; j++) {
#pragma HLS LOOP_TRIPCOUNT min = 16 max = 256 avg = 64
#pragma HLS PIPELINE II = 1
                kv[kc + j] = act[k_at + h * op.head_dim + j];
                kv[vc + j] = act[v_at + h * op.head_dim + j];
            }
        }
    }
}

// q . K[t], in int64: 8 lanes, one 128-bit beat of K per cycle (head_dim is a multiple of 16).
int64_t dot(const int16_t q[MAX_HEAD_DIM], const int16_t *kv, uint64_t at, uint32_t head_dim) {
    int64_t s = 0;
    for (uint32_t j = 0; j < head_dim; j++) {
#pragma HLS LOOP_TRIPCOUNT min = 16 max = 256 avg = 64
#pragma HLS PIPELINE II = 1
#pragma HLS UNROLL factor = 8
        s += (int64_t)q[j] * kv[at + j];
    }
    return s;
}

int64_t score(int64_t s, uint32_t rq_score) {
    return clamp(requant(s, rq_score), INT32_LO, INT32_HI);
}

// One row's head: softmax over positions 0 .. p of the cache, times V.
void attend(const AttentionOp &op, const Launch &l, uint32_t r, uint32_t h, int16_t *act, const int16_t *kv,
            Events &ev) {
    const uint32_t hd = op.head_dim, p = l.position + r, max_seq = l.header.max_seq;
    const uint64_t q_at = ((uint64_t)op.q_base + (uint64_t)r * op.stride) / 2 + (uint64_t)h * hd;
    int16_t q[MAX_HEAD_DIM];
#pragma HLS ARRAY_PARTITION variable = q cyclic factor = 8 dim = 1
    for (uint32_t j = 0; j < hd; j++) {
#pragma HLS LOOP_TRIPCOUNT min = 16 max = 256 avg = 64
#pragma HLS PIPELINE II = 1
        q[j] = act[q_at + j];
    }

    int32_t u[SCORE_BUFFER];
#pragma HLS BIND_STORAGE variable = u type = ram_2p impl = bram
    int64_t m = INT32_LO;
    for (uint32_t t = 0; t <= p; t++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 1024 avg = 256
        const int64_t s = dot(q, kv, cache_at(op.kc_base, h, max_seq, t, hd), hd);
        if (s < INT32_LO || s > INT32_HI) ev.overflows++;
        const int64_t v = score(s, op.rq_score);
        if (t < SCORE_BUFFER) u[t] = (int32_t)v;
        if (v > m) m = v;
    }

    int64_t acc[MAX_HEAD_DIM];
#pragma HLS ARRAY_PARTITION variable = acc cyclic factor = 8 dim = 1
    for (uint32_t j = 0; j < hd; j++) {
#pragma HLS LOOP_TRIPCOUNT min = 16 max = 256 avg = 64
        acc[j] = 0;
    }
    int64_t E = 0;
    for (uint32_t t = 0; t <= p; t++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 1024 avg = 256
        const int64_t v = t < SCORE_BUFFER
                              ? (int64_t)u[t]
                              : score(dot(q, kv, cache_at(op.kc_base, h, max_seq, t, hd), hd), op.rq_score);
        const int64_t e = exp2neg(m - v, l.exact_softmax);
        E += e;
        const uint64_t v_at = cache_at(op.vc_base, h, max_seq, t, hd);
        for (uint32_t j = 0; j < hd; j++) {
#pragma HLS LOOP_TRIPCOUNT min = 16 max = 256 avg = 64
#pragma HLS PIPELINE II = 1
#pragma HLS UNROLL factor = 8
            acc[j] += e * kv[v_at + j];
        }
    }

    // E >= 65536: the position of the maximum contributes exp2neg(0).
    const uint64_t o_at = ((uint64_t)op.o_base + (uint64_t)r * op.o_stride) / 2 + (uint64_t)h * hd;
    const int64_t lo = out_lo(op.out), hi = out_hi(op.out);
    for (uint32_t j = 0; j < hd; j++) {
#pragma HLS LOOP_TRIPCOUNT min = 16 max = 256 avg = 64
#pragma HLS PIPELINE II = 1
        const int64_t c = div_round(acc[j], E);
        act[o_at + j] = (int16_t)saturate(requant(c, op.rq_out), lo, hi, ev);
    }
}

}  // namespace

void attention_engine(const AttentionOp &op, const Launch &l, int16_t *act, int16_t *kv, Events &ev) {
    append(op, l, act, kv);
    for (uint32_t r = 0; r < l.n_tokens; r++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 256 avg = 1
        for (uint32_t h = 0; h < op.n_head; h++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 64 avg = 12
            attend(op, l, r, h, act, kv, ev);
        }
    }
}

}  // namespace npu
