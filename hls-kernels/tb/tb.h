// Testbench support: a launch case (the ten buffers and three scalars of npu_top), running it through the kernel,
// and comparing outputs byte for byte.
#ifndef TB_TB_H
#define TB_TB_H

#include <stdint.h>
#include <string.h>

#include <string>
#include <vector>

typedef std::vector<uint8_t> Bytes;

// Buffer arguments in kernel-argument order (isa.md 2).
enum Buffer { B_PROGRAM, B_W0, B_W1, B_W2, B_W3, B_PARAMS, B_ACT, B_KV, B_LOGITS, B_STATUS, N_BUFFERS };
extern const char *const BUFFER_NAMES[N_BUFFERS];

// The outputs a launch produces, in the order of the .npuv file.
enum Output { O_ACT, O_KV, O_LOGITS, O_STATUS, N_OUTPUTS };
extern const char *const OUTPUT_NAMES[N_OUTPUTS];
extern const Buffer OUTPUT_BUFFER[N_OUTPUTS];

struct Case {
    std::string name;
    Bytes buf[N_BUFFERS];
    uint32_t position = 0, n_tokens = 1, flags = 0;
};

struct Outputs {
    Bytes out[N_OUTPUTS];
};

// Little-endian element access into byte buffers.
inline int16_t get16(const Bytes &b, uint64_t at) {
    int16_t v;
    memcpy(&v, &b.at(at + 1) - 1, 2);
    return v;
}
inline int32_t get32(const Bytes &b, uint64_t at) {
    int32_t v;
    memcpy(&v, &b.at(at + 3) - 3, 4);
    return v;
}
inline void put16(Bytes &b, uint64_t at, int16_t v) {
    memcpy(&b.at(at + 1) - 1, &v, 2);
}
inline void put32(Bytes &b, uint64_t at, int32_t v) {
    memcpy(&b.at(at + 3) - 3, &v, 4);
}
inline uint32_t word(const Bytes &b, uint64_t i) {
    return (uint32_t)get32(b, 4 * i);
}

// Deterministic pseudo-random numbers (xorshift64) for test data.
struct Rng {
    uint64_t s;
    explicit Rng(uint64_t seed) : s(seed * 0x9E3779B97F4A7C15ull + 1) {}
    uint32_t next() {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        return (uint32_t)(s >> 11);
    }
    uint32_t below(uint32_t n) { return n ? next() % n : 0; }
    int64_t between(int64_t lo, int64_t hi) {
        return lo + (int64_t)(((uint64_t)next() << 32 | next()) % (uint64_t)(hi - lo + 1));
    }
    bool chance(int percent) { return below(100) < (uint32_t)percent; }
    void fill(Bytes &b) {
        for (auto &v : b) v = (uint8_t)next();
    }
};

// Arithmetic for hand-computed expectations: floor(a / b) and a / b rounded half away from zero (b > 0).
inline int64_t floor_div(int64_t a, int64_t b) {
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}
inline int64_t div_half_away(int64_t a, int64_t b) {
    return a >= 0 ? (a + b / 2) / b : -((-a + b / 2) / b);
}

// Runs the kernel (libnpu_csim.so) on copies of the case's buffers.
Outputs run_kernel(const Case &c);

// The case's input buffers as outputs (what an instruction that writes nothing leaves).
Outputs initial_outputs(const Case &c);

// Status words of a launch.
void set_status(Outputs &o, uint32_t code, uint32_t failed, uint32_t executed, uint32_t saturations,
                uint32_t overflows);
uint32_t status_word(const Outputs &o, int i);

// The first output buffer that differs and the first differing byte offset in it (the length when the sizes
// differ); false when all are equal.
bool first_difference(const Outputs &got, const Outputs &want, int &buffer, size_t &offset);

// Byte comparison of every output; on a mismatch prints the case, the buffer, the first differing byte offset
// with both values (and the status words of both sides) and returns false.
bool same_outputs(const std::string &what, const Outputs &got, const Outputs &want);

// Test bookkeeping: every compared launch is a vector.
struct Tally {
    uint64_t vectors = 0, failures = 0;
};
extern Tally tally;

// Record one compared launch (prints nothing when it passes).
void record(const std::string &what, bool ok);

// An assertion outside a launch comparison (exp2neg checks, reader tests).
void check(bool ok, const std::string &what);

#endif
