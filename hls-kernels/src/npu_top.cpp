// npu_top: the NPU kernel of docs/isa.md. One launch checks the header and the arguments, then fetches, decodes,
// checks and executes the program's instructions in order on the three engines, and always ends by writing the
// 16 status words (isa.md 6). The program is fetched 64 instructions at a time into an on-chip buffer, so an
// instruction's words are on chip when the previous instruction ends.
//
// Interfaces: each pointer is its own m_axi bundle, so v++ can put each on its own PS port (link/kv260.cfg), with
// 128-bit beats (params: 32-bit words) and 16 outstanding requests of 16-beat (256-byte) bursts: enough to keep
// a port busy across a 64-80 cycle round trip (16 x 16 beats > 80 + 16 cycles). `latency` is the AXI round trip
// HLS schedules the requests ahead by (64, the Vitis default, UG1399 "Default Settings of Vivado/Vitis Flows").
// The same numbers are in cost.cpp's port table, which the cycle count uses. All arguments and the block control
// are in one s_axilite register map, in argument order from 0x10. The depth values (in elements of each pointer)
// only size the buffers of C/RTL co-simulation (tb_npu --hand, see run_hls.tcl).
#include "npu_top.h"

#include "attention_engine.h"
#include "cost.h"
#include "gemm_engine.h"
#include "int_ops.h"
#include "layernorm_engine.h"
#include "npu_isa.h"
#include "program.h"

using namespace npu;

