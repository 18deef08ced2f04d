// isa.md 5.2's claims about exp2neg, checked on the kernel's own implementation (src/int_ops.h) for every Q16
// fraction: in exact mode the result is round(2^(-f/65536) 65536) for all but 4 fractions, off by 1 there; the
// largest error of the Q30 polynomial value y is 1.6e-3 (approx) and 5.2e-9 (exact), both to two digits.
#include <math.h>
#include <stdio.h>

#include "../src/int_ops.h"
#include "suites.h"

namespace {

// isa.md 5.2 transcribed in int64, with the bounds the kernel's 32-bit version relies on checked at every step:
// each Horner product fits 48 bits signed and each y 32 bits signed, and the rounding add stays below 2^31.
bool exp2neg_wide(int64_t d, bool exact, int64_t &result) {
    static const int64_t approx[] = {1073741824, -723982887, 188660605};
    static const int64_t precise[] = {1073741824, -744261015, 257939262, -59584159, 10288366, -1371275, 117911};
    const int64_t *C = exact ? precise : approx;
    const int deg = exact ? 6 : 2;
    const int64_t n = d >> 16, f = d & 0xFFFF;
    if (n > 16) {
        result = 0;
        return true;
    }
    bool fits = true;
    int64_t y = C[deg];
    for (int i = deg - 1; i >= 0; i--) {
        const int64_t p = y * f;
        fits = fits && p >= -(1ll << 47) && p < (1ll << 47);
        y = (p >> 16) + C[i];
        fits = fits && y >= INT32_MIN && y <= INT32_MAX;
    }
    fits = fits && y + (1ll << (n + 13)) <= INT32_MAX;
    result = (y + ((int64_t)1 << (n + 13))) >> (n + 14);
    return fits;
}

}  // namespace

void exp2neg_tests() {
    for (bool exact : {false, true}) {
        // The kernel's 32-bit arithmetic equals isa.md's int64 arithmetic for every d that is not 0 by the n > 16 rule.
        uint32_t outside = 0, differ = 0;
        for (int64_t d = 0; d < 17 * 65536 + 2; d++) {
            int64_t want;
            outside += !exp2neg_wide(d, exact, want);
            differ += (int64_t)npu::exp2neg((uint32_t)d, exact) != want;
        }
        check(outside == 0, "exp2neg: every intermediate fits the kernel's 48-bit products and 32-bit values");
        check(differ == 0, "exp2neg: the kernel's 32-bit arithmetic equals isa.md's int64 arithmetic");
        printf("  exp2neg %s: 32-bit kernel arithmetic = isa.md's int64 for all %d d < 17 x 2^16 + 2\n",
               exact ? "exact " : "approx", 17 * 65536 + 2);
    }

    for (bool exact : {false, true}) {
        uint32_t wrong = 0;
        int64_t worst_lsb = 0;
        long double worst_y = 0;
        for (int64_t f = 0; f < 65536; f++) {
            const long double t = exp2l(-(long double)f / 65536);
            const long double y = (long double)(int64_t)npu::exp2neg_poly(f, exact) / (1 << 30);
            worst_y = fmaxl(worst_y, fabsl(y - t));
            const int64_t diff = llabs((int64_t)npu::exp2neg((uint32_t)f, exact) - (int64_t)floorl(t * 65536 + 0.5L));
            wrong += diff != 0;
            worst_lsb = diff > worst_lsb ? diff : worst_lsb;
        }
        // Every whole-number shift n = 1 .. 16 halves the value; beyond 16 it is 0.
        uint32_t wrong_all = 0;
        for (int64_t d = 65536; d < 18 * 65536; d++) {
            const int64_t want = (int64_t)floorl(exp2l(-(long double)d / 65536) * 65536 + 0.5L);
            wrong_all += (int64_t)npu::exp2neg((uint32_t)d, exact) != (d >> 16 > 16 ? 0 : want);
        }
        printf("  exp2neg %s: %u of 65536 fractions not correctly rounded (at most %lld LSB off), max |y - 2^-x| = %.3Le;"
               " n >= 1: %u of %d values not correctly rounded\n",
               exact ? "exact " : "approx", wrong, (long long)worst_lsb, worst_y, wrong_all, 17 * 65536);
        if (exact) {
            check(wrong == 4 && worst_lsb == 1, "exp2neg exact: correctly rounded for all but 4 fractions, max 1 LSB");
            check(worst_y < 5.25e-9L, "exp2neg exact: max error of y below isa.md's 5.2e-9");
        } else {
            check(worst_y < 1.65e-3L, "exp2neg approx: max error of y below isa.md's 1.6e-3");
        }
        check(npu::exp2neg(0, exact) == 65536, "exp2neg(0) = 65536");
        check(npu::exp2neg(17 * 65536, exact) == 0 && npu::exp2neg(0xFFFFFFFFu, exact) == 0, "exp2neg beyond 2^-17 is 0");
    }
}
