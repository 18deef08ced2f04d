// Hand-computed ATTENTION and LAYERNORM vectors (isa.md 4.2, 5.2); the arithmetic is in the comments.
#include "program_builder.h"
#include "suites.h"

namespace {

// One ATTENTION: q, k, v side by side in each act row (stride 6 W bytes, W = n_head head_dim), the out rows after
// them; the K cache at kv 0 and the V cache after it. The caches start filled with 0x1111 (positions not written
// by this launch must keep it).
struct Att1 {
    Case c;
    AttentionSpec a;
    uint32_t max_seq;

    uint64_t q(uint32_t r, uint32_t h, uint32_t j) const { return a.q_base + r * a.stride + 2 * (h * a.head_dim + j); }
    uint64_t k(uint32_t r, uint32_t h, uint32_t j) const { return a.k_base + r * a.stride + 2 * (h * a.head_dim + j); }
    uint64_t v(uint32_t r, uint32_t h, uint32_t j) const { return a.v_base + r * a.stride + 2 * (h * a.head_dim + j); }
    uint64_t o(uint32_t r, uint32_t h, uint32_t j) const { return a.o_base + r * a.o_stride + 2 * (h * a.head_dim + j); }
    uint64_t kc(uint32_t h, uint32_t t, uint32_t j) const { return a.kc_base + ((uint64_t)h * max_seq + t) * a.head_dim * 2 + 2 * j; }
    uint64_t vc(uint32_t h, uint32_t t, uint32_t j) const { return a.vc_base + ((uint64_t)h * max_seq + t) * a.head_dim * 2 + 2 * j; }
};

Att1 attention_case(const char *name, AttentionSpec a, uint32_t position, uint32_t n_tokens, uint32_t max_seq) {
    Att1 s;
    const uint32_t W = a.n_head * a.head_dim;
    a.q_base = 0;
    a.k_base = 2 * W;
    a.v_base = 4 * W;
    a.stride = 6 * W;
    a.o_base = n_tokens * a.stride;
    a.o_stride = 2 * W;
    a.kc_base = 0;
    a.vc_base = 2 * W * max_seq;
    HeaderSpec h;
    h.act_bytes = n_tokens * (a.stride + a.o_stride);
    h.kv_bytes = 4 * W * max_seq;
    h.max_tokens = n_tokens;
    h.max_seq = max_seq;
    s.c.name = name;
    s.c.position = position;
    s.c.n_tokens = n_tokens;
    set_program(s.c, h, {encode(a)});
    for (size_t i = 0; i < s.c.buf[B_KV].size(); i += 2) put16(s.c.buf[B_KV], i, 0x1111);
    s.a = a;
    s.max_seq = max_seq;
    return s;
}

// Expected outputs of an attention case: the caches with this launch's k and v rows appended.
Outputs appended(const Att1 &s) {
    Outputs want = initial_outputs(s.c);
    for (uint32_t r = 0; r < s.c.n_tokens; r++)
        for (uint32_t h = 0; h < s.a.n_head; h++)
            for (uint32_t j = 0; j < s.a.head_dim; j++) {
                put16(want.out[O_KV], s.kc(h, s.c.position + r, j), get16(s.c.buf[B_ACT], s.k(r, h, j)));
                put16(want.out[O_KV], s.vc(h, s.c.position + r, j), get16(s.c.buf[B_ACT], s.v(r, h, j)));
            }
    return want;
}

// One position (position 0): the only weight is exp2neg(0) = 65536 = E, so c = V exactly and
// out = requant(v, 5 x 2^-2) = floor((5 v + 2) / 4). Two heads; both softmax modes.
void single_position() {
    for (uint32_t flags : {0u, SOFTMAX_EXACT}) {
        AttentionSpec a;
        a.n_head = 2;
        a.head_dim = 16;
        a.rq_score = rq(1, 0);
        a.rq_out = rq(5, 2);
        Att1 s = attention_case(flags ? "attention: one position, exact" : "attention: one position, approx", a, 0, 1, 4);
        s.c.flags = flags;
        for (uint32_t h = 0; h < 2; h++)
            for (uint32_t j = 0; j < 16; j++) {
                put16(s.c.buf[B_ACT], s.q(0, h, j), (int16_t)(7 * j - 50));
                put16(s.c.buf[B_ACT], s.k(0, h, j), (int16_t)(100 * h + j));
                put16(s.c.buf[B_ACT], s.v(0, h, j), (int16_t)(-50 * (int)h + 3 * (int)j - 20));
            }
        Outputs want = appended(s);
        for (uint32_t h = 0; h < 2; h++)
            for (uint32_t j = 0; j < 16; j++)
                put16(want.out[O_ACT], s.o(0, h, j), (int16_t)floor_div(5 * (-50 * (int)h + 3 * (int)j - 20) + 2, 4));
        set_status(want, 0, ~0u, 1, 0, 0);
        expect(s.c, want);
    }
}

// q = 0: both positions score 0, both weights 65536, E = 131072: c = div_round(V0 + V1, 2), rounded half away from
// zero. V0 (cached) = j - 8, V1 (this launch) = j - 7.
void equal_scores() {
    AttentionSpec a;
    a.head_dim = 16;
    a.rq_score = rq(1, 0);
    a.rq_out = rq(1, 0);
    Att1 s = attention_case("attention: equal scores", a, 1, 1, 2);
    for (uint32_t j = 0; j < 16; j++) {
        put16(s.c.buf[B_KV], s.kc(0, 0, j), (int16_t)(1000 + j));
        put16(s.c.buf[B_KV], s.vc(0, 0, j), (int16_t)(j - 8));
        put16(s.c.buf[B_ACT], s.k(0, 0, j), (int16_t)(-3 * (int)j));
        put16(s.c.buf[B_ACT], s.v(0, 0, j), (int16_t)(j - 7));
    }
    Outputs want = appended(s);
    for (uint32_t j = 0; j < 16; j++) put16(want.out[O_ACT], s.o(0, 0, j), (int16_t)div_half_away(2 * (int)j - 15, 2));
    set_status(want, 0, ~0u, 1, 0, 0);
    expect(s.c, want);
}

// Scores one apart in the log2 domain: q = (1, 0, ..), cached K0 = (1, 0, ..), new k = 0, rq_score = 65536: u0 = 65536,
// u1 = 0, so e0 = 65536, e1 = exp2neg(65536) = 2^30 >> 15 = 32768 (n = 1, f = 0: both modes), E = 98304.
// V0 = 300 - 40 j, V1 = 0: c = div_round(65536 V0, 98304) = div_round(2 V0, 3).
void one_bit_apart() {
    AttentionSpec a;
    a.head_dim = 16;
    a.rq_score = rq(65536, 0);
    a.rq_out = rq(1, 0);
    Att1 s = attention_case("attention: scores one bit apart", a, 1, 1, 2);
    put16(s.c.buf[B_ACT], s.q(0, 0, 0), 1);
    for (uint32_t j = 0; j < 16; j++) {
        put16(s.c.buf[B_KV], s.kc(0, 0, j), (int16_t)(j == 0));
        put16(s.c.buf[B_KV], s.vc(0, 0, j), (int16_t)(300 - 40 * (int)j));
        put16(s.c.buf[B_ACT], s.k(0, 0, j), 0);
        put16(s.c.buf[B_ACT], s.v(0, 0, j), 0);
    }
    Outputs want = appended(s);
    for (uint32_t j = 0; j < 16; j++) put16(want.out[O_ACT], s.o(0, 0, j), (int16_t)div_half_away(2 * (300 - 40 * (int)j), 3));
    set_status(want, 0, ~0u, 1, 0, 0);
    expect(s.c, want);
}

// Half a bit apart (rq_score = 32768): e1 = exp2neg(32768) differs by mode. Worked by hand from isa.md 5.2:
// exact 46341 = round(65536 / sqrt 2), approx 46321. V0 = 0, V1 = 30000 (j = 0) or 100 j:
// c = div_round(e1 V1, 65536 + e1); at j = 0 that is 12426 (exact) and 12423 (approx).
void half_bit_apart() {
    for (uint32_t flags : {0u, SOFTMAX_EXACT}) {
        const int64_t e1 = flags ? 46341 : 46321;
        AttentionSpec a;
        a.head_dim = 16;
        a.rq_score = rq(32768, 0);
        a.rq_out = rq(1, 0);
        Att1 s = attention_case(flags ? "attention: half a bit apart, exact" : "attention: half a bit apart, approx", a, 1, 1, 2);
        s.c.flags = flags;
        put16(s.c.buf[B_ACT], s.q(0, 0, 0), 1);
        for (uint32_t j = 0; j < 16; j++) {
            put16(s.c.buf[B_KV], s.kc(0, 0, j), (int16_t)(j == 0));
            put16(s.c.buf[B_KV], s.vc(0, 0, j), 0);
            put16(s.c.buf[B_ACT], s.k(0, 0, j), 0);
            put16(s.c.buf[B_ACT], s.v(0, 0, j), (int16_t)(j == 0 ? 30000 : 100 * j));
        }
        Outputs want = appended(s);
        for (uint32_t j = 0; j < 16; j++)
            put16(want.out[O_ACT], s.o(0, 0, j), (int16_t)div_half_away(e1 * (j == 0 ? 30000 : 100 * j), 65536 + e1));
        set_status(want, 0, ~0u, 1, 0, 0);
        check(get16(want.out[O_ACT], s.o(0, 0, 0)) == (flags ? 12426 : 12423), "half_bit_apart: worked example");
        expect(s.c, want);
    }
}

// q = K = -32768 everywhere: s = 16 x 2^30 = 2^34 at both positions, an int32-overflow event each (the score clamp
// to 2^31 - 1 is not counted). Equal scores, so c = div_round(V0 + V1, 2) = 32767 with V = 32767, and
// rq_out = 2 x 2^0 doubles it: every element clamps to 32767 (16 saturation events per row and head).
void overflowing_scores() {
    AttentionSpec a;
    a.n_head = 2;
    a.head_dim = 16;
    a.rq_score = rq(1, 0);
    a.rq_out = rq(2, 0);
    Att1 s = attention_case("attention: overflowing scores and saturated output", a, 1, 1, 2);
    for (uint32_t h = 0; h < 2; h++)
        for (uint32_t j = 0; j < 16; j++) {
            put16(s.c.buf[B_ACT], s.q(0, h, j), -32768);
            put16(s.c.buf[B_ACT], s.k(0, h, j), -32768);
            put16(s.c.buf[B_ACT], s.v(0, h, j), 32767);
            put16(s.c.buf[B_KV], s.kc(h, 0, j), -32768);
            put16(s.c.buf[B_KV], s.vc(h, 0, j), 32767);
        }
    Outputs want = appended(s);
    for (uint32_t h = 0; h < 2; h++)
        for (uint32_t j = 0; j < 16; j++) put16(want.out[O_ACT], s.o(0, h, j), 32767);
    set_status(want, 0, ~0u, 1, 32, 4);
    expect(s.c, want);
}

// One LAYERNORM over n_tokens rows of D: x rows at act 0, y rows after them, {g, b} records at params 0.
struct Ln1 {
    Case c;
    LayerNormSpec n;
};

Ln1 layernorm_case(const char *name, LayerNormSpec n, uint32_t n_tokens, const std::vector<int16_t> &x,
                   const std::vector<int32_t> &g, const std::vector<int32_t> &b) {
    Ln1 s;
    n.x_base = 0;
    n.x_stride = 2 * n.D;
    n.y_base = n_tokens * n.x_stride;
    n.y_stride = 2 * n.D;
    n.p_off = 0;
    HeaderSpec h;
    h.act_bytes = 2 * n_tokens * n.x_stride;
    h.params_bytes = 8 * n.D;
    h.max_tokens = h.max_seq = n_tokens;
    s.c.name = name;
    s.c.n_tokens = n_tokens;
    set_program(s.c, h, {encode(n)});
    put_rows(s.c, n.x_base, n.x_stride, x, n.D);
    put_records(s.c, n.p_off, g, b);
    s.n = n;
    return s;
}

std::vector<int16_t> alternating(int16_t a, uint32_t D) {
    std::vector<int16_t> x(D);
    for (uint32_t i = 0; i < D; i++) x[i] = (int16_t)(i % 2 ? -a : a);
    return x;
}

// x = +-100 alternating over D = 16: S = 0, Q = 160000, V = D Q = 2560000, rt = 1600, inv = floor(2^62 / 1600)
// has 52 bits, sh = 21, inv >> 21 = 1374389534, z = rshift_round(+-1600 x 1374389534, 25) = +-65536 (1.0 in Q16).
// g = 1000, b = 5, shift 16: y = rshift_round(+-65536000 + 327680, 16) = 1005 and -995.
// With E = 3 x 2560000 the deviation halves (rt = 3200, z = +-32768): y = 505 and -495.
// A second row of +-7 normalises to the same z without E; with E, V = 12544 + 7680000, rt = 2773,
// z = +-2647 and y = rshift_round(+-2647000 + 327680, 16) = 45 and -35.
void layernorm_unit_variance() {
    for (uint64_t eps : {0ull, 7680000ull}) {
        LayerNormSpec n;
        n.D = 16;
        n.eps = eps;
        n.shift = 16;
        std::vector<int16_t> x = alternating(100, 16), x2 = alternating(7, 16);
        x.insert(x.end(), x2.begin(), x2.end());
        Ln1 s = layernorm_case(eps ? "layernorm: +-100 with epsilon" : "layernorm: +-100", n, 2, x,
                               std::vector<int32_t>(16, 1000), std::vector<int32_t>(16, 5));
        Outputs want = initial_outputs(s.c);
        for (uint32_t r = 0; r < 2; r++)
            for (uint32_t i = 0; i < 16; i++)
                put16(want.out[O_ACT], s.n.y_base + r * s.n.y_stride + 2 * i,
                      (int16_t)(!eps ? (i % 2 ? -995 : 1005) : r == 0 ? (i % 2 ? -495 : 505) : (i % 2 ? -35 : 45)));
        set_status(want, 0, ~0u, 1, 0, 0);
        expect(s.c, want);
    }
}

// A constant row has V = 0, rt = 0, z = 0: y = rshift_round(b 2^16, 17) = 3 for b = 5 (2.5 rounds up) and
// -2 for b = -5 (-2.5 rounds up).
void layernorm_constant_row() {
    LayerNormSpec n;
    n.D = 32;
    n.shift = 17;
    std::vector<int32_t> g(32, 123456), b(32);
    for (int i = 0; i < 32; i++) b[i] = i % 2 ? -5 : 5;
    Ln1 s = layernorm_case("layernorm: constant row", n, 1, std::vector<int16_t>(32, 7), g, b);
    Outputs want = initial_outputs(s.c);
    for (uint32_t i = 0; i < 32; i++) put16(want.out[O_ACT], s.n.y_base + 2 * i, (int16_t)(i % 2 ? -2 : 3));
    set_status(want, 0, ~0u, 1, 0, 0);
    expect(s.c, want);
}

// INT8 output: z = +-65536 (as above), g = 200000, shift 16: y = +-200000 clamps to 127 / -128, 16 events.
void layernorm_int8_saturation() {
    LayerNormSpec n;
    n.D = 16;
    n.out = INT8;
    n.shift = 16;
    Ln1 s = layernorm_case("layernorm: INT8 saturation", n, 1, alternating(100, 16), std::vector<int32_t>(16, 200000),
                           std::vector<int32_t>(16, 0));
    Outputs want = initial_outputs(s.c);
    for (uint32_t i = 0; i < 16; i++) put16(want.out[O_ACT], s.n.y_base + 2 * i, (int16_t)(i % 2 ? -128 : 127));
    set_status(want, 0, ~0u, 1, 16, 0);
    expect(s.c, want);
}

// Row modes: three rows, only the chosen one (+-100) is not constant; it lands in output row 0 as 1005 / -995.
void layernorm_row_modes() {
    for (uint32_t mode : {LAST, FIRST}) {
        LayerNormSpec n;
        n.D = 16;
        n.rows = mode;
        n.shift = 16;
        std::vector<int16_t> x(48, 9);
        const std::vector<int16_t> live = alternating(100, 16);
        std::copy(live.begin(), live.end(), x.begin() + (mode == LAST ? 32 : 0));
        Ln1 s = layernorm_case(mode == LAST ? "layernorm: LAST row" : "layernorm: FIRST row", n, 3, x,
                               std::vector<int32_t>(16, 1000), std::vector<int32_t>(16, 5));
        Outputs want = initial_outputs(s.c);
        for (uint32_t i = 0; i < 16; i++) put16(want.out[O_ACT], s.n.y_base + 2 * i, (int16_t)(i % 2 ? -995 : 1005));
        set_status(want, 0, ~0u, 1, 0, 0);
        expect(s.c, want);
    }
}

}  // namespace

void hand_attention_tests() {
    single_position();
    equal_scores();
    one_bit_apart();
    half_bit_apart();
    overflowing_scores();
}

void hand_layernorm_tests() {
    layernorm_unit_variance();
    layernorm_constant_row();
    layernorm_int8_saturation();
    layernorm_row_modes();
}
