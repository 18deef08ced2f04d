// Random programs against the golden model: random shapes, row modes, output types, flags and softmax modes, with
// values drawn towards the edges (-32768, 32767, -128, extreme biases and requantizers that saturate), plus the
// named edge cases: longest sequences (past the kernel's on-chip score buffer), n_tokens = max_tokens, zero K/N.
#include <stdio.h>

#include <algorithm>
#include <string>

#include "program_builder.h"
#include "suites.h"

namespace {

template <typename T>
T pick(Rng &r, std::initializer_list<T> v) {
    return *(v.begin() + r.below((uint32_t)v.size()));
}

int16_t act_value(Rng &r, int bits) {
    if (r.chance(8)) return pick<int16_t>(r, {-32768, 32767, 0, -1, 1});
    return (int16_t)r.between(-(1 << bits), (1 << bits) - 1);
}

int8_t weight_value(Rng &r) {
    if (r.chance(8)) return pick<int8_t>(r, {-128, 127, 0});
    return (int8_t)r.between(-128, 127);
}

// A requantizer that brings |v| ~ 2^magnitude to about 2^target, or (sometimes) anything at all.
uint32_t requantizer(Rng &r, int magnitude, int target) {
    if (r.chance(10)) return r.next() & 0x3FFFFFFFu;
    const uint32_t mult = (uint32_t)r.between(1 << 20, (1 << 24) - 1);
    const int shift = std::min(63, std::max(0, magnitude + 24 - target + (int)r.between(-2, 2)));
    return rq(mult, (uint32_t)shift);
}

int bits_of(uint64_t v) {
    int b = 0;
    while (v >> b) b++;
    return b;
}

// Bump allocation in the buffers of one case: 16-byte aligned regions with random gaps.
struct Layout {
    uint64_t top[N_BUFFERS] = {};
    Rng &r;
    explicit Layout(Rng &r_) : r(r_) {}
    uint32_t take(Buffer b, uint64_t bytes) {
        const uint64_t at = top[b] + 16 * r.below(3);
        top[b] = (at + bytes + 15) / 16 * 16;
        return (uint32_t)at;
    }
    uint32_t stride(uint64_t row_bytes) { return (uint32_t)((row_bytes + 15) / 16 * 16 + 16 * r.below(3)); }
};

struct Fill {
    // Deferred buffer contents, written once the sizes are known.
    std::vector<std::pair<uint64_t, int16_t>> act;
    std::vector<std::pair<uint64_t, int16_t>> kv;
    std::vector<std::pair<uint64_t, int32_t>> params;
    struct W {
        uint32_t off, N, K;
        std::vector<int8_t> w;
    };
    std::vector<W> weights;
};

struct Launch {
    uint32_t n_tokens, position, max_seq;
};

void rows(Rng &r, Fill &f, uint32_t base, uint32_t stride, uint32_t count, uint32_t width, int bits) {
    for (uint32_t i = 0; i < count; i++)
        for (uint32_t j = 0; j < width; j++) f.act.push_back({base + (uint64_t)i * stride + 2ull * j, act_value(r, bits)});
}

Words random_gemm(Rng &r, Layout &L, Fill &f, const Launch &l) {
    GemmSpec g;
    g.K = r.chance(3) ? pick<uint32_t>(r, {0, 4096}) : 16 * pick<uint32_t>(r, {1, 1, 2, 3, 4, 8, 16, 48});
    g.N = r.chance(3) ? pick<uint32_t>(r, {0, 1024}) : 64 * pick<uint32_t>(r, {1, 1, 2, 3, 4});
    if ((uint64_t)g.K * g.N > 4096 * 64) g.N = 64;  // golden model time
    g.rows = pick<uint32_t>(r, {ALL, ALL, LAST, FIRST});
    g.out = pick<uint32_t>(r, {INT16, INT16, INT8, INT32});
    if (g.out != INT32) g.gelu = r.chance(40), g.residual = r.chance(40);
    const uint32_t R = g.rows == ALL ? l.n_tokens : 1;
    const int xbits = (int)r.between(2, 15);
    g.x_stride = L.stride(2ull * g.K);
    g.x_base = L.take(B_ACT, (uint64_t)l.n_tokens * g.x_stride);
    rows(r, f, g.x_base, g.x_stride, l.n_tokens, g.K, xbits);
    const uint32_t eb = g.out == INT32 ? 4 : 2;
    g.y_stride = L.stride((uint64_t)eb * g.N);
    g.y_base = L.take(g.out == INT32 ? B_LOGITS : B_ACT, (uint64_t)R * g.y_stride);
    if (g.residual) {
        if (r.chance(50)) {
            g.r_base = g.y_base, g.r_stride = g.y_stride;
        } else {
            g.r_stride = L.stride(2ull * g.N);
            g.r_base = L.take(B_ACT, (uint64_t)R * g.r_stride);
        }
        rows(r, f, g.r_base, g.r_stride, R, g.N, 15);
        g.rq_res = requantizer(r, 15, 14);
    }
    g.w_off = L.take(B_W0, (uint64_t)g.N / 64 * 16 * g.K);
    Fill::W w{g.w_off, g.N, g.K, std::vector<int8_t>((size_t)g.N * g.K)};
    for (auto &v : w.w) v = weight_value(r);
    f.weights.push_back(w);
    g.p_off = L.take(B_PARAMS, 8ull * g.N);
    const int accbits = xbits + 7 + bits_of(g.K) / 2 + 1;
    for (uint32_t n = 0; n < g.N; n++) {
        int32_t bias = (int32_t)r.between(-(1ll << std::min(accbits, 31)), (1ll << std::min(accbits, 31)) - 1);
        if (r.chance(3)) bias = pick<int32_t>(r, {INT32_MIN, INT32_MAX});
        f.params.push_back({g.p_off + 8ull * n, bias});
        f.params.push_back({g.p_off + 8ull * n + 4, (int32_t)requantizer(r, accbits, g.out == INT8 ? 7 : 14)});
    }
    if (g.gelu) {
        g.gelu_off = L.take(B_PARAMS, 4 * 257);
        const int tbits = (int)r.between(4, 17);
        for (int i = 0; i < 257; i++) f.params.push_back({g.gelu_off + 4ull * i, (int32_t)r.between(-(1 << tbits), 1 << tbits)});
    }
    return encode(g);
}

Words random_attention(Rng &r, Layout &L, Fill &f, const Launch &l) {
    AttentionSpec a;
    a.n_head = r.chance(5) ? pick<uint32_t>(r, {12, 64}) : (uint32_t)r.between(1, 4);
    a.head_dim = r.chance(5) ? 256 : 16 * pick<uint32_t>(r, {1, 1, 2, 4});
    if (a.n_head == 64) a.head_dim = 16;
    if (l.max_seq > 256) a.n_head = std::min(a.n_head, 2u), a.head_dim = std::min(a.head_dim, 64u);  // golden model time
    a.out = pick<uint32_t>(r, {INT16, INT16, INT8});
    const uint32_t W = a.n_head * a.head_dim;
    const int bits = (int)r.between(3, 15);
    a.stride = L.stride(6ull * W);
    const uint32_t qkv = L.take(B_ACT, (uint64_t)l.n_tokens * a.stride);
    a.q_base = qkv, a.k_base = qkv + 2 * W, a.v_base = qkv + 4 * W;
    rows(r, f, qkv, a.stride, l.n_tokens, 3 * W, bits);
    a.o_stride = L.stride(2ull * W);
    a.o_base = L.take(B_ACT, (uint64_t)l.n_tokens * a.o_stride);
    const uint64_t region = 2ull * a.n_head * l.max_seq * a.head_dim;
    a.kc_base = L.take(B_KV, region);
    a.vc_base = L.take(B_KV, region);
    // Earlier positions of the cache (the ones this launch attends to but does not write).
    for (uint32_t h = 0; h < a.n_head; h++)
        for (uint32_t t = 0; t < l.position; t++)
            for (uint32_t j = 0; j < a.head_dim; j++) {
                const uint64_t at = ((uint64_t)h * l.max_seq + t) * a.head_dim * 2 + 2 * j;
                f.kv.push_back({a.kc_base + at, act_value(r, bits)});
                f.kv.push_back({a.vc_base + at, act_value(r, bits)});
            }
    // Scores near 2^16 .. 2^21 in the log2 domain spread the softmax over a few positions to all of them.
    const int sbits = 2 * bits + bits_of(a.head_dim) / 2;
    a.rq_score = requantizer(r, sbits, (int)r.between(12, 21));
    a.rq_out = requantizer(r, bits, a.out == INT8 ? 7 : 14);
    return encode(a);
}

Words random_layernorm(Rng &r, Layout &L, Fill &f, const Launch &l) {
    LayerNormSpec n;
    n.D = r.chance(3) ? 4096 : 16 * pick<uint32_t>(r, {1, 2, 4, 48});
    n.rows = pick<uint32_t>(r, {ALL, ALL, LAST, FIRST});
    n.out = pick<uint32_t>(r, {INT16, INT16, INT8});
    const uint32_t R = n.rows == ALL ? l.n_tokens : 1;
    n.x_stride = L.stride(2ull * n.D);
    n.x_base = L.take(B_ACT, (uint64_t)l.n_tokens * n.x_stride);
    const int bits = (int)r.between(0, 15);
    for (uint32_t i = 0; i < l.n_tokens; i++) {
        const bool constant = r.chance(5);  // variance 0: rt = 0 unless epsilon
        const int16_t c = act_value(r, bits);
        for (uint32_t j = 0; j < n.D; j++)
            f.act.push_back({n.x_base + (uint64_t)i * n.x_stride + 2ull * j, constant ? c : act_value(r, bits)});
    }
    n.y_stride = L.stride(2ull * n.D);
    n.y_base = L.take(B_ACT, (uint64_t)R * n.y_stride);
    n.p_off = L.take(B_PARAMS, 8ull * n.D);
    n.shift = r.chance(10) ? (uint32_t)r.between(0, 63) : (uint32_t)r.between(12, 30);
    const int gbits = std::min(30, (int)n.shift + (int)r.between(-4, 2));
    for (uint32_t i = 0; i < n.D; i++) {
        const int32_t g = r.chance(5) ? (int32_t)r.next() : (int32_t)r.between(-(1ll << std::max(gbits, 1)), 1ll << std::max(gbits, 1));
        const int32_t b = r.chance(5) ? (int32_t)r.next() : (int32_t)r.between(-(1ll << std::max(gbits, 1)), 1ll << std::max(gbits, 1));
        f.params.push_back({n.p_off + 8ull * i, g});
        f.params.push_back({n.p_off + 8ull * i + 4, b});
    }
    n.eps = r.chance(30) ? 0 : r.chance(10) ? (1ull << 56) - 1 : (uint64_t)r.between(0, 1ll << std::min(62, 2 * bits + 2 * 12));
    if (n.eps >= 1ull << 56) n.eps = (1ull << 56) - 1;
    return encode(n);
}

// A launch of 1..3 random instructions (or the given opcode only) on disjoint tensors.
Case random_case(Rng &r, const std::string &name, int opcode, Launch l) {
    Layout L(r);
    Fill f;
    std::vector<Words> program;
    const int count = opcode ? 1 : (int)r.between(2, 4);
    for (int i = 0; i < count; i++) {
        const int op = opcode ? opcode : (int)r.between(1, 3);
        program.push_back(op == OP_GEMM ? random_gemm(r, L, f, l) : op == OP_ATTENTION ? random_attention(r, L, f, l)
                                                                                      : random_layernorm(r, L, f, l));
    }
    HeaderSpec h;
    h.weights_bytes = (uint32_t)L.top[B_W0];
    h.params_bytes = (uint32_t)L.top[B_PARAMS];
    h.act_bytes = (uint32_t)L.top[B_ACT];
    h.kv_bytes = (uint32_t)L.top[B_KV];
    h.logits_bytes = (uint32_t)L.top[B_LOGITS];
    h.max_tokens = l.n_tokens + r.below(3);
    h.max_seq = l.max_seq;
    Case c;
    c.name = name;
    c.n_tokens = l.n_tokens, c.position = l.position, c.flags = r.below(2);
    set_program(c, h, program);
    // Bytes no tensor claims still hold something, so stray reads or writes would show.
    for (int b = B_W0; b <= B_LOGITS; b++) r.fill(c.buf[b]);
    for (auto &p : f.act) put16(c.buf[B_ACT], p.first, p.second);
    for (auto &p : f.kv) put16(c.buf[B_KV], p.first, p.second);
    for (auto &p : f.params) put32(c.buf[B_PARAMS], p.first, p.second);
    for (auto &w : f.weights) pack_weights(c, w.off, w.w, w.N, w.K);
    return c;
}

Launch random_launch(Rng &r) {
    Launch l;
    l.n_tokens = r.chance(20) ? (uint32_t)r.between(17, 40) : (uint32_t)r.between(1, 4);
    l.max_seq = l.n_tokens + (uint32_t)r.between(0, 40);
    l.position = (uint32_t)r.between(0, l.max_seq - l.n_tokens);
    return l;
}

}  // namespace

