// Hand-computed GEMM vectors: each expected value below follows from isa.md 4.2 by arithmetic a reader can redo
// (closed forms in the comments), not from any implementation.
#include <algorithm>

#include "program_builder.h"
#include "suites.h"

namespace {

struct Gemm1 {
    Case c;
    GemmSpec g;
};

// One GEMM over n_tokens input rows: x rows at act 0 (stride 2K, at least 16), y rows after them (or in logits
// for INT32) with stride N * element bytes, the residual in place on y, weights at w_off 0, the per-channel
// records at params 0 and the GELU table right after them. max_tokens = max_seq = n_tokens.
Gemm1 gemm_case(const char *name, GemmSpec g, uint32_t n_tokens, const std::vector<int16_t> &x,
                const std::vector<int8_t> &W, const std::vector<int32_t> &bias, const std::vector<int32_t> &rqs,
                const std::vector<int32_t> &table = {}) {
    Gemm1 s;
    const uint32_t rows_out = g.rows == ALL ? n_tokens : 1;
    const uint32_t ebytes = g.out == INT32 ? 4 : 2;
    g.x_base = 0;
    g.x_stride = std::max(16u, 2 * g.K);
    g.y_stride = std::max(16u, ebytes * g.N);
    g.y_base = g.out == INT32 ? 0 : n_tokens * g.x_stride;
    if (g.residual) {
        g.r_base = g.y_base;
        g.r_stride = g.y_stride;
    }
    g.w_off = 0;
    g.p_off = 0;
    g.gelu_off = 8 * g.N;
    HeaderSpec h;
    h.act_bytes = n_tokens * g.x_stride + (g.out == INT32 ? 0 : rows_out * g.y_stride);
    h.logits_bytes = g.out == INT32 ? rows_out * g.y_stride : 0;
    h.weights_bytes = g.N / 64 * 16 * g.K;
    h.params_bytes = 8 * g.N + 4 * 257;
    h.max_tokens = h.max_seq = n_tokens;
    s.c.name = name;
    s.c.n_tokens = n_tokens;
    set_program(s.c, h, {encode(g)});
    put_rows(s.c, g.x_base, g.x_stride, x, g.K);
    pack_weights(s.c, g.w_off, W, g.N, g.K);
    put_records(s.c, g.p_off, bias, rqs);
    for (size_t i = 0; i < table.size(); i++) put32(s.c.buf[B_PARAMS], g.gelu_off + 4 * i, table[i]);
    s.g = g;
    return s;
}

void put_y(Outputs &o, const GemmSpec &g, uint32_t r, uint32_t n, int64_t v) {
    if (g.out == INT32)
        put32(o.out[O_LOGITS], g.y_base + r * g.y_stride + 4 * n, (int32_t)v);
    else
        put16(o.out[O_ACT], g.y_base + r * g.y_stride + 2 * n, (int16_t)v);
}

// Tile layout across the four ports and two channel groups and two k tiles: W[n][k] = n/32 + 1 where
// k = n mod 32, else 0; x row 0 = 1..32, row 1 = -2, -4, .. -64; bias 10 n; rq = 1 x 2^0.
// y[r][n] = 10 n + x[r][n mod 32] (n/32 + 1).
void tile_layout() {
    GemmSpec g;
    g.K = 32;
    g.N = 128;
    std::vector<int16_t> x(64);
    for (int k = 0; k < 32; k++) x[k] = (int16_t)(k + 1), x[32 + k] = (int16_t)(-2 * (k + 1));
    std::vector<int8_t> W(128 * 32, 0);
    std::vector<int32_t> bias(128), rqs(128, rq(1, 0));
    for (int n = 0; n < 128; n++) W[n * 32 + n % 32] = (int8_t)(n / 32 + 1), bias[n] = 10 * n;
    Gemm1 s = gemm_case("gemm: tile layout, 4 ports x 2 groups x 2 k tiles", g, 2, x, W, bias, rqs);
    Outputs want = initial_outputs(s.c);
    for (int r = 0; r < 2; r++)
        for (int n = 0; n < 128; n++) put_y(want, s.g, r, n, 10 * n + x[r * 32 + n % 32] * (n / 32 + 1));
    set_status(want, 0, ~0u, 1, 0, 0);
    expect(s.c, want);
}

// requant rounds half up: x = (1, 0, ..), W[n][0] = 1, bias = n - 33, so acc = n - 32 for n < 64.
// rq = 1 x 2^-1: y = floor((acc + 1) / 2); rq = 3 x 2^-2: y = floor((3 acc + 2) / 4).
void rounding() {
    const uint32_t mults[2] = {1, 3}, shifts[2] = {1, 2};
    for (int v = 0; v < 2; v++) {
        GemmSpec g;
        g.K = 16;
        g.N = 64;
        std::vector<int16_t> x(16, 0);
        x[0] = 1;
        std::vector<int8_t> W(64 * 16, 0);
        std::vector<int32_t> bias(64), rqs(64, rq(mults[v], shifts[v]));
        for (int n = 0; n < 64; n++) W[n * 16] = 1, bias[n] = n - 33;
        Gemm1 s = gemm_case(v == 0 ? "gemm: requant half up, 1 >> 1" : "gemm: requant half up, 3 >> 2", g, 1, x, W,
                            bias, rqs);
        Outputs want = initial_outputs(s.c);
        for (int n = 0; n < 64; n++) {
            const int64_t acc = n - 32, m = mults[v], d = 1 << shifts[v];
            put_y(want, s.g, 0, n, floor_div(acc * m + d / 2, d));
        }
        set_status(want, 0, ~0u, 1, 0, 0);
        expect(s.c, want);
    }
}

// Output saturation: acc = bias = +-40000 +- n; INT16 clamps to 32767 / -32768, INT8 any |acc| > 127;
// every clamp is one saturation event.
void saturation() {
    for (uint32_t out : {INT16, INT8}) {
        GemmSpec g;
        g.K = 16;
        g.N = 64;
        g.out = out;
        std::vector<int16_t> x(16, 0);
        std::vector<int8_t> W(64 * 16, 1);
        std::vector<int32_t> bias(64), rqs(64, rq(1, 0));
        for (int n = 0; n < 64; n++) bias[n] = n % 4 == 0 ? 40000 + n : n % 4 == 1 ? -40000 - n : n % 4 == 2 ? 100 + n : -100 - n;
        Gemm1 s = gemm_case(out == INT16 ? "gemm: INT16 saturation" : "gemm: INT8 saturation", g, 1, x, W, bias, rqs);
        Outputs want = initial_outputs(s.c);
        const int64_t lo = out == INT16 ? -32768 : -128, hi = out == INT16 ? 32767 : 127;
        uint32_t sats = 0;
        for (int n = 0; n < 64; n++) {
            const int64_t v = bias[n];
            sats += v < lo || v > hi;
            put_y(want, s.g, 0, n, v < lo ? lo : v > hi ? hi : v);
        }
        set_status(want, 0, ~0u, 1, sats, 0);
        expect(s.c, want);
    }
}

// The largest products at the longest K: x = -32768, W = -128 over K = 4096 gives acc = 4096 x 2^22 = 2^34, an
// int32-overflow event per channel; rq = 1 x 2^-20 gives 2^14 = 16384. With bias -2^31 in the odd channels:
// (2^34 - 2^31) / 2^20 = 14336, still an overflow.
void extremes() {
    GemmSpec g;
    g.K = 4096;
    g.N = 64;
    std::vector<int16_t> x(4096, -32768);
    std::vector<int8_t> W(64 * 4096, -128);
    std::vector<int32_t> bias(64), rqs(64, rq(1, 20));
    for (int n = 0; n < 64; n++) bias[n] = n % 2 ? INT32_MIN : 0;
    Gemm1 s = gemm_case("gemm: -32768 x -128 at K = 4096", g, 1, x, W, bias, rqs);
    Outputs want = initial_outputs(s.c);
    for (int n = 0; n < 64; n++) put_y(want, s.g, 0, n, n % 2 ? 14336 : 16384);
    set_status(want, 0, ~0u, 1, 0, 64);
    expect(s.c, want);
}

// Row mode FIRST into logits (INT32): three input rows, only row 0 (x[0] = 5) is read, only logits row 0 written.
// bias = 2^31 - 16 + n mod 16, acc = bias + 5: an overflow and an INT32 clamp for n mod 16 >= 11 (5 of 16).
void logits_first() {
    GemmSpec g;
    g.K = 16;
    g.N = 64;
    g.out = INT32;
    g.rows = FIRST;
    std::vector<int16_t> x(48, 0);
    x[0] = 5, x[16] = 7, x[32] = 9;
    std::vector<int8_t> W(64 * 16, 0);
    std::vector<int32_t> bias(64), rqs(64, rq(1, 0));
    for (int n = 0; n < 64; n++) W[n * 16] = 1, bias[n] = 2147483632 + n % 16;
    Gemm1 s = gemm_case("gemm: FIRST row into INT32 logits", g, 3, x, W, bias, rqs);
    Outputs want = initial_outputs(s.c);
    for (int n = 0; n < 64; n++) put_y(want, s.g, 0, n, std::min<int64_t>(2147483637LL + n % 16, INT32_MAX));
    set_status(want, 0, ~0u, 1, 20, 20);
    expect(s.c, want);
}

// Row mode LAST: rows x[r][0] = 100 (r + 1); only row 2 is read and it lands in output row 0: y[n] = 300 + n.
void last_row() {
    GemmSpec g;
    g.K = 16;
    g.N = 64;
    g.rows = LAST;
    std::vector<int16_t> x(48, 0);
    x[0] = 100, x[16] = 200, x[32] = 300;
    std::vector<int8_t> W(64 * 16, 0);
    std::vector<int32_t> bias(64), rqs(64, rq(1, 0));
    for (int n = 0; n < 64; n++) W[n * 16] = 1, bias[n] = n;
    Gemm1 s = gemm_case("gemm: LAST row", g, 3, x, W, bias, rqs);
    Outputs want = initial_outputs(s.c);
    for (int n = 0; n < 64; n++) put_y(want, s.g, 0, n, 300 + n);
    set_status(want, 0, ~0u, 1, 0, 0);
    expect(s.c, want);
}

// GELU by table with T[i] = i^2 - 30000 (not linear, so the interpolation is exercised). The GEMM output before
// GELU is the bias (x = 0): channel inputs a below, some outside int16 (clamped and
// counted), and some table results outside int16 (clamped and counted again):
// gelu(a) = T[i] + floor(((T[i+1] - T[i]) f + 128) / 256) with i = (a + 32768) >> 8, f = (a + 32768) & 255.
void gelu() {
    const int32_t inputs[16] = {-40000, -32768, -32767, -257, -256, -1, 0, 1, 127, 128, 255, 256, 12345, 32767, 50000, -100};
    GemmSpec g;
    g.K = 16;
    g.N = 64;
    g.gelu = true;
    std::vector<int16_t> x(16, 0);
    std::vector<int8_t> W(64 * 16, 0);
    std::vector<int32_t> bias(64), rqs(64, rq(1, 0)), table(257);
    for (int i = 0; i <= 256; i++) table[i] = i * i - 30000;
    for (int n = 0; n < 64; n++) bias[n] = inputs[n % 16];
    Gemm1 s = gemm_case("gemm: GELU table", g, 1, x, W, bias, rqs, table);
    Outputs want = initial_outputs(s.c);
    uint32_t sats = 0;
    for (int n = 0; n < 64; n++) {
        int64_t a = inputs[n % 16];
        if (a < -32768 || a > 32767) sats++, a = a < -32768 ? -32768 : 32767;
        const int64_t i = (a + 32768) >> 8, f = (a + 32768) & 255;
        int64_t y = table[i] + floor_div((int64_t)(table[i + 1] - table[i]) * f + 128, 256);
        if (y > 32767) sats++, y = 32767;
        put_y(want, s.g, 0, n, y);
    }
    set_status(want, 0, ~0u, 1, sats, 0);
    expect(s.c, want);
}

// RESIDUAL in place (residual = output, same base and stride): y = bias + floor((3 res + 1) / 2) with
// rq_res = 3 x 2^-1, for INT16 and INT8 outputs (clamped and counted).
void residual() {
    for (uint32_t out : {INT16, INT8}) {
        GemmSpec g;
        g.K = 16;
        g.N = 64;
        g.out = out;
        g.residual = true;
        g.rq_res = rq(3, 1);
        std::vector<int16_t> x(16, 0);
        std::vector<int8_t> W(64 * 16, 0);
        std::vector<int32_t> bias(64), rqs(64, rq(1, 0));
        for (int n = 0; n < 64; n++) bias[n] = (n - 32) * 5;
        Gemm1 s = gemm_case(out == INT16 ? "gemm: residual in place, INT16" : "gemm: residual in place, INT8", g, 1, x,
                            W, bias, rqs);
        std::vector<int16_t> res(64);
        for (int n = 0; n < 64; n++) res[n] = (int16_t)(n % 3 == 0 ? 32767 - n : n % 3 == 1 ? -32768 + n : n - 30);
        put_rows(s.c, s.g.y_base, s.g.y_stride, res, 64);
        Outputs want = initial_outputs(s.c);
        const int64_t lo = out == INT16 ? -32768 : -128, hi = out == INT16 ? 32767 : 127;
        uint32_t sats = 0;
        for (int n = 0; n < 64; n++) {
            int64_t y = bias[n] + floor_div(3 * (int64_t)res[n] + 1, 2);
            if (y < lo || y > hi) sats++, y = y < lo ? lo : hi;
            put_y(want, s.g, 0, n, y);
        }
        set_status(want, 0, ~0u, 1, sats, 0);
        expect(s.c, want);
    }
}

// K = 0: y = requant(bias) = floor((7 bias + 4) / 8) with rq = 7 x 2^-3, and no weight bytes (w_off far beyond
// weights_bytes is then not out of bounds). N = 0: nothing is written.
void zero_lengths() {
    {
        GemmSpec g;
        g.K = 0;
        g.N = 64;
        std::vector<int32_t> bias(64), rqs(64, rq(7, 3));
        for (int n = 0; n < 64; n++) bias[n] = (n - 32) * 3;
        Gemm1 s = gemm_case("gemm: K = 0", g, 2, {}, {}, bias, rqs);
        s.g.w_off = 0x7FFFFFF0;
        s.c.buf[B_PROGRAM] = program_bytes(
            [&] {
                HeaderSpec h;
                h.act_bytes = (uint32_t)s.c.buf[B_ACT].size();
                h.params_bytes = (uint32_t)s.c.buf[B_PARAMS].size();
                h.max_tokens = h.max_seq = 2;
                return h;
            }(),
            {encode(s.g)});
        Outputs want = initial_outputs(s.c);
        for (int r = 0; r < 2; r++)
            for (int n = 0; n < 64; n++) put_y(want, s.g, r, n, floor_div(7 * (int64_t)bias[n] + 4, 8));
        set_status(want, 0, ~0u, 1, 0, 0);
        expect(s.c, want);
    }
    {
        GemmSpec g;
        g.K = 32;
        g.N = 0;
        std::vector<int16_t> x(32, 1234);
        Gemm1 s = gemm_case("gemm: N = 0", g, 1, x, {}, {}, {});
        Outputs want = initial_outputs(s.c);
        set_status(want, 0, ~0u, 1, 0, 0);
        expect(s.c, want);
    }
}

}  // namespace

void hand_gemm_tests() {
    tile_layout();
    rounding();
    saturation();
    extremes();
    logits_first();
    last_row();
    gelu();
    residual();
    zero_lengths();
}
