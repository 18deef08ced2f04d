// Program decode and validation (isa.md 4 and 6).
//
// Readings of isa.md that the text leaves open, chosen to agree with the Java emulator (see docs/hardware.md):
// undefined flag bits of word 0 (GEMM bits 14-15, ATTENTION/LAYERNORM bits 12-15) are reserved; words a
// instruction does not use, including the RESIDUAL words without RESIDUAL and the GELU offset without GELU, must
// be 0; the GELU table is bounds-checked whenever GELU is set; a tensor with no bytes (K = 0 or N = 0) is never
// out of bounds; in row mode LAST the input row checked is n_tokens - 1; residual rows are numbered like output
// rows. All sums are in 64 bits, so no bound check can wrap.
#include "program.h"

#include "int_ops.h"
#include "npu_isa.h"

namespace npu {

namespace {

bool aligned(uint32_t v) {
    return (v & 15u) == 0;
}

// Rows 0 .. last_row of a row tensor at (base, stride), each row_bytes long, end within size.
// A tensor of no bytes occupies nothing (isa.md 6).
bool rows_fit(uint32_t base, uint32_t stride, uint32_t last_row, uint64_t row_bytes, uint32_t size) {
    if (row_bytes == 0) return true;
    return (uint64_t)base + (uint64_t)last_row * stride + row_bytes <= size;
}

bool range_fits(uint32_t off, uint64_t bytes, uint32_t size) {
    return bytes == 0 || (uint64_t)off + bytes <= size;
}

bool words_zero(const uint32_t w[16], uint32_t from, uint32_t to) {
    bool zero = true;
words_zero_each:
    for (uint32_t i = from; i <= to; i++) zero = zero && w[i] == 0;
    return zero;
}

}  // namespace

uint32_t check_header(const uint32_t words[16], Header &h) {
    if (words[H_MAGIC] != MAGIC || words[H_VERSION] != VERSION) return ST_BAD_HEADER;
    if (words[3] != 0 || !words_zero(words, 11, 15)) return ST_BAD_HEADER;
    h.n_instr = words[H_N_INSTR];
    h.weights_bytes = words[H_WEIGHTS_BYTES];
    h.params_bytes = words[H_PARAMS_BYTES];
    h.act_bytes = words[H_ACT_BYTES];
    h.kv_bytes = words[H_KV_BYTES];
    h.logits_bytes = words[H_LOGITS_BYTES];
    h.max_tokens = words[H_MAX_TOKENS];
    h.max_seq = words[H_MAX_SEQ];
    return ST_OK;
}

uint32_t check_args(const Header &h, uint32_t position, uint32_t n_tokens, uint32_t flags) {
    if (n_tokens < 1 || n_tokens > h.max_tokens) return ST_BAD_ARGS;
    if ((uint64_t)position + n_tokens > h.max_seq) return ST_BAD_ARGS;
    if ((flags & ~FLAG_SOFTMAX_EXACT) != 0) return ST_BAD_ARGS;
    return ST_OK;
}

uint32_t decode_gemm(const uint32_t w[16], const Launch &l, GemmOp &op) {
    const uint32_t w0 = w[0];
    op.rows = (w0 >> 8) & 3u;
    op.out = (w0 >> 10) & 3u;
    op.gelu = (w0 & GEMM_GELU) != 0;
    op.residual = (w0 & GEMM_RESIDUAL) != 0;
    op.K = w[1];
    op.N = w[2];
    op.x_base = w[3];
    op.x_stride = w[4];
    op.y_base = w[5];
    op.y_stride = w[6];
    op.w_off = w[7];
    op.p_off = w[8];
    op.r_base = w[9];
    op.r_stride = w[10];
    op.rq_res = w[11];
    op.gelu_off = w[12];

    bool ok = (w0 & 0xFFFFC000u) == 0 && op.rows <= ROWS_FIRST && op.out <= OUT_INT32;
    ok = ok && !(op.out == OUT_INT32 && (op.gelu || op.residual));
    ok = ok && op.K <= MAX_K && op.K % 16 == 0 && op.N <= MAX_N && op.N % 64 == 0;
gemm_aligned_words:
    for (uint32_t i = 3; i <= 8; i++) ok = ok && aligned(w[i]);
    if (op.residual)
        ok = ok && aligned(op.r_base) && aligned(op.r_stride) && requantizer_valid(op.rq_res);
    else
        ok = ok && words_zero(w, 9, 11);
    ok = ok && (op.gelu ? aligned(op.gelu_off) : w[12] == 0);
    ok = ok && words_zero(w, 13, 15);
    if (!ok) return ST_BAD_FIELD;

    const Header &h = l.header;
    const uint32_t R = rows_computed(op.rows, l.n_tokens);
    const uint32_t last_in = first_input_row(op.rows, l.n_tokens) + R - 1, last_out = R - 1;
    const uint64_t K = op.K, N = op.N;
    bool fits = rows_fit(op.x_base, op.x_stride, last_in, 2 * K, h.act_bytes);
    fits = fits && range_fits(op.w_off, (N / 64) * 16 * K, h.weights_bytes);
    fits = fits && range_fits(op.p_off, 8 * N, h.params_bytes);
    if (op.gelu) fits = fits && range_fits(op.gelu_off, 4 * GELU_TABLE_WORDS, h.params_bytes);
    if (op.residual) fits = fits && rows_fit(op.r_base, op.r_stride, last_out, 2 * N, h.act_bytes);
    if (op.out == OUT_INT32)
        fits = fits && rows_fit(op.y_base, op.y_stride, last_out, 4 * N, h.logits_bytes);
    else
        fits = fits && rows_fit(op.y_base, op.y_stride, last_out, 2 * N, h.act_bytes);
    return fits ? ST_OK : ST_OUT_OF_BOUNDS;
}

uint32_t decode_attention(const uint32_t w[16], const Launch &l, AttentionOp &op) {
    const uint32_t w0 = w[0];
    op.out = (w0 >> 10) & 3u;
    op.n_head = w[1] & 0xFFFFu;
    op.head_dim = w[1] >> 16;
    op.q_base = w[2];
    op.stride = w[3];
    op.k_base = w[4];
    op.v_base = w[5];
    op.kc_base = w[6];
    op.vc_base = w[7];
    op.o_base = w[8];
    op.o_stride = w[9];
    op.rq_score = w[10];
    op.rq_out = w[11];

    bool ok = (w0 & 0xFFFFF000u) == 0 && ((w0 >> 8) & 3u) == ROWS_ALL;
    ok = ok && (op.out == OUT_INT16 || op.out == OUT_INT8);
    ok = ok && op.n_head >= 1 && op.n_head <= MAX_HEADS;
    ok = ok && op.head_dim >= 16 && op.head_dim <= MAX_HEAD_DIM && op.head_dim % 16 == 0;
attention_aligned_words:
    for (uint32_t i = 2; i <= 9; i++) ok = ok && aligned(w[i]);
    ok = ok && requantizer_valid(op.rq_score) && requantizer_valid(op.rq_out);
    ok = ok && words_zero(w, 12, 15);
    if (!ok) return ST_BAD_FIELD;

    const Header &h = l.header;
    const uint32_t last = l.n_tokens - 1;
    const uint64_t row_bytes = 2ull * op.n_head * op.head_dim;
    const uint64_t region = 2ull * op.n_head * h.max_seq * op.head_dim;
    bool fits = rows_fit(op.q_base, op.stride, last, row_bytes, h.act_bytes);
    fits = fits && rows_fit(op.k_base, op.stride, last, row_bytes, h.act_bytes);
    fits = fits && rows_fit(op.v_base, op.stride, last, row_bytes, h.act_bytes);
    fits = fits && rows_fit(op.o_base, op.o_stride, last, row_bytes, h.act_bytes);
    fits = fits && range_fits(op.kc_base, region, h.kv_bytes) && range_fits(op.vc_base, region, h.kv_bytes);
    return fits ? ST_OK : ST_OUT_OF_BOUNDS;
}

uint32_t decode_layernorm(const uint32_t w[16], const Launch &l, LayerNormOp &op) {
    const uint32_t w0 = w[0];
    op.rows = (w0 >> 8) & 3u;
    op.out = (w0 >> 10) & 3u;
    op.D = w[1];
    op.x_base = w[2];
    op.x_stride = w[3];
    op.y_base = w[4];
    op.y_stride = w[5];
    op.p_off = w[6];
    op.eps = (uint64_t)w[7] | ((uint64_t)w[8] << 32);
    op.shift = w[9];

    bool ok = (w0 & 0xFFFFF000u) == 0 && op.rows <= ROWS_FIRST && (op.out == OUT_INT16 || op.out == OUT_INT8);
    ok = ok && op.D >= 16 && op.D <= MAX_D && op.D % 16 == 0;
layernorm_aligned_words:
    for (uint32_t i = 2; i <= 6; i++) ok = ok && aligned(w[i]);
    ok = ok && op.eps < ((uint64_t)1 << 56) && op.shift <= 63;
    ok = ok && words_zero(w, 10, 15);
    if (!ok) return ST_BAD_FIELD;

    const Header &h = l.header;
    const uint32_t R = rows_computed(op.rows, l.n_tokens);
    const uint32_t last_in = first_input_row(op.rows, l.n_tokens) + R - 1, last_out = R - 1;
    const uint64_t D = op.D;
    bool fits = rows_fit(op.x_base, op.x_stride, last_in, 2 * D, h.act_bytes);
    fits = fits && range_fits(op.p_off, 8 * D, h.params_bytes);
    fits = fits && rows_fit(op.y_base, op.y_stride, last_out, 2 * D, h.act_bytes);
    return fits ? ST_OK : ST_OUT_OF_BOUNDS;
}

}  // namespace npu
