// The integer primitives of docs/isa.md sections 1 and 5, shared by every engine. Header-only so that HLS
// inlines them into the pipelines that use them.
//
// Right shifts of negative int64 values are arithmetic (floor), as isa.md requires: C++20 defines it, and g++ and
// the clang front end of Vitis HLS implement it so in C++14/17 as well. Left shifts of negative values are avoided.
// Additions and products that isa.md bounds are done in int64 as written; the bounds are noted where it matters.
#ifndef NPU_INT_OPS_H
#define NPU_INT_OPS_H

#include <stdint.h>

#include "cost.h"
#include "npu_isa.h"
#include "npu_types.h"

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

// bitlen(v) for v > 0: bits up to and including the highest set bit.
static inline uint32_t bitlen(uint64_t v) {
    uint32_t n = 0;
bitlen_bits:
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

// div_round(n, d), d > 0: round half away from zero, truncating division (the reference the attention engine's
// reciprocal is tested against; the kernel divides with div_round_by below).
static inline int64_t div_round(int64_t n, int64_t d) {
    return n >= 0 ? (n + d / 2) / d : -((-n + d / 2) / d);
}

// div_round(n, E) as one multiply, for the attention normalisation (isa.md 4.2 ATTENTION): a reciprocal of E is
// computed once per row and head by a sequential divider, then every lane of the head multiplies by it.
//
// Ranges the kernel relies on (isa.md implies them): E is a sum of exp2neg values that includes exp2neg(0) =
// 2^16 and at most max_seq of them, each <= 2^16; max_seq < 2^27 because a KV region of n_head x max_seq x
// head_dim int16 must fit the 32-bit kv_bytes with head_dim >= 16; so 2^16 <= E < 2^43. The numerator is
// n = sum e[t] V[t][j] with |V| <= 2^15, so |n| <= 2^15 E, and a = |n| + floor(E / 2) < 2^58 + 2^42 < 2^N, N = 59.
//
// Exactness (Granlund and Montgomery, "Division by invariant integers using multiplication", PLDI 1994, thm 4.2):
// let l = bitlen(E), so E < 2^l, and m = floor(2^(N + l) / E) + 1. Then m E = 2^(N + l) + d with 0 < d <= E.
// Write a = q E + r with 0 <= r < E. Then m a / 2^(N + l) = q + r / E + a d / (E 2^(N + l)), and the last term is
// < 2^N E / (E 2^(N + l)) = 2^-l < 1 / E because a < 2^N. Since r / E <= 1 - 1 / E, the two fractions sum to
// less than 1, so floor(m a / 2^(N + l)) = q = floor(a / E) for every a < 2^N. m <= 2^(N + 1) + 1 < 2^61, and the
// product m a < 2^120 is formed from 32-bit partial products (mul_shift). tb/div_tests.cpp checks div_round_by
// against div_round on the edges of these ranges and on random operands.
const uint32_t RECIPROCAL_N = 59;

struct Reciprocal {
    uint64_t m;      // < 2^61
    uint32_t shift;  // N + bitlen(E): 76..102
};

// m = floor(2^(N + l) / E) + 1 by restoring division, one quotient bit per step: the leading bit from 2^(l - 1),
// then N + 1 more (RECIPROCAL_STEPS in the attention engine's divider loop).
const uint32_t RECIPROCAL_STEPS = RECIPROCAL_N + 1;

static inline Reciprocal reciprocal(uint64_t E) {
    const uint32_t l = bitlen(E);
    uint64_t rem = (uint64_t)1 << (l - 1), q = 0;  // E >= 2^(l - 1): the leading quotient bit is 0 or 1
    if (rem >= E) {
        rem -= E;
        q = 1;
    }
    NPU_LOOP_TAIL(reciprocal_steps, 1, 3, COMPUTE, P_NONE, TAIL_LOOP);  // the normaliser's tail starts here
reciprocal_steps:
    for (uint32_t i = 0; i < RECIPROCAL_STEPS; i++) {
#pragma HLS PIPELINE II = 1
        NPU_TRIP(reciprocal_steps);
        rem <<= 1;  // rem < E < 2^43, so no bit is lost
        q <<= 1;
        if (rem >= E) {
            rem -= E;
            q |= 1;
        }
    }
    Reciprocal r = {q + 1, RECIPROCAL_N + l};
    return r;
}

// floor(a m / 2^s) for a < 2^59, m < 2^61, 64 <= s < 128: only the high 64 bits of the 128-bit product matter.
static inline uint64_t mul_shift(uint64_t a, uint64_t m, uint32_t s) {
    const uint64_t a0 = a & 0xFFFFFFFFu, a1 = a >> 32, m0 = m & 0xFFFFFFFFu, m1 = m >> 32;
    const uint64_t p00 = a0 * m0, p01 = a0 * m1, p10 = a1 * m0, p11 = a1 * m1;
    const uint64_t mid = (p00 >> 32) + (p01 & 0xFFFFFFFFu) + (p10 & 0xFFFFFFFFu);  // < 3 x 2^32
    const uint64_t hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);           // bits 64.. of a m
    return hi >> (s - 64);
}

