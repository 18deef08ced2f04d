// Attention engine (isa.md 4.2 ATTENTION, cache layout 3.4): one DATAFLOW region per block of up to 8 query rows,
// over all heads; per head the block streams that head's cached K and V once, whole:
//
//   act --> read_act (per head: the block's q, k, v rows) --q--> scores --u, m--> softmax --e--> values --acc-->
//                                                  \--new k, v--> read_kv --k--^                 ^      normalize
//   kv  --> read_kv (per head: cached K, then the new rows; cached V, then the new rows) --v-----/          |
//                    (and the new rows into the cache)                                     act <-- write <--o
//
// K and V of a head are contiguous over positions (isa.md 3.4), so each pass over a head is one manual burst
// (hls::burst_maxi) on the kv port, requested one segment ahead of the one being read: the port streams from the
// first cached position of head 0 to the last of head n - 1 without a gap. The block's own rows (this launch's
// new K and V) come from act through read_act: read_kv passes them on after the cached positions and writes them
// into the cache (isa.md: "first the new rows enter the cache"; no row of this block reads them from DDR, earlier
// blocks' rows were written by earlier regions). Causality within the block: row i attends positions
// t <= position + r0 + i; later positions of the block are streamed but weigh 0.
//
// scores computes q . K[t] for the block's rows at one K beat per cycle (8 lanes x rows), the clamped score
// u[t] and the running max; softmax keeps a chunk of 1024 positions of scores (isa.md sets no limit on max_seq:
// beyond, the K of each further chunk is streamed again and its scores recomputed, exactly) and computes
// e = exp2neg(m - u) one row and position per cycle with one polynomial unit; values accumulates e V at one V beat
// per cycle (8 lanes x rows); normalize divides each row and head by E with one reciprocal (int_ops.h) and one
// multiply per lane, requantizes and saturates. Ranges: |q . K| <= 2^38 (40 bits), e <= 2^16 (17 bits),
// E < 2^43 and |sum e V| < 2^58 (int_ops.h, div_round_by), so 44- and 59-bit registers hold them.
#include "attention_engine.h"

#include "cost.h"
#include "npu_isa.h"
#include "npu_types.h"

