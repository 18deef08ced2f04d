// The integer primitives of docs/isa.md sections 1 and 5, shared by every engine. Header-only so that HLS
// inlines them into the pipelines that use them.
//
// Right shifts of negative int64 values are arithmetic (floor), as isa.md requires: C++20 defines it, and g++ and
// the clang front end of Vitis HLS implement it so in C++14/17 as well. Left shifts of negative values are avoided.
// Additions and products that isa.md bounds are done in int64 as written; the bounds are noted where it matters.
#ifndef NPU_INT_OPS_H
#define NPU_INT_OPS_H

#include <stdint.h>

#include "npu_isa.h"

namespace npu {

// Event counters of one launch (status words 3 and 4); they wrap modulo 2^32.
struct Events {
    uint32_t saturations;
    uint32_t overflows;
};

const int64_t INT32_LO = -2147483648LL;
const int64_t INT32_HI = 2147483647LL;

// rshift_round(v, s): round half up. The bias is added modulo 2^64 (as Java's long does) so that no input is
// undefined behaviour; within isa.md's ranges it never wraps.
static inline int64_t rshift_round(int64_t v, uint32_t s) {
    if (s == 0) return v;
    return (int64_t)((uint64_t)v + ((uint64_t)1 << (s - 1))) >> s;
}

// requant(v, word) = rshift_round(v * mult, shift); mult is bits 0-23, shift bits 24-29. Bits 30-31 of a word
// read from params are ignored (instruction words with them set are refused as BAD_FIELD before this runs).
static inline int64_t requant(int64_t v, uint32_t word) {
    const uint64_t mult = word & 0xFFFFFFu;
    const uint32_t shift = (word >> 24) & 63u;
    return rshift_round((int64_t)((uint64_t)v * mult), shift);
}

static inline bool requantizer_valid(uint32_t word) {
    return (word & 0xC0000000u) == 0;
}

// sat(v, lo, hi), counting a saturation event whenever it changes v.
static inline int64_t saturate(int64_t v, int64_t lo, int64_t hi, Events &ev) {
    if (v < lo) {
        ev.saturations++;
        return lo;
    }
    if (v > hi) {
        ev.saturations++;
        return hi;
    }
    return v;
}

// sat without counting (the attention score clamp).
static inline int64_t clamp(int64_t v, int64_t lo, int64_t hi) {
    return v < lo ? lo : v > hi ? hi : v;
}

static inline int64_t out_lo(uint32_t out) {
    return out == OUT_INT8 ? -128 : out == OUT_INT16 ? -32768 : INT32_LO;
}

static inline int64_t out_hi(uint32_t out) {
    return out == OUT_INT8 ? 127 : out == OUT_INT16 ? 32767 : INT32_HI;
}

// div_round(n, d), d > 0: round half away from zero, truncating division.
static inline int64_t div_round(int64_t n, int64_t d) {
    return n >= 0 ? (n + d / 2) / d : -((-n + d / 2) / d);
}

// isqrt(v) for 0 <= v < 2^62: the result has at most 31 bits, found one bit at a time (no floating point; in
// hardware a 31-step loop around one multiplier, once per LayerNorm row, so it is left rolled).
static inline uint64_t isqrt(uint64_t v) {
    uint64_t r = 0;
    for (int b = 30; b >= 0; b--) {
        const uint64_t t = r | ((uint64_t)1 << b);
        if (t * t <= v) r = t;
    }
    return r;
}

// bitlen(v) for v > 0: bits up to and including the highest set bit.
static inline uint32_t bitlen(uint64_t v) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < 64; i++) {
#pragma HLS UNROLL
        if ((v >> i) != 0) n = i + 1;
    }
    return n;
}

// GELU by table (isa.md 5.1): T holds 257 int32 words.
static inline int64_t gelu_lut(int32_t a, const int32_t T[GELU_TABLE_WORDS]) {
    const uint32_t u = (uint32_t)(a + 32768);
    const uint32_t i = u >> 8, f = u & 255u;
    const int64_t t0 = T[i], t1 = T[i + 1];
    return t0 + rshift_round((t1 - t0) * (int64_t)f, 8);
}

// exp2neg coefficients in Q30 (isa.md 5.2).
const int64_t EXP2_APPROX[3] = {1073741824LL, -723982887LL, 188660605LL};
const int64_t EXP2_EXACT[7] = {1073741824LL, -744261015LL, 257939262LL, -59584159LL,
                               10288366LL,   -1371275LL,   117911LL};

// Horner in Q30 with floor shifts; |y| < 2^31 at every step, so y * f < 2^47.
static inline int64_t exp2neg_poly(int64_t f, bool exact) {
    int64_t y;
    if (exact) {
        y = EXP2_EXACT[6];
        for (int i = 5; i >= 0; i--) {
#pragma HLS UNROLL
            y = ((y * f) >> 16) + EXP2_EXACT[i];
        }
    } else {
        y = EXP2_APPROX[2];
        for (int i = 1; i >= 0; i--) {
#pragma HLS UNROLL
            y = ((y * f) >> 16) + EXP2_APPROX[i];
        }
    }
    return y;
}

// exp2neg(d, exact) for d >= 0 in Q16: 2^(-d/65536) in Q16, exp2neg(0) = 65536.
static inline int64_t exp2neg(int64_t d, bool exact) {
    const int64_t n = d >> 16;
    if (n > 16) return 0;
    const int64_t y = exp2neg_poly(d & 0xFFFF, exact);
    return (y + ((int64_t)1 << (n + 13))) >> (n + 14);
}

}  // namespace npu

#endif
