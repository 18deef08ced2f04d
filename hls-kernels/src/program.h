// Program decode and validation (isa.md 4 and 6): the header, the launch arguments, and each instruction's
// opcode, fields and buffer bounds, checked before the instruction runs.
#ifndef NPU_PROGRAM_H
#define NPU_PROGRAM_H

#include <stdint.h>

#include "npu_isa.h"

namespace npu {

struct Header {
    uint32_t n_instr;
    uint32_t weights_bytes, params_bytes, act_bytes, kv_bytes, logits_bytes;
    uint32_t max_tokens, max_seq;
};

// What an instruction sees of its launch.
struct Launch {
    Header header;
    uint32_t position;
    uint32_t n_tokens;
    bool exact_softmax;
};

// Offsets and strides are bytes, as encoded.
struct GemmOp {
    uint32_t rows, out;
    bool gelu, residual;
    uint32_t K, N;
    uint32_t x_base, x_stride, y_base, y_stride, w_off, p_off;
    uint32_t r_base, r_stride, rq_res, gelu_off;
};

struct AttentionOp {
    uint32_t out, n_head, head_dim;
    uint32_t q_base, stride, k_base, v_base, kc_base, vc_base, o_base, o_stride;
    uint32_t rq_score, rq_out;
};

struct LayerNormOp {
    uint32_t rows, out, D;
    uint32_t x_base, x_stride, y_base, y_stride, p_off;
    uint64_t eps;
    uint32_t shift;
};

// Each returns a status code (ST_OK when the check passes).
uint32_t check_header(const uint32_t words[16], Header &h);
uint32_t check_args(const Header &h, uint32_t position, uint32_t n_tokens, uint32_t flags);

// Decode an instruction of the given opcode: BAD_FIELD, then OUT_OF_BOUNDS, else ST_OK with `op` filled in.
uint32_t decode_gemm(const uint32_t w[16], const Launch &l, GemmOp &op);
uint32_t decode_attention(const uint32_t w[16], const Launch &l, AttentionOp &op);
uint32_t decode_layernorm(const uint32_t w[16], const Launch &l, LayerNormOp &op);

// Row modes (isa.md 3.1): how many rows an instruction computes and which input row comes first.
static inline uint32_t rows_computed(uint32_t mode, uint32_t n_tokens) {
    return mode == ROWS_ALL ? n_tokens : 1;
}
static inline uint32_t first_input_row(uint32_t mode, uint32_t n_tokens) {
    return mode == ROWS_LAST ? n_tokens - 1 : 0;
}

}  // namespace npu

#endif
