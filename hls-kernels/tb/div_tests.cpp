// The attention engine's division (src/int_ops.h, div_round_by): one multiply by a reciprocal of E computed once
// per row and head, which must equal isa.md's div_round(n, E) for every operand the kernel can meet:
// 2^16 <= E < 2^43 and |n| <= 2^15 E. Checked on the edges of those ranges (E a power of two, one more or less;
// n at 0, around E / 2 where the rounding turns, around multiples of E, at +-2^15 E) for E at every bit length and
// for random E (log-uniform), and on random n, against plain 64-bit division.
#include <stdio.h>

#include <vector>

#include "../src/int_ops.h"
#include "suites.h"

namespace {

struct Counts {
    uint64_t pairs = 0, wrong = 0;
};

void check_pair(int64_t n, uint64_t E, const npu::Reciprocal &r, Counts &c) {
    c.pairs++;
    const int64_t got = npu::div_round_by(n, r, E), want = npu::div_round(n, (int64_t)E);
    if (got != want && c.wrong++ < 5)
        fprintf(stderr, "div_round_by(%lld, E = %llu) = %lld, div_round = %lld\n", (long long)n, (unsigned long long)E,
                (long long)got, (long long)want);
}

void check_divisor(uint64_t E, Rng &rng, Counts &c) {
    const npu::Reciprocal r = npu::reciprocal(E);
    const int64_t e = (int64_t)E, half = e / 2, top = e << 15;  // |n| <= 2^15 E
    const int64_t edges[] = {0,        1,        half - 1,     half,         half + 1,  e - 1,    e,
                             e + 1,    e + half, 3 * e - half, 3 * e + half, top - e,   top - half - 1, top - half,
                             top - half + 1, top - 1, top};
    for (int64_t n : edges) {
        check_pair(n, E, r, c);
        check_pair(-n, E, r, c);
    }
    for (int i = 0; i < 8; i++) check_pair(rng.between(-top, top), E, r, c);
}

}  // namespace

void div_tests() {
    Rng rng(11);
    Counts c;
    for (int bits = 16; bits < 43; bits++) {
        const uint64_t p = (uint64_t)1 << bits;
        for (uint64_t E : {p, p + 1, p + p / 2, 2 * p - 1}) check_divisor(E, rng, c);
    }
    check_divisor(((uint64_t)1 << 43) - 1, rng, c);
    for (int i = 0; i < 100000; i++) {
        const int bits = 16 + (int)rng.below(27);  // E in [2^bits, 2^(bits + 1)), bits 16..42
        check_divisor(((uint64_t)1 << bits) + rng.below(1u << 30) % ((uint64_t)1 << bits), rng, c);
    }
    printf("  div_round_by: %llu (n, E) pairs against div_round, %llu differ\n", (unsigned long long)c.pairs,
           (unsigned long long)c.wrong);
    check(c.wrong == 0, "div_round_by equals div_round over the attention engine's operand ranges");
}
