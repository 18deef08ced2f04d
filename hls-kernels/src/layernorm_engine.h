// LayerNorm engine: integer LayerNorm of each row with per-channel g and b (isa.md 4.2 LAYERNORM).
#ifndef NPU_LAYERNORM_ENGINE_H
#define NPU_LAYERNORM_ENGINE_H

#include <stdint.h>

#include "int_ops.h"
#include "npu_types.h"
#include "program.h"

namespace npu {

void layernorm_engine(const LayerNormOp &op, const Launch &l, const int32_t *params, word128 *act, Events &ev);

}  // namespace npu

#endif
