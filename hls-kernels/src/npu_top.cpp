// npu_top: the NPU kernel of docs/isa.md. One launch checks the header and the arguments, then decodes, checks and
// executes the program's instructions in order on the three engines, and always ends by writing the 16 status
// words (isa.md 6).
//
// Interfaces: each pointer is its own m_axi bundle (so v++ can put each on its own PS port, link/kv260.cfg) with
// 128-bit beats; all arguments and the block control sit in one s_axilite register map, in argument order from
// 0x10. The depth values only size the buffers of C/RTL co-simulation (tb_npu --hand, see run_hls.tcl).
#include "npu_top.h"

#include "attention_engine.h"
#include "gemm_engine.h"
#include "int_ops.h"
#include "layernorm_engine.h"
#include "npu_isa.h"
#include "program.h"

using namespace npu;

namespace {

// Decode, check and run one instruction; returns its status code.
uint32_t execute(const uint32_t w[INSTR_WORDS], const Launch &l, const int8_t *weights0, const int8_t *weights1,
                 const int8_t *weights2, const int8_t *weights3, const int32_t *params, int16_t *act, int16_t *kv,
                 int32_t *logits, Events &ev) {
    const uint32_t opcode = w[0] & 0xFFu;
    if (opcode == OP_GEMM) {
        GemmOp op;
        const uint32_t code = decode_gemm(w, l, op);
        if (code == ST_OK) gemm_engine(op, l, weights0, weights1, weights2, weights3, params, act, logits, ev);
        return code;
    }
    if (opcode == OP_ATTENTION) {
        AttentionOp op;
        const uint32_t code = decode_attention(w, l, op);
        if (code == ST_OK) attention_engine(op, l, act, kv, ev);
        return code;
    }
    if (opcode == OP_LAYERNORM) {
        LayerNormOp op;
        const uint32_t code = decode_layernorm(w, l, op);
        if (code == ST_OK) layernorm_engine(op, l, params, act, ev);
        return code;
    }
    return ST_BAD_OPCODE;
}

}  // namespace

extern "C" void npu_top(const uint32_t *program, const int8_t *weights0, const int8_t *weights1,
                        const int8_t *weights2, const int8_t *weights3, const int32_t *params, int16_t *act,
                        int16_t *kv, int32_t *logits, int32_t *status, uint32_t position, uint32_t n_tokens,
                        uint32_t flags) {
#pragma HLS INTERFACE mode = m_axi port = program bundle = gmem_program offset = slave max_widen_bitwidth = 128 depth = 16384
#pragma HLS INTERFACE mode = m_axi port = weights0 bundle = gmem_w0 offset = slave max_widen_bitwidth = 128 num_read_outstanding = 16 depth = 1048576
#pragma HLS INTERFACE mode = m_axi port = weights1 bundle = gmem_w1 offset = slave max_widen_bitwidth = 128 num_read_outstanding = 16 depth = 1048576
#pragma HLS INTERFACE mode = m_axi port = weights2 bundle = gmem_w2 offset = slave max_widen_bitwidth = 128 num_read_outstanding = 16 depth = 1048576
#pragma HLS INTERFACE mode = m_axi port = weights3 bundle = gmem_w3 offset = slave max_widen_bitwidth = 128 num_read_outstanding = 16 depth = 1048576
#pragma HLS INTERFACE mode = m_axi port = params bundle = gmem_params offset = slave max_widen_bitwidth = 128 depth = 262144
#pragma HLS INTERFACE mode = m_axi port = act bundle = gmem_act offset = slave max_widen_bitwidth = 128 depth = 524288
#pragma HLS INTERFACE mode = m_axi port = kv bundle = gmem_kv offset = slave max_widen_bitwidth = 128 depth = 2097152
#pragma HLS INTERFACE mode = m_axi port = logits bundle = gmem_logits offset = slave max_widen_bitwidth = 128 depth = 262144
#pragma HLS INTERFACE mode = m_axi port = status bundle = gmem_status offset = slave max_widen_bitwidth = 128 depth = 16
#pragma HLS INTERFACE mode = s_axilite port = program bundle = control
#pragma HLS INTERFACE mode = s_axilite port = weights0 bundle = control
#pragma HLS INTERFACE mode = s_axilite port = weights1 bundle = control
#pragma HLS INTERFACE mode = s_axilite port = weights2 bundle = control
#pragma HLS INTERFACE mode = s_axilite port = weights3 bundle = control
#pragma HLS INTERFACE mode = s_axilite port = params bundle = control
#pragma HLS INTERFACE mode = s_axilite port = act bundle = control
#pragma HLS INTERFACE mode = s_axilite port = kv bundle = control
#pragma HLS INTERFACE mode = s_axilite port = logits bundle = control
#pragma HLS INTERFACE mode = s_axilite port = status bundle = control
#pragma HLS INTERFACE mode = s_axilite port = position bundle = control
#pragma HLS INTERFACE mode = s_axilite port = n_tokens bundle = control
#pragma HLS INTERFACE mode = s_axilite port = flags bundle = control
#pragma HLS INTERFACE mode = s_axilite port = return bundle = control

    Events ev = {0, 0};
    uint32_t code, failed = NO_INSTRUCTION, executed = 0;

    uint32_t words[HEADER_WORDS];
    for (uint32_t i = 0; i < HEADER_WORDS; i++) {
#pragma HLS PIPELINE II = 1
        words[i] = program[i];
    }
    Launch l;
    code = check_header(words, l.header);
    if (code == ST_OK) code = check_args(l.header, position, n_tokens, flags);
    if (code == ST_OK) {
        l.position = position;
        l.n_tokens = n_tokens;
        l.exact_softmax = (flags & FLAG_SOFTMAX_EXACT) != 0;
        for (uint32_t i = 0; i < l.header.n_instr; i++) {
#pragma HLS LOOP_TRIPCOUNT min = 1 max = 128 avg = 60
            uint32_t w[INSTR_WORDS];
            const uint64_t at = HEADER_WORDS + (uint64_t)i * INSTR_WORDS;
            for (uint32_t j = 0; j < INSTR_WORDS; j++) {
#pragma HLS PIPELINE II = 1
                w[j] = program[at + j];
            }
            code = execute(w, l, weights0, weights1, weights2, weights3, params, act, kv, logits, ev);
            if (code != ST_OK) {
                failed = i;
                break;
            }
            executed++;
        }
    }

    for (uint32_t i = 0; i < STATUS_WORDS; i++) {
#pragma HLS PIPELINE II = 1
        const uint32_t v = i == 0 ? code : i == 1 ? failed : i == 2 ? executed : i == 3 ? ev.saturations
                         : i == 4 ? ev.overflows : 0;
        status[i] = (int32_t)v;
    }
}