namespace {

// Decode, check and run one instruction; returns its status code.
uint32_t execute(const uint32_t w[INSTR_WORDS], const Launch &l, const word128 *weights0, const word128 *weights1,
                 const word128 *weights2, const word128 *weights3, const int32_t *params, word128 *act, word128 *kv,
                 word128 *logits, Events &ev) {
    NPU_FIXED(top_decode, 8);  // opcode, fields and bounds: 64-bit compares, a few pipeline stages
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

const uint32_t WORDS_PER_BEAT = BEAT_BYTES / 4;
const uint32_t INSTR_BEATS = INSTR_WORDS / WORDS_PER_BEAT;

}  // namespace

extern "C" void npu_top(const word128 *program, const word128 *weights0, const word128 *weights1,
                        const word128 *weights2, const word128 *weights3, const int32_t *params, word128 *act,
                        word128 *kv, word128 *logits, word128 *status, uint32_t position, uint32_t n_tokens,
                        uint32_t flags) {
#pragma HLS INTERFACE mode = m_axi port = program bundle = gmem_program offset = slave latency = 64 num_read_outstanding = 16 max_read_burst_length = 16 depth = 4096
#pragma HLS INTERFACE mode = m_axi port = weights0 bundle = gmem_w0 offset = slave latency = 64 num_read_outstanding = 16 max_read_burst_length = 16 depth = 65536
#pragma HLS INTERFACE mode = m_axi port = weights1 bundle = gmem_w1 offset = slave latency = 64 num_read_outstanding = 16 max_read_burst_length = 16 depth = 65536
#pragma HLS INTERFACE mode = m_axi port = weights2 bundle = gmem_w2 offset = slave latency = 64 num_read_outstanding = 16 max_read_burst_length = 16 depth = 65536
#pragma HLS INTERFACE mode = m_axi port = weights3 bundle = gmem_w3 offset = slave latency = 64 num_read_outstanding = 16 max_read_burst_length = 16 depth = 65536
#pragma HLS INTERFACE mode = m_axi port = params bundle = gmem_params offset = slave latency = 64 num_read_outstanding = 16 max_read_burst_length = 64 max_widen_bitwidth = 32 depth = 262144
#pragma HLS INTERFACE mode = m_axi port = act bundle = gmem_act offset = slave latency = 64 num_read_outstanding = 16 max_read_burst_length = 16 num_write_outstanding = 16 max_write_burst_length = 16 depth = 65536
#pragma HLS INTERFACE mode = m_axi port = kv bundle = gmem_kv offset = slave latency = 64 num_read_outstanding = 16 max_read_burst_length = 16 num_write_outstanding = 16 max_write_burst_length = 16 depth = 262144
#pragma HLS INTERFACE mode = m_axi port = logits bundle = gmem_logits offset = slave latency = 64 num_write_outstanding = 16 max_write_burst_length = 16 depth = 65536
#pragma HLS INTERFACE mode = m_axi port = status bundle = gmem_status offset = slave latency = 64 num_write_outstanding = 16 max_write_burst_length = 16 depth = 4
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

    NPU_COUNT(begin_launch());
    Events ev = {0, 0};
    uint32_t code, failed = NO_INSTRUCTION, executed = 0;

    uint32_t words[HEADER_WORDS];
    NPU_LOOP(top_read_header, 1, 2, BURST_READ, P_PROGRAM);
top_read_header:
    for (uint32_t i = 0; i < HEADER_WORDS / WORDS_PER_BEAT; i++) {
#pragma HLS PIPELINE II = 1
        NPU_TRIP(top_read_header);
        const word128 b = program[i];
    top_header_words:
        for (uint32_t j = 0; j < WORDS_PER_BEAT; j++) {
#pragma HLS UNROLL
            words[i * WORDS_PER_BEAT + j] = (uint32_t)lane32(b, j);
        }
    }
    Launch l;
    code = check_header(words, l.header);
    if (code == ST_OK) code = check_args(l.header, position, n_tokens, flags);
    if (code == ST_OK) {
        l.position = position;
        l.n_tokens = n_tokens;
        l.exact_softmax = (flags & FLAG_SOFTMAX_EXACT) != 0;
        uint32_t chunk[PROGRAM_CHUNK][INSTR_WORDS];
#pragma HLS ARRAY_PARTITION variable = chunk complete dim = 2
    top_instructions:
        for (uint32_t i = 0; i < l.header.n_instr; i++) {
#pragma HLS LOOP_TRIPCOUNT min = 0 max = 65536 avg = 44
            if (i % PROGRAM_CHUNK == 0) {
                // The next (up to) 64 instructions, one burst.
                const uint32_t left = l.header.n_instr - i;
                const uint32_t n = left < PROGRAM_CHUNK ? left : PROGRAM_CHUNK;
                const uint64_t at = (uint64_t)(HEADER_WORDS / WORDS_PER_BEAT) + (uint64_t)i * INSTR_BEATS;
                NPU_LOOP(top_fetch_program, 1, 2, BURST_READ, P_PROGRAM);
            top_fetch_program:
                for (uint32_t k = 0; k < n * INSTR_BEATS; k++) {
#pragma HLS PIPELINE II = 1
#pragma HLS LOOP_TRIPCOUNT min = 4 max = 256 avg = 176
                    NPU_TRIP(top_fetch_program);
                    const word128 b = program[at + k];
                top_fetch_words:
                    for (uint32_t j = 0; j < WORDS_PER_BEAT; j++) {
#pragma HLS UNROLL
                        chunk[k / INSTR_BEATS][(k % INSTR_BEATS) * WORDS_PER_BEAT + j] = (uint32_t)lane32(b, j);
                    }
                }
            }
            NPU_COUNT(begin_instruction());
            code = execute(chunk[i % PROGRAM_CHUNK], l, weights0, weights1, weights2, weights3, params, act, kv,
                           logits, ev);
            NPU_COUNT(end_instruction());
            if (code != ST_OK) {
                failed = i;
                break;
            }
            executed++;
        }
    }

    const uint32_t result[STATUS_WORDS] = {code, failed, executed, ev.saturations, ev.overflows, 0, 0, 0,
                                           0,    0,      0,        0,              0,            0, 0, 0};
    NPU_LOOP(top_write_status, 1, 2, BURST_WRITE, P_STATUS);
top_write_status:
    for (uint32_t i = 0; i < STATUS_WORDS / WORDS_PER_BEAT; i++) {
#pragma HLS PIPELINE II = 1
        NPU_TRIP(top_write_status);
        word128 b;
    top_status_words:
        for (uint32_t j = 0; j < WORDS_PER_BEAT; j++) {
#pragma HLS UNROLL
            set_lane32(b, j, (int32_t)result[i * WORDS_PER_BEAT + j]);
        }
        status[i] = b;
    }
    NPU_COUNT(end_launch());
}
