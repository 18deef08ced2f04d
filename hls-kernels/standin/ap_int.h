// Stand-in for the part of Vitis HLS's <ap_int.h> that the NPU kernel uses, for C-simulation with plain g++ when
// Vitis is not installed: hls-kernels/Makefile puts this folder first on the include path only when XILINX_HLS is
// not set; with Vitis the real header is used. Written for this project from the documented behaviour of the
// arbitrary-precision types (UG1399, "Arbitrary Precision Data Types"), not from AMD's sources.
//
// What it provides, and what it deliberately does not:
// - ap_int<W> / ap_uint<W> for W <= 63: a W-bit two's-complement (unsigned) value; construction and assignment
//   wrap modulo 2^W as the real types do. Reading one converts to int64_t, so an expression is evaluated in int64.
//   The real types evaluate in a width wide enough for the exact result, so both agree whenever that exact
//   result fits 64 bits; the kernel keeps every expression on these types within 64 bits (its comments say
//   where the bound comes from) and never shifts one left (the real operator<< keeps the operand's width).
// - ap_uint<128>: a 128-bit AXI beat, little-endian in memory like the real type; only range(hi, lo) to read or
//   write a field of at most 64 bits. No arithmetic.
#ifndef NPU_STANDIN_AP_INT_H
#define NPU_STANDIN_AP_INT_H

#include <stdint.h>

#define NPU_STANDIN_HEADERS 1

template <int W>
class ap_int {
    static_assert(W >= 1 && W <= 63, "the stand-in ap_int holds 1..63 bits");
    int64_t v_;
    static int64_t wrap(int64_t x) {
        return (int64_t)((uint64_t)x << (64 - W)) >> (64 - W);  // sign-extend bit W - 1
    }

public:
    ap_int() : v_(0) {}
    ap_int(int64_t x) : v_(wrap(x)) {}
    operator int64_t() const { return v_; }
    ap_int &operator=(int64_t x) {
        v_ = wrap(x);
        return *this;
    }
    ap_int &operator+=(int64_t x) { return *this = (int64_t)((uint64_t)v_ + (uint64_t)x); }
    ap_int &operator-=(int64_t x) { return *this = (int64_t)((uint64_t)v_ - (uint64_t)x); }
};

template <int W>
class ap_uint {
    static_assert(W >= 1 && W <= 63, "the stand-in ap_uint holds 1..63 bits (and 128 as an AXI beat)");
    uint64_t v_;
    static uint64_t wrap(uint64_t x) { return x & (((uint64_t)1 << W) - 1); }

public:
    ap_uint() : v_(0) {}
    ap_uint(int64_t x) : v_(wrap((uint64_t)x)) {}
    operator int64_t() const { return (int64_t)v_; }
    ap_uint &operator=(int64_t x) {
        v_ = wrap((uint64_t)x);
        return *this;
    }
    ap_uint &operator+=(int64_t x) { return *this = (int64_t)(v_ + (uint64_t)x); }
    ap_uint &operator-=(int64_t x) { return *this = (int64_t)(v_ - (uint64_t)x); }
};

// One field of an AXI beat, as range(hi, lo) returns it. The kernel's fields (8-, 16- and 32-bit lanes) never
// straddle the two 64-bit halves; the stand-in refuses one that would.
class ap_beat_field {
    uint64_t *w_;
    int lo_;
    uint64_t mask_;

public:
    ap_beat_field(uint64_t *w, int hi, int lo) : w_(w), lo_(lo) {
        if (hi < lo || lo < 0 || hi > 127 || hi / 64 != lo / 64) __builtin_trap();
        mask_ = hi - lo == 63 ? ~(uint64_t)0 : (((uint64_t)1 << (hi - lo + 1)) - 1);
    }
    uint64_t to_uint64() const { return (w_[lo_ / 64] >> (lo_ % 64)) & mask_; }
    ap_beat_field &operator=(uint64_t v) {
        uint64_t &w = w_[lo_ / 64];
        const int at = lo_ % 64;
        w = (w & ~(mask_ << at)) | ((v & mask_) << at);
        return *this;
    }
};

template <>
class ap_uint<128> {
    uint64_t w_[2];  // w_[0] holds bits 0-63: little-endian, as the beat sits in memory

public:
    ap_uint() : w_{0, 0} {}
    ap_beat_field range(int hi, int lo) { return ap_beat_field(w_, hi, lo); }
    const ap_beat_field range(int hi, int lo) const { return ap_beat_field(const_cast<uint64_t *>(w_), hi, lo); }
};

static_assert(sizeof(ap_uint<128>) == 16, "an AXI beat is 16 bytes in memory");

#endif
