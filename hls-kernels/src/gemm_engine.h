// GEMM engine: INT8 weights x INT16 activations, 256 MACs per cycle, with the requantize / GELU / residual
// epilogue (isa.md 4.2, GEMM).
#ifndef NPU_GEMM_ENGINE_H
#define NPU_GEMM_ENGINE_H

#include <stdint.h>

#include "int_ops.h"
#include "program.h"

namespace npu {

void gemm_engine(const GemmOp &op, const Launch &l, const int8_t *weights0, const int8_t *weights1,
                 const int8_t *weights2, const int8_t *weights3, const int32_t *params, int16_t *act,
                 int32_t *logits, Events &ev);

}  // namespace npu

#endif
