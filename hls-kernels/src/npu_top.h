// The NPU kernel, exactly the signature of docs/isa.md section 2 (C linkage: the symbol is `npu_top`).
#ifndef NPU_TOP_H
#define NPU_TOP_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

void npu_top(const uint32_t *program, const int8_t *weights0, const int8_t *weights1, const int8_t *weights2,
             const int8_t *weights3, const int32_t *params, int16_t *act, int16_t *kv, int32_t *logits,
             int32_t *status, uint32_t position, uint32_t n_tokens, uint32_t flags);

#ifdef __cplusplus
}
#endif

#endif
