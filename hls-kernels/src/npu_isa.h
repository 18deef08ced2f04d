// Constants of the NPU instruction set, numbered exactly as docs/isa.md, plus the static bounds this
// implementation chose for its on-chip buffers (docs/hardware.md). C++14 so that Vitis HLS and g++ both take it.
#ifndef NPU_ISA_H
#define NPU_ISA_H

#include <stdint.h>

namespace npu {

// Program header (isa.md 4.1).
const uint32_t MAGIC = 0x3155504E;  // "NPU1"
const uint32_t VERSION = 1;
const uint32_t HEADER_WORDS = 16;
const uint32_t INSTR_WORDS = 16;
const uint32_t H_MAGIC = 0, H_VERSION = 1, H_N_INSTR = 2, H_WEIGHTS_BYTES = 4, H_PARAMS_BYTES = 5,
               H_ACT_BYTES = 6, H_KV_BYTES = 7, H_LOGITS_BYTES = 8, H_MAX_TOKENS = 9, H_MAX_SEQ = 10;

// Instruction word 0 (isa.md 4.2).
const uint32_t OP_GEMM = 0x01, OP_ATTENTION = 0x02, OP_LAYERNORM = 0x03;
const uint32_t ROWS_ALL = 0, ROWS_LAST = 1, ROWS_FIRST = 2;
const uint32_t OUT_INT16 = 0, OUT_INT8 = 1, OUT_INT32 = 2;
const uint32_t GEMM_GELU = 1u << 12, GEMM_RESIDUAL = 1u << 13;

// Field ranges of isa.md.
const uint32_t MAX_K = 4096;
const uint32_t MAX_N = 65536;
const uint32_t MAX_D = 4096;
const uint32_t MAX_HEADS = 64;
const uint32_t MAX_HEAD_DIM = 256;
const uint32_t GELU_TABLE_WORDS = 257;

// Launch flags (argument 12).
const uint32_t FLAG_SOFTMAX_EXACT = 1;

// Status (isa.md 6).
const uint32_t STATUS_WORDS = 16;
const uint32_t ST_OK = 0, ST_BAD_HEADER = 1, ST_BAD_ARGS = 2, ST_BAD_OPCODE = 3, ST_BAD_FIELD = 4,
               ST_OUT_OF_BOUNDS = 5;
const uint32_t NO_INSTRUCTION = 0xFFFFFFFFu;

// Weight tiles (isa.md 3.2): 16 output channels x 16 inputs, four tile columns side by side (one per port).
const uint32_t TILE = 16;
const uint32_t TILE_BYTES = 256;
const uint32_t PORTS = 4;
const uint32_t GROUP_CHANNELS = PORTS * TILE;  // 64 output channels per step of the GEMM engine

// Static bounds of this implementation (not of the ISA; every ISA value is still accepted):
// - GEMM input rows are processed in blocks of GEMM_ROW_BLOCK (the weights stream once per block), four rows per
//   MAC cycle (GEMM_ROW_QUAD);
// - attention processes query rows in blocks of ATT_ROW_BLOCK (the KV cache streams once per block and head) and
//   keeps the scores of SCORE_CHUNK positions on chip at a time; beyond, it recomputes them chunk by chunk;
// - the sequencer fetches the program PROGRAM_CHUNK instructions at a time.
const uint32_t GEMM_ROW_BLOCK = 16;
const uint32_t GEMM_ROW_QUAD = 4;
const uint32_t ATT_ROW_BLOCK = 8;
const uint32_t SCORE_CHUNK = 1024;
const uint32_t PROGRAM_CHUNK = 64;

}  // namespace npu

#endif
