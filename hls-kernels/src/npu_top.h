// The NPU kernel, the signature of docs/isa.md section 2 (C linkage: the symbol is `npu_top`). Every buffer
// argument is a 64-bit device address; the kernel declares the ports that move 128-bit beats as pointers to
// npu::word128 (one AXI beat), and params, which is read a 32-bit word at a time, as int32_t.
#ifndef NPU_TOP_H
#define NPU_TOP_H

#include <stdint.h>

#include "npu_types.h"

extern "C" void npu_top(const npu::word128 *program, const npu::word128 *weights0, const npu::word128 *weights1,
                        const npu::word128 *weights2, const npu::word128 *weights3, const int32_t *params,
                        npu::word128 *act, npu::word128 *kv, npu::word128 *logits, npu::word128 *status,
                        uint32_t position, uint32_t n_tokens, uint32_t flags);

#endif
