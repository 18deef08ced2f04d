// The golden model: isa.md's pseudo-code transcribed loop for loop, with none of the kernel's tiling, buffering or
// score caching, and its own primitives (128-bit intermediates that fail loudly if isa.md's ranges are ever
// exceeded). Every access goes through bounds-checked byte accessors.
#include "reference.h"

#include <math.h>
#include <stdexcept>

#include "program_builder.h"

namespace {

typedef __int128 i128;

int64_t narrow(i128 v) {
    if (v < INT64_MIN || v > INT64_MAX) throw std::runtime_error("reference: int64 overflow");
    return (int64_t)v;
}

int64_t rshift_round(int64_t v, uint32_t s) {
    if (s == 0) return v;
    return narrow(((i128)v + ((i128)1 << (s - 1))) >> s);
}

int64_t requant(int64_t v, uint32_t w) {
    const int64_t mult = w & 0xFFFFFF;
    const uint32_t shift = (w >> 24) & 63;
    return rshift_round(narrow((i128)v * mult), shift);
}

struct Counts {
    uint32_t sat = 0, ovf = 0;
};

int64_t sat(int64_t v, int64_t lo, int64_t hi, Counts &c) {
    if (v < lo || v > hi) c.sat++;
    return v < lo ? lo : v > hi ? hi : v;
}

int64_t lo_of(uint32_t out) {
    return out == INT8 ? -128 : out == INT16 ? -32768 : INT32_MIN;
}
int64_t hi_of(uint32_t out) {
    return out == INT8 ? 127 : out == INT16 ? 32767 : INT32_MAX;
}

int64_t div_round(int64_t n, int64_t d) {
    return n >= 0 ? (n + d / 2) / d : -((-n + d / 2) / d);
}

int64_t isqrt(int64_t v) {
    int64_t r = (int64_t)sqrtl((long double)v);
    while ((i128)r * r > v) r--;
    while ((i128)(r + 1) * (r + 1) <= v) r++;
    return r;
}

int bitlen(int64_t v) {
    return 64 - __builtin_clzll((unsigned long long)v);
}

int64_t exp2neg(int64_t d, bool exact) {
    static const int64_t approx[] = {1073741824, -723982887, 188660605};
    static const int64_t precise[] = {1073741824, -744261015, 257939262, -59584159, 10288366, -1371275, 117911};
    const int64_t *C = exact ? precise : approx;
    const int deg = exact ? 6 : 2;
    const int64_t n = d >> 16, f = d & 0xFFFF;
    if (n > 16) return 0;
    int64_t y = C[deg];
    for (int i = deg - 1; i >= 0; i--) y = narrow(((i128)y * f) >> 16) + C[i];
    return (y + ((int64_t)1 << (n + 13))) >> (n + 14);
}

int64_t gelu_lut(int64_t a, const Bytes &params, uint32_t table) {
    const int64_t i = (a + 32768) >> 8, f = (a + 32768) & 255;
    const int64_t t0 = get32(params, table + 4 * i), t1 = get32(params, table + 4 * (i + 1));
    return t0 + rshift_round((t1 - t0) * f, 8);
}

struct Machine {
    Outputs o;
    const Case &c;
    Counts n;
    bool exact;
    uint32_t max_seq;
    Bytes &act() { return o.out[O_ACT]; }
    Bytes &kv() { return o.out[O_KV]; }
    Bytes &logits() { return o.out[O_LOGITS]; }
    const Bytes &params() { return c.buf[B_PARAMS]; }

    explicit Machine(const Case &c_) : o(initial_outputs(c_)), c(c_) {
        exact = (c.flags & SOFTMAX_EXACT) != 0;
        max_seq = word(c.buf[B_PROGRAM], 10);
    }

    void gemm(const uint32_t *w) {
        const uint32_t rows = (w[0] >> 8) & 3, out = (w[0] >> 10) & 3;
        const bool gelu = (w[0] >> 12) & 1, residual = (w[0] >> 13) & 1;
        const uint32_t K = w[1], N = w[2];
        const uint32_t R = rows == ALL ? c.n_tokens : 1, in0 = rows == LAST ? c.n_tokens - 1 : 0;
        for (uint32_t r = 0; r < R; r++) {
            const uint64_t x = w[3] + (uint64_t)(in0 + r) * w[4];
            for (uint32_t nn = 0; nn < N; nn++) {
                const uint32_t t = nn / 16;
                const Bytes &W = c.buf[B_W0 + t % 4];
                int64_t acc = get32(params(), w[8] + 8ull * nn);
                for (uint32_t k = 0; k < K; k++) {
                    const uint64_t at = w[7] + ((uint64_t)(t / 4) * (K / 16) + k / 16) * 256 + (nn % 16) * 16 + k % 16;
                    acc += (int64_t)get16(act(), x + 2ull * k) * (int8_t)W.at(at);
                }
                if (acc < INT32_MIN || acc > INT32_MAX) n.ovf++;
                int64_t y = requant(acc, (uint32_t)get32(params(), w[8] + 8ull * nn + 4));
                if (gelu) y = gelu_lut(sat(y, -32768, 32767, n), params(), w[12]);
                if (residual) y += requant(get16(act(), w[9] + (uint64_t)r * w[10] + 2ull * nn), w[11]);
                y = sat(y, lo_of(out), hi_of(out), n);
                if (out == INT32)
                    put32(logits(), w[5] + (uint64_t)r * w[6] + 4ull * nn, (int32_t)y);
                else
                    put16(act(), w[5] + (uint64_t)r * w[6] + 2ull * nn, (int16_t)y);
            }
        }
    }

