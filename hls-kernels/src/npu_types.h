// Fixed-width types of the kernel: the 128-bit AXI beat every port moves per cycle, its int8/int16/int32 lanes,
// and the HLS library types. With Vitis these come from its own headers; without it, from hls-kernels/standin/
// (hls-kernels/Makefile chooses the include path), which implement only what is used here.
#ifndef NPU_TYPES_H
#define NPU_TYPES_H

#include <stdint.h>

#include <ap_int.h>
#include <hls_burst_maxi.h>
#include <hls_stream.h>

namespace npu {

// One beat of an m_axi port: 16 bytes, little-endian (isa.md: every offset and stride is a multiple of 16).
typedef ap_uint<128> word128;

const uint32_t BEAT_BYTES = 16;
const uint32_t BEAT_I16 = 8;   // int16 lanes per beat (activations, the KV cache)
const uint32_t BEAT_I32 = 4;   // int32 lanes per beat (logits, status)

static inline int8_t lane8(const word128 &w, uint32_t i) {
    return (int8_t)(uint8_t)w.range(8 * i + 7, 8 * i).to_uint64();
}
static inline int16_t lane16(const word128 &w, uint32_t i) {
    return (int16_t)(uint16_t)w.range(16 * i + 15, 16 * i).to_uint64();
}
static inline int32_t lane32(const word128 &w, uint32_t i) {
    return (int32_t)(uint32_t)w.range(32 * i + 31, 32 * i).to_uint64();
}
static inline void set_lane16(word128 &w, uint32_t i, int16_t v) {
    w.range(16 * i + 15, 16 * i) = (uint64_t)(uint16_t)v;
}
static inline void set_lane32(word128 &w, uint32_t i, int32_t v) {
    w.range(32 * i + 31, 32 * i) = (uint64_t)(uint32_t)v;
}

}  // namespace npu

#endif
