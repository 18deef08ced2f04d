// Calling the kernel from host code (the testbench, the C-simulation board) on byte buffers in kernel-argument
// order (isa.md 2): each becomes the pointer type the kernel declares for that port. The buffers must be
// 8-byte aligned (a heap allocation or a uint64_t vector is).
#ifndef TB_NPU_CALL_H
#define TB_NPU_CALL_H

#include <stdint.h>

#include "../src/npu_top.h"

inline void npu_top_on_bytes(uint8_t *const b[10], uint32_t position, uint32_t n_tokens, uint32_t flags) {
    typedef npu::word128 W;
    npu_top(reinterpret_cast<const W *>(b[0]), reinterpret_cast<const W *>(b[1]), reinterpret_cast<const W *>(b[2]),
            reinterpret_cast<const W *>(b[3]), reinterpret_cast<const W *>(b[4]), reinterpret_cast<const int32_t *>(b[5]),
            reinterpret_cast<W *>(b[6]), reinterpret_cast<W *>(b[7]), reinterpret_cast<W *>(b[8]), reinterpret_cast<W *>(b[9]),
            position, n_tokens, flags);
}

#endif
