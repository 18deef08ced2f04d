// Attention engine: KV-cache append and causal softmax attention streamed over whole heads of the cache
// (isa.md 4.2 ATTENTION).
#ifndef NPU_ATTENTION_ENGINE_H
#define NPU_ATTENTION_ENGINE_H

#include <stdint.h>

#include "int_ops.h"
#include "npu_types.h"
#include "program.h"

namespace npu {

void attention_engine(const AttentionOp &op, const Launch &l, word128 *act, word128 *kv, Events &ev);

}  // namespace npu

#endif
