// isa.md 5.2's claims about exp2neg, checked on the kernel's own implementation (src/int_ops.h) for every Q16
// fraction: in exact mode the result is round(2^(-f/65536) 65536) for all but 4 fractions, off by 1 there; the
// largest error of the Q30 polynomial value y is 1.6e-3 (approx) and 5.2e-9 (exact), both to two digits.
#include <math.h>
#include <stdio.h>

#include "../src/int_ops.h"
#include "suites.h"

void exp2neg_tests() {
    for (bool exact : {false, true}) {
        uint32_t wrong = 0;
        int64_t worst_lsb = 0;
        long double worst_y = 0;
        for (int64_t f = 0; f < 65536; f++) {
            const long double t = exp2l(-(long double)f / 65536);
            const long double y = (long double)npu::exp2neg_poly(f, exact) / (1 << 30);
            worst_y = fmaxl(worst_y, fabsl(y - t));
            const int64_t diff = llabs(npu::exp2neg(f, exact) - (int64_t)floorl(t * 65536 + 0.5L));
            wrong += diff != 0;
            worst_lsb = diff > worst_lsb ? diff : worst_lsb;
        }
        // Every whole-number shift n = 1 .. 16 halves the value; beyond 16 it is 0.
        uint32_t wrong_all = 0;
        for (int64_t d = 65536; d < 18 * 65536; d++) {
            const int64_t want = (int64_t)floorl(exp2l(-(long double)d / 65536) * 65536 + 0.5L);
            wrong_all += npu::exp2neg(d, exact) != (d >> 16 > 16 ? 0 : want);
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
        check(npu::exp2neg(17 * 65536, exact) == 0 && npu::exp2neg(0xFFFFFFFFll, exact) == 0, "exp2neg beyond 2^-17 is 0");
    }
}
