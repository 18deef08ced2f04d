// GEMM engine: INT8 weights x INT16 activations on a 256-MAC array fed by the four weight ports, with the
// requantize / GELU / residual epilogue (isa.md 4.2, GEMM).
#ifndef NPU_GEMM_ENGINE_H
#define NPU_GEMM_ENGINE_H

#include <stdint.h>

#include "int_ops.h"
#include "npu_types.h"
#include "program.h"

namespace npu {

void gemm_engine(const GemmOp &op, const Launch &l, const word128 *weights0, const word128 *weights1,
                 const word128 *weights2, const word128 *weights3, const int32_t *params, word128 *act,
                 word128 *logits, Events &ev);

}  // namespace npu

#endif