void random_tests(uint32_t seed, int count) {
    Rng r(seed);
    const char *names[4] = {"program", "GEMM", "ATTENTION", "LAYERNORM"};
    int saturating = 0, overflowing = 0;
    for (int i = 0; i < count; i++) {
        const int op = i % 4;
        Launch l = random_launch(r);
        if (op == OP_ATTENTION && l.n_tokens > 8) l.n_tokens = 8, l.position = std::min(l.position, l.max_seq - 8);
        const Outputs o = expect_golden(random_case(r, std::string("random ") + names[op] + " #" + std::to_string(i) +
                                                           " seed " + std::to_string(seed), op, l));
        if (!o.out[O_STATUS].empty()) saturating += status_word(o, 3) > 0, overflowing += status_word(o, 4) > 0;
    }
    printf("  random programs: %d, with saturation events %d, with int32-overflow events %d\n", count, saturating,
           overflowing);
    // Named edges: the longest sequences (the last position of max_seq 1024; past the 1024-entry score buffer,
    // decode and a prefill crossing it), and n_tokens = max_tokens over three GEMM row blocks.
    struct Edge {
        const char *name;
        int op;
        Launch l;
    } edges[] = {{"edge: ATTENTION at position 1023 of 1024", OP_ATTENTION, {1, 1023, 1024}},
                 {"edge: ATTENTION at position 1099 of 1100 (scores past the on-chip buffer)", OP_ATTENTION, {1, 1099, 1100}},
                 {"edge: ATTENTION prefill of 20 rows across position 1024", OP_ATTENTION, {20, 1010, 1030}},
                 {"edge: GEMM with 40 rows", OP_GEMM, {40, 0, 40}},
                 {"edge: LAYERNORM with 40 rows", OP_LAYERNORM, {40, 0, 40}}};
    for (const Edge &e : edges)
        for (int v = 0; v < 3; v++) {
            Case c = random_case(r, std::string(e.name) + " #" + std::to_string(v), e.op, e.l);
            put32(c.buf[B_PROGRAM], 4 * 9, (int32_t)e.l.n_tokens);  // max_tokens = n_tokens
            c.flags = v % 2;
            expect_golden(c);
        }
}
