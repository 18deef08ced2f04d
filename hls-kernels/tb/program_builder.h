// Encoding programs and packing weights and parameters for test cases (isa.md 3 and 4), written from the
// document independently of the kernel's decoder.
#ifndef TB_PROGRAM_BUILDER_H
#define TB_PROGRAM_BUILDER_H

#include <stdint.h>

#include <array>
#include <vector>

#include "tb.h"

typedef std::array<uint32_t, 16> Words;

const uint32_t OP_GEMM = 1, OP_ATTENTION = 2, OP_LAYERNORM = 3;
const uint32_t ALL = 0, LAST = 1, FIRST = 2;
const uint32_t INT16 = 0, INT8 = 1, INT32 = 2;
const uint32_t SOFTMAX_EXACT = 1;

inline uint32_t rq(uint32_t mult, uint32_t shift) {
    return mult | shift << 24;
}

struct HeaderSpec {
    uint32_t weights_bytes = 0, params_bytes = 0, act_bytes = 0, kv_bytes = 0, logits_bytes = 0;
    uint32_t max_tokens = 1, max_seq = 1;
};

struct GemmSpec {
    uint32_t rows = ALL, out = INT16;
    bool gelu = false, residual = false;
    uint32_t K = 0, N = 0, x_base = 0, x_stride = 0, y_base = 0, y_stride = 0, w_off = 0, p_off = 0;
    uint32_t r_base = 0, r_stride = 0, rq_res = 0, gelu_off = 0;
};

struct AttentionSpec {
    uint32_t out = INT16, n_head = 1, head_dim = 16;
    uint32_t q_base = 0, stride = 0, k_base = 0, v_base = 0, kc_base = 0, vc_base = 0, o_base = 0, o_stride = 0;
    uint32_t rq_score = 0, rq_out = 0;
};

struct LayerNormSpec {
    uint32_t rows = ALL, out = INT16, D = 16;
    uint32_t x_base = 0, x_stride = 0, y_base = 0, y_stride = 0, p_off = 0;
    uint64_t eps = 0;
    uint32_t shift = 16;
};

inline Words encode(const GemmSpec &g) {
    Words w{};
    w[0] = OP_GEMM | g.rows << 8 | g.out << 10 | (g.gelu ? 1u << 12 : 0) | (g.residual ? 1u << 13 : 0);
    w[1] = g.K;
    w[2] = g.N;
    w[3] = g.x_base;
    w[4] = g.x_stride;
    w[5] = g.y_base;
    w[6] = g.y_stride;
    w[7] = g.w_off;
    w[8] = g.p_off;
    if (g.residual) {
        w[9] = g.r_base;
        w[10] = g.r_stride;
        w[11] = g.rq_res;
    }
    if (g.gelu) w[12] = g.gelu_off;
    return w;
}

inline Words encode(const AttentionSpec &a) {
    Words w{};
    w[0] = OP_ATTENTION | ALL << 8 | a.out << 10;
    w[1] = a.n_head | a.head_dim << 16;
    w[2] = a.q_base;
    w[3] = a.stride;
    w[4] = a.k_base;
    w[5] = a.v_base;
    w[6] = a.kc_base;
    w[7] = a.vc_base;
    w[8] = a.o_base;
    w[9] = a.o_stride;
    w[10] = a.rq_score;
    w[11] = a.rq_out;
    return w;
}

inline Words encode(const LayerNormSpec &n) {
    Words w{};
    w[0] = OP_LAYERNORM | n.rows << 8 | n.out << 10;
    w[1] = n.D;
    w[2] = n.x_base;
    w[3] = n.x_stride;
    w[4] = n.y_base;
    w[5] = n.y_stride;
    w[6] = n.p_off;
    w[7] = (uint32_t)n.eps;
    w[8] = (uint32_t)(n.eps >> 32);
    w[9] = n.shift;
    return w;
}

// Header words (isa.md 4.1) followed by the instructions.
inline Bytes program_bytes(const HeaderSpec &h, const std::vector<Words> &instructions) {
    Bytes b(64 + 64 * instructions.size(), 0);
    const uint32_t header[16] = {0x3155504E, 1, (uint32_t)instructions.size(), 0, h.weights_bytes, h.params_bytes,
                                 h.act_bytes, h.kv_bytes, h.logits_bytes, h.max_tokens, h.max_seq};
    for (int i = 0; i < 16; i++) put32(b, 4 * i, (int32_t)header[i]);
    for (size_t n = 0; n < instructions.size(); n++)
        for (int i = 0; i < 16; i++) put32(b, 64 + 64 * n + 4 * i, (int32_t)instructions[n][i]);
    return b;
}

// Sizes the case's buffers as the header says (zero filled) and installs the program.
inline void set_program(Case &c, const HeaderSpec &h, const std::vector<Words> &instructions) {
    c.buf[B_PROGRAM] = program_bytes(h, instructions);
    for (int p = 0; p < 4; p++) c.buf[B_W0 + p].resize(h.weights_bytes, 0);
    c.buf[B_PARAMS].resize(h.params_bytes, 0);
    c.buf[B_ACT].resize(h.act_bytes, 0);
    c.buf[B_KV].resize(h.kv_bytes, 0);
    c.buf[B_LOGITS].resize(h.logits_bytes, 0);
    c.buf[B_STATUS].assign(64, 0xEE);  // not zero: the kernel must write all 16 words
}

// W[n][k] (row-major, N x K) into the four weight buffers at w_off (isa.md 3.2).
inline void pack_weights(Case &c, uint32_t w_off, const std::vector<int8_t> &W, uint32_t N, uint32_t K) {
    for (uint32_t n = 0; n < N; n++)
        for (uint32_t k = 0; k < K; k++) {
            const uint32_t t = n / 16;
            const uint64_t at = w_off + ((uint64_t)(t / 4) * (K / 16) + k / 16) * 256 + (n % 16) * 16 + (k % 16);
            c.buf[B_W0 + t % 4].at(at) = (uint8_t)W[(uint64_t)n * K + k];
        }
}

// Per-channel records {word0, word1} at p_off (GEMM: bias, requantizer; LayerNorm: g, b).
inline void put_records(Case &c, uint32_t p_off, const std::vector<int32_t> &a, const std::vector<int32_t> &b) {
    for (size_t i = 0; i < a.size(); i++) {
        put32(c.buf[B_PARAMS], p_off + 8 * i, a[i]);
        put32(c.buf[B_PARAMS], p_off + 8 * i + 4, b[i]);
    }
}

// Rows of int16 values into act (row-major, rows x width) at (base, stride).
inline void put_rows(Case &c, uint32_t base, uint32_t stride, const std::vector<int16_t> &v, uint32_t width) {
    for (size_t i = 0; i < v.size(); i++) put16(c.buf[B_ACT], base + (uint64_t)(i / width) * stride + 2 * (i % width), v[i]);
}

#endif
