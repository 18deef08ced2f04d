// C-simulation stand-in for Vitis HLS's ap_int.h: only the ap_uint<128> the bandwidth probe uses (construct from
// 64 bits, ^, |, <<, >>, ==, to_uint64). Vitis compiles the kernel with its own header (run_hls.tcl does not put
// this folder on the include path); g++ finds this one (Makefile: -Icsim).
#ifndef FPGA_LLM_CSIM_AP_INT_H
#define FPGA_LLM_CSIM_AP_INT_H

#include <stdint.h>

template <int W>
struct ap_uint {
    static_assert(W == 128, "the C-simulation stand-in only models ap_uint<128>");
    uint64_t lo, hi;

    ap_uint() : lo(0), hi(0) {}
    ap_uint(uint64_t v) : lo(v), hi(0) {}

    uint64_t to_uint64() const { return lo; }
    ap_uint &operator^=(const ap_uint &o) {
        lo ^= o.lo;
        hi ^= o.hi;
        return *this;
    }
    ap_uint operator|(const ap_uint &o) const { return make(hi | o.hi, lo | o.lo); }
    ap_uint operator<<(int s) const {
        if (s == 0) return *this;
        if (s >= 64) return make(s >= 128 ? 0 : lo << (s - 64), 0);
        return make((hi << s) | (lo >> (64 - s)), lo << s);
    }
    ap_uint operator>>(int s) const {
        if (s == 0) return *this;
        if (s >= 64) return make(0, s >= 128 ? 0 : hi >> (s - 64));
        return make(hi >> s, (lo >> s) | (hi << (64 - s)));
    }
    bool operator==(const ap_uint &o) const { return lo == o.lo && hi == o.hi; }
    bool operator!=(const ap_uint &o) const { return !(*this == o); }

  private:
    static ap_uint make(uint64_t h, uint64_t l) {
        ap_uint r;
        r.hi = h;
        r.lo = l;
        return r;
    }
};

#endif