namespace npu {

namespace {

typedef hls::stream<word128> BeatStream;

struct ScoreVec {
    int32_t u[ATT_ROW_BLOCK];
};
struct WeightVec {
    ap_uint<17> e[ATT_ROW_BLOCK];
};
struct SumVec {
    ap_uint<44> E[ATT_ROW_BLOCK];
};
struct AccVec {
    ap_int<59> a[BEAT_I16];  // 8 lanes of one row
};

// The block: rows r0 .. r0 + rows - 1 of the launch, at positions p0 .. p0 + rows - 1; it streams positions
// 0 .. npos - 1, of which 0 .. p0 - 1 are cached in DDR, in chunks of SCORE_CHUNK positions.
struct Block {
    uint32_t r0, rows, p0, npos, chunks;
};

const uint32_t BEATS_MAX = ATT_ROW_BLOCK * MAX_HEAD_DIM / BEAT_I16;  // a block's rows of one head: 256 beats
// values: an accumulator is updated again after max(head_dim / 8, VALUES_MIN_STEPS) iterations, more than its
// read-add-write latency, so the loop keeps II = 1 (heads of 16 elements get bubbles instead).
const uint32_t VALUES_MIN_STEPS = 4;

uint64_t cache_beat(uint32_t base, uint32_t h, uint32_t max_seq, uint32_t t, uint32_t head_dim) {
    return ((uint64_t)base + ((uint64_t)h * max_seq + t) * head_dim * 2) / BEAT_BYTES;
}

// The cached positions of segment s of a head: s = 0 is the K pass over [0, p0); s = 2c + 1 the V pass over chunk
// c; s = 2c (c >= 1) the K pass that recomputes chunk c's scores. Each is a contiguous run of the head's region.
void segment(const Block &b, uint32_t s, bool &is_v, uint32_t &chunk, uint32_t &first, uint32_t &count) {
    is_v = (s & 1) != 0;
    chunk = is_v ? (s - 1) / 2 : s / 2;
    first = s == 0 ? 0 : chunk * SCORE_CHUNK;
    const uint32_t chunk_end = s == 0 ? b.npos : (chunk + 1) * SCORE_CHUNK;
    const uint32_t end = chunk_end < b.p0 ? chunk_end : b.p0;
    count = end > first ? end - first : 0;
}

// Positions of segment s that are this block's own rows (they come from read_act, not from DDR). The block never
// straddles a chunk boundary (attention_engine), so they all belong to the last chunk.
bool has_new(const Block &b, uint32_t s) {
    const bool is_v = (s & 1) != 0;
    const uint32_t chunk = is_v ? (s - 1) / 2 : s / 2;
    return s == 0 || chunk == b.chunks - 1;
}

// The act port's reads: per head, the block's q rows, then its k rows, then its v rows (one burst each).
void read_act(const word128 *act, const AttentionOp op, const Block b, BeatStream &q, BeatStream &fresh) {
    NPU_PROCESS(att_read_act, 0);
    const uint32_t beats = op.head_dim / BEAT_I16;
att_act_heads:
    for (uint32_t h = 0; h < op.n_head; h++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 64 avg = 12
    att_act_parts:
        for (uint32_t part = 0; part < 3; part++) {
            const uint32_t base = part == 0 ? op.q_base : part == 1 ? op.k_base : op.v_base;
        att_act_rows:
            for (uint32_t i = 0; i < b.rows; i++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 8 avg = 1
                const uint64_t at = ((uint64_t)base + (uint64_t)(b.r0 + i) * op.stride) / BEAT_BYTES +
                                    (uint64_t)h * beats;
                NPU_LOOP(att_read_row, 1, 2, BURST_READ, P_ACT);
            att_read_row:
                for (uint32_t j = 0; j < beats; j++) {
#pragma HLS PIPELINE II = 1
#pragma HLS LOOP_TRIPCOUNT min = 2 max = 32 avg = 8
                    NPU_TRIP(att_read_row);
                    const word128 w = act[at + j];
                    if (part == 0)
                        q.write(w);
                    else
                        fresh.write(w);
                }
            }
        }
    }
}

// The next cache segment to request on the kv port: the one after the last requested that has cached positions.
struct Requests {
    uint32_t h, s;
};

void request_next(hls::burst_maxi<word128> kv, const AttentionOp &op, const Launch &l, const Block &b, Requests &r) {
    const uint32_t segments = 2 * b.chunks;
att_kv_request:
    while (r.h < op.n_head) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 128 avg = 1
        bool is_v;
        uint32_t chunk, first, count;
        segment(b, r.s, is_v, chunk, first, count);
        const uint32_t h = r.h;
        if (++r.s == segments) {
            r.s = 0;
            r.h++;
        }
        if (count > 0) {
            kv.read_request(cache_beat(is_v ? op.vc_base : op.kc_base, h, l.header.max_seq, first, op.head_dim),
                            (uint64_t)count * (op.head_dim / BEAT_I16));
            return;
        }
    }
}

// The kv port: per head and segment, the cached positions (a manual burst requested while the previous one is
// read), then the block's own rows. The new K and V rows also enter the cache (one write request each; their
// responses are collected a head later, long after they arrived).
void read_kv(hls::burst_maxi<word128> kv, const AttentionOp op, const Launch l, const Block b, BeatStream &fresh,
             BeatStream &k, BeatStream &v) {
    NPU_PROCESS(att_read_kv, 1);
    NPU_WAIT_AXI();  // the first cached beat
    const uint32_t beats = op.head_dim / BEAT_I16, new_beats = b.rows * beats;
    word128 knew[BEATS_MAX];
    Requests next = {0, 0};
    request_next(kv, op, l, b, next);
att_kv_heads:
    for (uint32_t h = 0; h < op.n_head; h++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 64 avg = 12
    att_kv_segments:
        for (uint32_t s = 0; s < 2 * b.chunks; s++) {
#pragma HLS LOOP_TRIPCOUNT min = 2 max = 262144 avg = 2
            bool is_v;
            uint32_t chunk, first, count;
            segment(b, s, is_v, chunk, first, count);
            if (count > 0) {
                request_next(kv, op, l, b, next);  // one segment ahead
                NPU_LOOP(att_kv_cached, 1, 2, STREAM_READ, P_KV);
            att_kv_cached:
                for (uint32_t i = 0; i < count * beats; i++) {
#pragma HLS PIPELINE II = 1
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 268435456 avg = 2040
                    NPU_TRIP(att_kv_cached);
                    const word128 w = kv.read();
                    if (is_v)
                        v.write(w);
                    else
                        k.write(w);
                }
            }
            if (!has_new(b, s)) continue;
            if (s == 0 || is_v) {
                // The new rows, from read_act, on their way into the cache.
                if (s == 0 && h > 0) kv.write_response();
                if (is_v && h > 0) kv.write_response();
                kv.write_request(cache_beat(is_v ? op.vc_base : op.kc_base, h, l.header.max_seq, b.p0, op.head_dim),
                                 new_beats);
                NPU_LOOP(att_kv_new, 1, 2, STREAM_WRITE, P_KV);
            att_kv_new:
                for (uint32_t i = 0; i < new_beats; i++) {
#pragma HLS PIPELINE II = 1
#pragma HLS LOOP_TRIPCOUNT min = 2 max = 256 avg = 8
                    NPU_TRIP(att_kv_new);
                    const word128 w = fresh.read();
                    kv.write(w);
                    if (is_v) {
                        v.write(w);
                    } else {
                        knew[i] = w;
                        k.write(w);
                    }
                }
            } else {
                // A recomputed chunk: the new K rows again, from the copy kept in pass 1.
                NPU_LOOP(att_kv_knew, 1, 2, COMPUTE, P_NONE);
            att_kv_knew:
                for (uint32_t i = 0; i < new_beats; i++) {
#pragma HLS PIPELINE II = 1
#pragma HLS LOOP_TRIPCOUNT min = 2 max = 256 avg = 8
                    NPU_TRIP(att_kv_knew);
                    k.write(knew[i]);
                }
            }
        }
    }
    kv.write_response();  // the last head's K and V rows
    kv.write_response();
}

// q . K[t] for the block's rows, one K beat per cycle; per position the clamped scores u (the first chunk's in
// pass 1, a later chunk's when its K is streamed again), and after pass 1 each row's max.
void scores(BeatStream &q, BeatStream &k, const AttentionOp op, const Block b, hls::stream<ScoreVec> &u,
            hls::stream<ScoreVec> &maxes, uint32_t &overflows) {
    NPU_PROCESS(att_scores, 2);
    uint32_t ovf = 0;
    const uint32_t beats = op.head_dim / BEAT_I16;
    int16_t qb[ATT_ROW_BLOCK][MAX_HEAD_DIM];
#pragma HLS ARRAY_PARTITION variable = qb complete dim = 1
#pragma HLS ARRAY_PARTITION variable = qb cyclic factor = 8 dim = 2
att_scores_heads:
    for (uint32_t h = 0; h < op.n_head; h++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 64 avg = 12
        uint32_t row = 0, col = 0;
        NPU_LOOP(att_scores_q, 1, 2, COMPUTE, P_NONE);
    att_scores_q:
        for (uint32_t n = 0; n < b.rows * beats; n++) {
#pragma HLS PIPELINE II = 1
#pragma HLS LOOP_TRIPCOUNT min = 2 max = 256 avg = 8
            NPU_TRIP(att_scores_q);
            const word128 w = q.read();
        att_scores_q_lanes:
            for (uint32_t j = 0; j < BEAT_I16; j++) {
#pragma HLS UNROLL
                qb[row][col * BEAT_I16 + j] = lane16(w, j);
            }
            if (++col == beats) {
                col = 0;
                row++;
            }
        }
        ScoreVec m;
    att_scores_max_init:
        for (uint32_t i = 0; i < ATT_ROW_BLOCK; i++) m.u[i] = (int32_t)INT32_LO;
    att_scores_passes:
        for (uint32_t c = 0; c < b.chunks; c++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 131072 avg = 1
            // pass 1 (c = 0) covers every position; c >= 1 recomputes chunk c
            const uint32_t first = c == 0 ? 0 : c * SCORE_CHUNK;
            const uint32_t end = c == 0 || (c + 1) * SCORE_CHUNK > b.npos ? b.npos : (c + 1) * SCORE_CHUNK;
            ap_int<40> s[ATT_ROW_BLOCK];
#pragma HLS ARRAY_PARTITION variable = s complete dim = 1
        att_scores_sum_init:
            for (uint32_t i = 0; i < ATT_ROW_BLOCK; i++) s[i] = 0;
            uint32_t t = first, j = 0;
            NPU_LOOP_TAIL(att_scores, 1, 12, COMPUTE, P_NONE, TAIL_DEPTH);
        att_scores:
            for (uint32_t n = 0; n < (end - first) * beats; n++) {
#pragma HLS PIPELINE II = 1
#pragma HLS LOOP_TRIPCOUNT min = 2 max = 268435456 avg = 2048
                NPU_TRIP(att_scores);
                const word128 w = k.read();
                ScoreVec out;
            att_scores_rows:
                for (uint32_t i = 0; i < ATT_ROW_BLOCK; i++) {
#pragma HLS UNROLL
                    int64_t d = 0;  // 8 products of int16 x int16: |d| <= 2^33
                    if (i < b.rows) {
                    att_scores_lanes:
                        for (uint32_t x = 0; x < BEAT_I16; x++) {
#pragma HLS UNROLL
                            d += (int32_t)qb[i][j * BEAT_I16 + x] * (int32_t)lane16(w, x);
                        }
                    }
                    const int64_t sum = (int64_t)s[i] + d;  // |q . K| <= 2^38
                    s[i] = j == beats - 1 ? (int64_t)0 : sum;
                    const int64_t score = clamp(requant(sum, op.rq_score), INT32_LO, INT32_HI);
                    out.u[i] = (int32_t)score;
                    const bool valid = i < b.rows && t <= b.p0 + i;
                    if (j == beats - 1 && c == 0 && valid) {
                        if (sum < INT32_LO || sum > INT32_HI) ovf++;
                        if (score > m.u[i]) m.u[i] = (int32_t)score;
                    }
                }
                if (j == beats - 1) {
                    if (c > 0 || t < SCORE_CHUNK) u.write(out);
                    j = 0;
                    t++;
                } else {
                    j++;
                }
            }
            if (c == 0) maxes.write(m);
        }
    }
    overflows = ovf;
}

// e = exp2neg(m - u) for each row and position (0 beyond the row's causal range), one per cycle with one
// polynomial unit, and the sums E; a chunk of scores at a time.
void softmax(hls::stream<ScoreVec> &u, hls::stream<ScoreVec> &maxes, const Block b, bool exact,
             uint32_t n_head, hls::stream<WeightVec> &e, hls::stream<SumVec> &sums) {
    NPU_PROCESS(att_softmax, 3);
    int32_t ub[SCORE_CHUNK][ATT_ROW_BLOCK];
#pragma HLS ARRAY_PARTITION variable = ub complete dim = 2
att_softmax_heads:
    for (uint32_t h = 0; h < n_head; h++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 64 avg = 12
        SumVec E;
    att_softmax_sum_init:
        for (uint32_t i = 0; i < ATT_ROW_BLOCK; i++) E.E[i] = 0;
        ScoreVec m;
    att_softmax_chunks:
        for (uint32_t c = 0; c < b.chunks; c++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 131072 avg = 1
            const uint32_t first = c * SCORE_CHUNK;
            const uint32_t count = (c + 1) * SCORE_CHUNK > b.npos ? b.npos - first : SCORE_CHUNK;
            NPU_LOOP(att_softmax_scores, 1, 2, COMPUTE, P_NONE);
        att_softmax_scores:
            for (uint32_t t = 0; t < count; t++) {
#pragma HLS PIPELINE II = 1
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 1024 avg = 256
                NPU_TRIP(att_softmax_scores);
                const ScoreVec s = u.read();
            att_softmax_store:
                for (uint32_t i = 0; i < ATT_ROW_BLOCK; i++) {
#pragma HLS UNROLL
                    ub[t][i] = s.u[i];
                }
            }
            if (c == 0) m = maxes.read();
            WeightVec w;
            uint32_t t = 0, i = 0;
            NPU_LOOP_TAIL(att_softmax, 1, 10, COMPUTE, P_NONE, TAIL_DEPTH);
        att_softmax:
            for (uint32_t n = 0; n < count * b.rows; n++) {
#pragma HLS PIPELINE II = 1
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 8192 avg = 256
                NPU_TRIP(att_softmax);
                const bool valid = first + t <= b.p0 + i;
                // m >= u for every valid position: 0 <= m - u < 2^32
                const uint32_t d = (uint32_t)((int64_t)m.u[i] - (int64_t)ub[t][i]);
                const ap_uint<17> x = valid ? exp2neg(d, exact) : 0;
                w.e[i] = x;
                E.E[i] = (int64_t)E.E[i] + (int64_t)x;
                if (++i == b.rows) {
                att_softmax_pad:
                    for (uint32_t z = b.rows; z < ATT_ROW_BLOCK; z++) w.e[z] = 0;
                    e.write(w);
                    i = 0;
                    t++;
                }
            }
        }
        sums.write(E);
    }
}

// acc[i][j] = sum over positions of e[i][t] V[t][j], one V beat (8 lanes) per cycle for all rows of the block;
// after each head the sums go to normalize, row by row, 8 lanes at a time.
void values(hls::stream<WeightVec> &e, BeatStream &v, const AttentionOp op, const Block b,
            hls::stream<AccVec> &out) {
    NPU_PROCESS(att_values, 4);
    const uint32_t beats = op.head_dim / BEAT_I16;
    const uint32_t steps = beats > VALUES_MIN_STEPS ? beats : VALUES_MIN_STEPS;
    ap_int<59> acc[ATT_ROW_BLOCK][MAX_HEAD_DIM];
#pragma HLS ARRAY_PARTITION variable = acc complete dim = 1
#pragma HLS ARRAY_PARTITION variable = acc cyclic factor = 8 dim = 2
#pragma HLS DEPENDENCE variable = acc type = inter dependent = false
att_values_heads:
    for (uint32_t h = 0; h < op.n_head; h++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 64 avg = 12
    att_values_chunks:
        for (uint32_t c = 0; c < b.chunks; c++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 131072 avg = 1
            const uint32_t first = c * SCORE_CHUNK;
            const uint32_t count = (c + 1) * SCORE_CHUNK > b.npos ? b.npos - first : SCORE_CHUNK;
            WeightVec w;
            uint32_t t = 0, j = 0;
            NPU_LOOP_TAIL(att_values, 1, 8, COMPUTE, P_NONE, TAIL_DEPTH);
        att_values:
            for (uint32_t n = 0; n < count * steps; n++) {
#pragma HLS PIPELINE II = 1
#pragma HLS LOOP_TRIPCOUNT min = 4 max = 32768 avg = 2048
                NPU_TRIP(att_values);
                if (j == 0) w = e.read();
                if (j < beats) {
                    const word128 x = v.read();
                att_values_rows:
                    for (uint32_t i = 0; i < ATT_ROW_BLOCK; i++) {
#pragma HLS UNROLL
                    att_values_lanes:
                        for (uint32_t l = 0; l < BEAT_I16; l++) {
#pragma HLS UNROLL
                            const int64_t p = (int64_t)w.e[i] * lane16(x, l);  // |e V| <= 2^31
                            const uint32_t at = j * BEAT_I16 + l;
                            acc[i][at] = (c == 0 && t == 0 ? (int64_t)0 : (int64_t)acc[i][at]) + p;
                        }
                    }
                }
                if (++j == steps) {
                    j = 0;
                    t++;
                }
            }
        }
        uint32_t row = 0, col = 0;
        NPU_LOOP_TAIL(att_values_out, 1, 2, COMPUTE, P_NONE, TAIL_ADD);
    att_values_out:
        for (uint32_t n = 0; n < b.rows * beats; n++) {
#pragma HLS PIPELINE II = 1
#pragma HLS LOOP_TRIPCOUNT min = 2 max = 256 avg = 8
            NPU_TRIP(att_values_out);
            AccVec a;
        att_values_out_lanes:
            for (uint32_t l = 0; l < BEAT_I16; l++) {
#pragma HLS UNROLL
                a.a[l] = acc[row][col * BEAT_I16 + l];
            }
            out.write(a);
            if (++col == beats) {
                col = 0;
                row++;
            }
        }
    }
}

// out[i][j] = sat(requant(div_round(acc[i][j], E[i]), rq_out)): per row and head one reciprocal of E, then one
// multiply per lane.
void normalize(hls::stream<AccVec> &in, hls::stream<SumVec> &sums, const AttentionOp op, const Block b,
               BeatStream &out, uint32_t &saturations) {
    NPU_PROCESS(att_normalize, 5);
    Events ev = {0, 0};
    const int64_t lo = out_lo(op.out), hi = out_hi(op.out);
att_normalize_heads:
    for (uint32_t h = 0; h < op.n_head; h++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 64 avg = 12
        const SumVec E = sums.read();
    att_normalize_rows:
        for (uint32_t i = 0; i < b.rows; i++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 8 avg = 1
            const uint64_t Ei = (uint64_t)(int64_t)E.E[i];  // >= 2^16: the max position contributes exp2neg(0)
            const Reciprocal r = reciprocal(Ei);
            AccVec a;
            word128 y;
            NPU_LOOP_TAIL(att_normalize, 1, 10, COMPUTE, P_NONE, TAIL_ADD);
        att_normalize:
            for (uint32_t j = 0; j < op.head_dim; j++) {
#pragma HLS PIPELINE II = 1
#pragma HLS LOOP_TRIPCOUNT min = 16 max = 256 avg = 64
                NPU_TRIP(att_normalize);
                if (j % BEAT_I16 == 0) a = in.read();
                const int64_t c = div_round_by((int64_t)a.a[j % BEAT_I16], r, Ei);
                set_lane16(y, j % BEAT_I16, (int16_t)saturate(requant(c, op.rq_out), lo, hi, ev));
                if (j % BEAT_I16 == BEAT_I16 - 1) out.write(y);
            }
        }
    }
    saturations = ev.saturations;
}

// One burst per row and head: head_dim / 8 beats at column h * head_dim of the output row.
void write_out(BeatStream &in, word128 *act, const AttentionOp op, const Block b) {
    NPU_PROCESS(att_write, 6);
    const uint32_t beats = op.head_dim / BEAT_I16;
att_write_heads:
    for (uint32_t h = 0; h < op.n_head; h++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 64 avg = 12
    att_write_rows:
        for (uint32_t i = 0; i < b.rows; i++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 8 avg = 1
            const uint64_t at = ((uint64_t)op.o_base + (uint64_t)(b.r0 + i) * op.o_stride) / BEAT_BYTES +
                                (uint64_t)h * beats;
            NPU_LOOP_TAIL(att_write, 1, 2, BURST_WRITE, P_ACT, TAIL_LOOP);
        att_write:
            for (uint32_t j = 0; j < beats; j++) {
#pragma HLS PIPELINE II = 1
#pragma HLS LOOP_TRIPCOUNT min = 2 max = 32 avg = 8
                NPU_TRIP(att_write);
                act[at + j] = in.read();
            }
        }
    }
}

// One block of query rows: the DATAFLOW region. Only stream declarations and process calls.
void attention_block(const AttentionOp op, const Launch l, const Block b, word128 *act, word128 *kv,
                     uint32_t &overflows, uint32_t &saturations) {
#pragma HLS DATAFLOW
    NPU_REGION(attention_block);
    BeatStream q("att_q"), fresh("att_new_rows"), k("att_k"), v("att_v"), o("att_out");
    hls::stream<ScoreVec> u("att_scores"), maxes("att_max");
    hls::stream<WeightVec> e("att_weights");
    hls::stream<SumVec> sums("att_sums");
    hls::stream<AccVec> acc("att_acc");
#pragma HLS STREAM variable = q depth = 512
#pragma HLS STREAM variable = fresh depth = 512
#pragma HLS STREAM variable = k depth = 64
#pragma HLS STREAM variable = v depth = 64
#pragma HLS STREAM variable = o depth = 64
#pragma HLS STREAM variable = u depth = 64
#pragma HLS STREAM variable = maxes depth = 2
#pragma HLS STREAM variable = e depth = 64
#pragma HLS STREAM variable = sums depth = 4
#pragma HLS STREAM variable = acc depth = 256
    read_act(act, op, b, q, fresh);
    read_kv(kv, op, l, b, fresh, k, v);
    scores(q, k, op, b, u, maxes, overflows);
    softmax(u, maxes, b, l.exact_softmax, op.n_head, e, sums);
    values(e, v, op, b, acc);
    normalize(acc, sums, op, b, o, saturations);
    write_out(o, act, op, b);
}

}  // namespace

void attention_engine(const AttentionOp &op, const Launch &l, word128 *act, word128 *kv, Events &ev) {
    uint32_t r0 = 0;
att_row_blocks:
    while (r0 < l.n_tokens) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 16908288 avg = 1
        Block b;
        b.r0 = r0;
        b.p0 = l.position + r0;
        // up to 8 rows, never across a multiple of SCORE_CHUNK positions (so the block's own rows share a chunk)
        const uint32_t to_chunk = SCORE_CHUNK - b.p0 % SCORE_CHUNK, left = l.n_tokens - r0;
        b.rows = left < ATT_ROW_BLOCK ? left : ATT_ROW_BLOCK;
        if (to_chunk < b.rows) b.rows = to_chunk;
        b.npos = b.p0 + b.rows;
        b.chunks = (b.npos + SCORE_CHUNK - 1) / SCORE_CHUNK;
        uint32_t overflows = 0, saturations = 0;
        attention_block(op, l, b, act, kv, overflows, saturations);
        ev.overflows += overflows;
        ev.saturations += saturations;
        r0 += b.rows;
    }
}

}  // namespace npu
