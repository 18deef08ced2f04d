// Attention engine: KV-cache append, then causal softmax attention streamed over the cache (isa.md 4.2 ATTENTION).
#ifndef NPU_ATTENTION_ENGINE_H
#define NPU_ATTENTION_ENGINE_H

#include <stdint.h>

#include "int_ops.h"
#include "program.h"

namespace npu {

void attention_engine(const AttentionOp &op, const Launch &l, int16_t *act, int16_t *kv, Events &ev);

}  // namespace npu

#endif