    uint64_t cache(uint32_t base, uint32_t h, uint32_t p, uint32_t hd) {
        return base + ((uint64_t)h * max_seq + p) * hd * 2;
    }

    void attention(const uint32_t *w) {
        const uint32_t out = (w[0] >> 10) & 3, H = w[1] & 0xFFFF, hd = w[1] >> 16;
        const uint32_t stride = w[3];
        for (uint32_t r = 0; r < c.n_tokens; r++)
            for (uint32_t h = 0; h < H; h++)
                for (uint32_t j = 0; j < hd; j++) {
                    const uint64_t col = 2ull * (h * hd + j);
                    put16(kv(), cache(w[6], h, c.position + r, hd) + 2 * j, get16(act(), w[4] + (uint64_t)r * stride + col));
                    put16(kv(), cache(w[7], h, c.position + r, hd) + 2 * j, get16(act(), w[5] + (uint64_t)r * stride + col));
                }
        for (uint32_t r = 0; r < c.n_tokens; r++)
            for (uint32_t h = 0; h < H; h++) {
                const uint32_t p = c.position + r;
                std::vector<int64_t> u(p + 1), e(p + 1);
                for (uint32_t t = 0; t <= p; t++) {
                    int64_t s = 0;
                    for (uint32_t j = 0; j < hd; j++)
                        s += (int64_t)get16(act(), w[2] + (uint64_t)r * stride + 2ull * (h * hd + j)) *
                             get16(kv(), cache(w[6], h, t, hd) + 2 * j);
                    if (s < INT32_MIN || s > INT32_MAX) n.ovf++;
                    const int64_t v = requant(s, w[10]);
                    u[t] = v < INT32_MIN ? INT32_MIN : v > INT32_MAX ? INT32_MAX : v;
                }
                int64_t m = u[0];
                for (uint32_t t = 0; t <= p; t++) m = u[t] > m ? u[t] : m;
                int64_t E = 0;
                for (uint32_t t = 0; t <= p; t++) E += e[t] = exp2neg(m - u[t], exact);
                for (uint32_t j = 0; j < hd; j++) {
                    i128 sum = 0;
                    for (uint32_t t = 0; t <= p; t++) sum += (i128)e[t] * get16(kv(), cache(w[7], h, t, hd) + 2 * j);
                    const int64_t cj = div_round(narrow(sum), E);
                    const int64_t y = sat(requant(cj, w[11]), lo_of(out), hi_of(out), n);
                    put16(act(), w[8] + (uint64_t)r * w[9] + 2ull * (h * hd + j), (int16_t)y);
                }
            }
    }

    void layernorm(const uint32_t *w) {
        const uint32_t rows = (w[0] >> 8) & 3, out = (w[0] >> 10) & 3, D = w[1];
        const uint32_t R = rows == ALL ? c.n_tokens : 1, in0 = rows == LAST ? c.n_tokens - 1 : 0;
        const int64_t E = (int64_t)((uint64_t)w[7] | (uint64_t)w[8] << 32);
        for (uint32_t r = 0; r < R; r++) {
            const uint64_t x = w[2] + (uint64_t)(in0 + r) * w[3];
            int64_t S = 0, Q = 0;
            for (uint32_t i = 0; i < D; i++) {
                const int64_t v = get16(act(), x + 2 * i);
                S += v;
                Q += v * v;
            }
            const int64_t V = narrow((i128)D * Q - (i128)S * S + E);
            if (V < 0 || V >= (int64_t)1 << 62) throw std::runtime_error("reference: LayerNorm V out of range");
            const int64_t rt = isqrt(V);
            std::vector<int64_t> z(D, 0);
            if (rt != 0) {
                int64_t inv = ((int64_t)1 << 62) / rt;
                const int sh = bitlen(inv) - 31 > 0 ? bitlen(inv) - 31 : 0;
                inv >>= sh;
                for (uint32_t i = 0; i < D; i++) z[i] = rshift_round(narrow((i128)((int64_t)D * get16(act(), x + 2 * i) - S) * inv), 46 - sh);
            }
            for (uint32_t i = 0; i < D; i++) {
                const int64_t g = get32(params(), w[6] + 8ull * i), b = get32(params(), w[6] + 8ull * i + 4);
                const int64_t y = rshift_round(narrow((i128)z[i] * g + (i128)b * 65536), w[9]);
                put16(act(), w[4] + (uint64_t)r * w[5] + 2 * i, (int16_t)sat(y, lo_of(out), hi_of(out), n));
            }
        }
    }
};

}  // namespace

Outputs reference_run(const Case &c, uint32_t limit) {
    Machine m(c);
    const uint32_t n_instr = word(c.buf[B_PROGRAM], 2);
    const uint32_t count = limit < n_instr ? limit : n_instr;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t w[16];
        for (int j = 0; j < 16; j++) w[j] = word(c.buf[B_PROGRAM], 16 + 16 * i + j);
        switch (w[0] & 0xFF) {
            case OP_GEMM: m.gemm(w); break;
            case OP_ATTENTION: m.attention(w); break;
            case OP_LAYERNORM: m.layernorm(w); break;
            default: throw std::runtime_error("reference: not an instruction");
        }
    }
    set_status(m.o, 0, 0xFFFFFFFFu, count, m.n.sat, m.n.ovf);
    return m.o;
}