// div_round(n, E) for 2^16 <= E < 2^43 and |n| <= 2^15 E, with r = reciprocal(E).
static inline int64_t div_round_by(int64_t n, const Reciprocal &r, uint64_t E) {
    const uint64_t a = (uint64_t)(n >= 0 ? n : -n) + (E >> 1);
    const int64_t q = (int64_t)mul_shift(a, r.m, r.shift);
    return n >= 0 ? q : -q;
}

// isqrt(v) for 0 <= v < 2^62: the result has at most 31 bits, found one bit per step by the shift-and-subtract
// method (no multiplier in the loop, so one step per cycle; once per LayerNorm row).
static inline uint64_t isqrt(uint64_t v) {
    uint64_t r = 0, bit = (uint64_t)1 << 60;  // the largest power of 4 below 2^62
    NPU_LOOP(isqrt_steps, 1, 3, COMPUTE, P_NONE);
isqrt_steps:
    for (int i = 0; i < 31; i++) {
#pragma HLS PIPELINE II = 1
        NPU_TRIP(isqrt_steps);
        if (v >= r + bit) {
            v -= r + bit;
            r = (r >> 1) + bit;
        } else {
            r >>= 1;
        }
        bit >>= 2;
    }
    return r;
}

// floor(2^62 / d) for 1 <= d < 2^31 (the LayerNorm's inverse square root) by restoring division, one quotient bit
// per step (63 steps, once per row).
const uint32_t INVERSE_STEPS = 63;

static inline uint64_t inverse62(uint64_t d) {
    uint64_t rem = 0, q = 0;
    NPU_LOOP(inverse_steps, 1, 3, COMPUTE, P_NONE);
inverse_steps:
    for (uint32_t i = 0; i < INVERSE_STEPS; i++) {
#pragma HLS PIPELINE II = 1
        NPU_TRIP(inverse_steps);
        rem = (rem << 1) | (i == 0 ? 1u : 0u);  // the dividend 2^62, most significant bit first
        q <<= 1;
        if (rem >= d) {
            rem -= d;
            q |= 1;
        }
    }
    return q;
}


// Horner in Q30 with floor shifts, in 32-bit values: every y fits 32 bits signed and f is 16 bits unsigned, so each
// product fits 48 bits (a DSP48E2 pair) and its shift 32 bits again. tb/exp2neg_tests.cpp checks these bounds, and
// that the result equals isa.md's int64 arithmetic, for all 65,536 fractions in both modes.
static inline ap_int<32> exp2neg_poly(ap_uint<16> f, bool exact) {
    ap_int<32> y;
    if (exact) {
        y = EXP2_EXACT[6];
    exp2neg_exact_horner:
        for (int i = 5; i >= 0; i--) {
#pragma HLS UNROLL
            const ap_int<48> p = (int64_t)y * (int64_t)f;
            y = ((int64_t)p >> 16) + EXP2_EXACT[i];
        }
    } else {
        y = EXP2_APPROX[2];
    exp2neg_approx_horner:
        for (int i = 1; i >= 0; i--) {
#pragma HLS UNROLL
            const ap_int<48> p = (int64_t)y * (int64_t)f;
            y = ((int64_t)p >> 16) + EXP2_APPROX[i];
        }
    }
    return y;
}

// exp2neg(d, exact) for 0 <= d < 2^32 in Q16 (the attention engine's d = m - u of two int32 scores): 2^(-d/65536)
// in Q16, exp2neg(0) = 65536. With n <= 16 and y <= 2^30 the rounding add stays below 2^31.
static inline uint32_t exp2neg(uint32_t d, bool exact) {
    const uint32_t n = d >> 16;
    if (n > 16) return 0;
    const int32_t y = (int32_t)(int64_t)exp2neg_poly(d & 0xFFFFu, exact);
    return (uint32_t)((y + ((int32_t)1 << (n + 13))) >> (n + 14));
}

}  // namespace npu

#endif
