// Status words (isa.md 6): every error code, the order of the checks, each field's range, each tensor's bounds
// at its exact edge (fits with the header's size, out of bounds one byte less), and the counters.
#include <stdio.h>

#include <string>

#include "program_builder.h"
#include "reference.h"
#include "suites.h"

namespace {

const uint32_t BAD_HEADER = 1, BAD_ARGS = 2, BAD_OPCODE = 3, BAD_FIELD = 4, OUT_OF_BOUNDS = 5;

HeaderSpec roomy() {
    HeaderSpec h;
    h.weights_bytes = h.params_bytes = h.act_bytes = h.kv_bytes = h.logits_bytes = 8192;
    h.max_tokens = 3;
    h.max_seq = 4;
    return h;
}

// Valid instructions in a roomy() header with n_tokens <= 3 and position 0 or 1.
GemmSpec base_gemm() {
    GemmSpec g;
    g.K = 32;
    g.N = 64;
    g.x_base = 0, g.x_stride = 64;
    g.y_base = 1024, g.y_stride = 128;
    g.gelu = g.residual = true;
    g.r_base = 2048, g.r_stride = 128, g.rq_res = rq(1, 0);
    g.gelu_off = 1024;
    return g;
}

AttentionSpec base_attention() {
    AttentionSpec a;
    a.n_head = 2, a.head_dim = 16;
    a.q_base = 0, a.k_base = 64, a.v_base = 128, a.stride = 192;
    a.o_base = 1024, a.o_stride = 64;
    a.kc_base = 0, a.vc_base = 1024;
    a.rq_score = rq(1, 0), a.rq_out = rq(1, 0);
    return a;
}

LayerNormSpec base_layernorm() {
    LayerNormSpec n;
    n.D = 32;
    n.x_base = 0, n.x_stride = 64;
    n.y_base = 1024, n.y_stride = 64;
    n.eps = 5;
    return n;
}

// Deterministic non-zero contents for every input buffer but the program and status.
void fill(Case &c) {
    Rng r(12345);
    for (int b = B_W0; b <= B_LOGITS; b++) r.fill(c.buf[b]);
}

Case make(const std::string &name, const HeaderSpec &h, const std::vector<Words> &program, uint32_t n_tokens = 2,
          uint32_t position = 0, uint32_t flags = 0) {
    Case c;
    c.name = name;
    set_program(c, h, program);
    fill(c);
    c.n_tokens = n_tokens, c.position = position, c.flags = flags;
    return c;
}

// The launch stops at once: nothing but the status changes.
void expect_refused(const Case &c, uint32_t code, uint32_t failed) {
    Outputs want = initial_outputs(c);
    set_status(want, code, failed, failed == ~0u ? 0 : failed, 0, 0);
    expect(c, want, false);
}

void header_and_args() {
    const std::vector<Words> p = {encode(base_layernorm())};
    const HeaderSpec h = roomy();
    expect_golden(make("status: valid base program", h, p));
    for (int w : {0, 1, 3, 11, 12, 13, 14, 15}) {
        Case c = make("status: BAD_HEADER, header word " + std::to_string(w), h, p);
        put32(c.buf[B_PROGRAM], 4 * w, w == 1 ? 2 : (int32_t)(word(c.buf[B_PROGRAM], w) ^ 0x100));
        expect_refused(c, BAD_HEADER, ~0u);
    }
    {
        Case c = make("status: BAD_HEADER before BAD_ARGS", h, p, 0);
        put32(c.buf[B_PROGRAM], 4, 0);
        expect_refused(c, BAD_HEADER, ~0u);
    }
    struct Args {
        const char *what;
        uint32_t n_tokens, position, flags;
    } bad[] = {{"n_tokens 0", 0, 0, 0},
               {"n_tokens > max_tokens", 4, 0, 0},
               {"position + n_tokens > max_seq", 2, 3, 0},
               {"position = max_seq", 1, 4, 0},
               {"position + n_tokens wraps 32 bits", 1, 0xFFFFFFFFu, 0},
               {"position + n_tokens wraps 32 bits (2)", 3, 0xFFFFFFFEu, 0},
               {"flags bit 1", 1, 0, 2},
               {"flags bit 31", 1, 0, 0x80000000u}};
    for (const Args &a : bad)
        expect_refused(make(std::string("status: BAD_ARGS, ") + a.what, h, p, a.n_tokens, a.position, a.flags), BAD_ARGS, ~0u);
    expect_golden(make("status: n_tokens = max_tokens, position + n_tokens = max_seq", h, p, 3, 1, 1));
    {
        Case c = make("status: no instructions", h, {});
        Outputs want = initial_outputs(c);
        set_status(want, 0, ~0u, 0, 0, 0);
        expect(c, want);
    }
}

// A valid LAYERNORM (with saturations: g = 2^20 and INT8) runs, then the failing instruction stops the launch:
// the first instruction's writes and counters remain.
void opcodes() {
    LayerNormSpec n = base_layernorm();
    n.out = INT8;
    for (uint32_t op : {0x00u, 0x04u, 0x80u, 0xFFu}) {
        Words bad{};
        bad[0] = op;
        Case c = make("status: BAD_OPCODE " + std::to_string(op) + " after a valid instruction", roomy(), {encode(n), bad});
        for (uint32_t i = 0; i < 32; i++) put32(c.buf[B_PARAMS], 8 * i, 1 << 20);
        Outputs want = reference_run(c, 1);
        const uint32_t sat = status_word(want, 3);
        check(sat > 0, "opcodes: the first instruction saturates");
        set_status(want, BAD_OPCODE, 1, 1, sat, 0);
        expect(c, want, false);
    }
}

struct Mutation {
    int word;
    uint32_t value;  // replaces the word
    const char *what;
};

void fields(const char *op, const Words &base, const std::vector<Mutation> &mutations) {
    expect_golden(make(std::string("status: valid base ") + op, roomy(), {base}));
    for (const Mutation &m : mutations) {
        Words w = base;
        w[m.word] = m.value;
        expect_refused(make(std::string("status: BAD_FIELD, ") + op + " " + m.what, roomy(), {w}), BAD_FIELD, 0);
    }
}

void gemm_fields() {
    const Words g = encode(base_gemm());
    GemmSpec plain = base_gemm();
    plain.gelu = plain.residual = false;
    const Words p = encode(plain);
    fields("GEMM", g,
           {{0, g[0] | 1u << 16, "reserved bit 16"},
            {0, g[0] | 1u << 31, "reserved bit 31"},
            {0, g[0] | 1u << 14, "flag bit 14"},
            {0, g[0] | 1u << 15, "flag bit 15"},
            {0, g[0] | 3u << 8, "row mode 3"},
            {0, g[0] | 3u << 10, "output type 3"},
            {0, (g[0] & ~(3u << 10)) | INT32 << 10, "GELU and RESIDUAL into INT32"},
            {0, (g[0] & ~(1u << 13) & ~(3u << 10)) | INT32 << 10, "GELU into INT32"},
            {1, 4112, "K 4112"},
            {1, 8, "K 8"},
            {1, 0xFFFFFFF0u, "K 2^32 - 16"},
            {2, 65600, "N 65600"},
            {2, 32, "N 32"},
            {2, 0x80000000u, "N 2^31"},
            {3, 8, "x base 8"},
            {4, 72, "x stride 72"},
            {5, 1032, "y base 1032"},
            {6, 136, "y stride 136"},
            {7, 4, "w_off 4"},
            {8, 2, "p_off 2"},
            {9, 2056, "residual base 2056"},
            {10, 130, "residual stride 130"},
            {11, g[11] | 1u << 30, "rq_res bit 30"},
            {11, g[11] | 1u << 31, "rq_res bit 31"},
            {12, 1028, "GELU offset 1028"},
            {13, 1, "word 13"},
            {14, 16, "word 14"},
            {15, 0x80000000u, "word 15"}});
    fields("GEMM without GELU and RESIDUAL", p,
           {{9, 16, "residual base without RESIDUAL"},
            {10, 16, "residual stride without RESIDUAL"},
            {11, rq(1, 0), "rq_res without RESIDUAL"},
            {12, 16, "GELU offset without GELU"}});
}

void attention_fields() {
    const Words a = encode(base_attention());
    fields("ATTENTION", a,
           {{0, a[0] | LAST << 8, "row mode LAST"},
            {0, a[0] | FIRST << 8, "row mode FIRST"},
            {0, a[0] | 3u << 8, "row mode 3"},
            {0, a[0] | INT32 << 10, "output INT32"},
            {0, a[0] | 3u << 10, "output type 3"},
            {0, a[0] | 1u << 12, "flag bit 12"},
            {0, a[0] | 1u << 15, "flag bit 15"},
            {0, a[0] | 1u << 16, "reserved bit 16"},
            {1, 0 | 16u << 16, "n_head 0"},
            {1, 65 | 16u << 16, "n_head 65"},
            {1, 2 | 0u << 16, "head_dim 0"},
            {1, 2 | 8u << 16, "head_dim 8"},
            {1, 2 | 24u << 16, "head_dim 24"},
            {1, 2 | 272u << 16, "head_dim 272"},
            {2, 8, "q base"},
            {3, 200, "row stride"},
            {4, 72, "k base"},
            {5, 136, "v base"},
            {6, 2, "K-cache base"},
            {7, 1030, "V-cache base"},
            {8, 1025, "out base"},
            {9, 65, "out stride"},
            {10, a[10] | 1u << 30, "rq_score bit 30"},
            {11, a[11] | 1u << 31, "rq_out bit 31"},
            {12, 1, "word 12"},
            {15, 1, "word 15"}});
}

void layernorm_fields() {
    const Words n = encode(base_layernorm());
    fields("LAYERNORM", n,
           {{0, n[0] | 3u << 8, "row mode 3"},
            {0, n[0] | INT32 << 10, "output INT32"},
            {0, n[0] | 3u << 10, "output type 3"},
            {0, n[0] | 1u << 12, "flag bit 12"},
            {0, n[0] | 1u << 20, "reserved bit 20"},
            {1, 0, "D 0"},
            {1, 8, "D 8"},
            {1, 24, "D 24"},
            {1, 4112, "D 4112"},
            {2, 4, "x base"},
            {3, 66, "x stride"},
            {4, 1032, "y base"},
            {5, 80 + 8, "y stride"},
            {6, 12, "p_off"},
            {8, 1u << 24, "epsilon 2^56"},
            {9, 64, "shift 64"},
            {10, 1, "word 10"},
            {15, 1, "word 15"}});
    // The largest values in range are accepted.
    LayerNormSpec big = base_layernorm();
    big.eps = (1ull << 56) - 1;
    big.shift = 63;
    expect_golden(make("status: LAYERNORM epsilon 2^56 - 1, shift 63", roomy(), {encode(big)}));
}

// Checks run fields before bounds: a misaligned field with a far out-of-bounds tensor is BAD_FIELD; the largest
// K and N pass the field check and then fail the bounds of this small header.
void check_order() {
    GemmSpec g = base_gemm();
    g.x_base = 8;
    g.K = 4096;
    expect_refused(make("status: BAD_FIELD before OUT_OF_BOUNDS", roomy(), {encode(g)}), BAD_FIELD, 0);
    g = base_gemm();
    g.K = 4096;
    g.N = 65536;
    expect_refused(make("status: K 4096, N 65536 pass the field check", roomy(), {encode(g)}), OUT_OF_BOUNDS, 0);
    AttentionSpec a = base_attention();
    a.n_head = 64;
    a.head_dim = 256;
    expect_refused(make("status: n_head 64, head_dim 256 pass the field check", roomy(), {encode(a)}), OUT_OF_BOUNDS, 0);
}

// The tensor is the furthest one in its buffer and ends at `end`: a header size of `end` fits, `end - 1` does not.
void edge(const std::string &what, const Words &w, uint32_t HeaderSpec::*size, uint32_t end, uint32_t n_tokens,
          uint32_t position = 0) {
    HeaderSpec h = roomy();
    h.*size = end;
    expect_golden(make("bounds: " + what + " fits", h, {w}, n_tokens, position));
    h.*size = end - 1;
    expect_refused(make("bounds: " + what + " one byte over", h, {w}, n_tokens, position), OUT_OF_BOUNDS, 0);
}

void bounds() {
    using H = HeaderSpec;
    // GEMM, 3 rows: x rows end at base + 2 * 64 + 64; y and residual rows at base + 2 * 128 + 128.
    GemmSpec g = base_gemm();
    g.x_base = 4096;
    edge("GEMM x", encode(g), &H::act_bytes, 4096 + 192, 3);
    g.rows = LAST;  // reads row 2 only, writes row 0 only
    edge("GEMM x, LAST reads row n_tokens - 1", encode(g), &H::act_bytes, 4096 + 192, 3);
    g = base_gemm();
    g.y_base = 4096;
    edge("GEMM y", encode(g), &H::act_bytes, 4096 + 384, 3);
    g.rows = LAST;
    edge("GEMM y, LAST writes row 0", encode(g), &H::act_bytes, 4096 + 128, 3);
    g = base_gemm();
    g.r_base = 4096;
    edge("GEMM residual", encode(g), &H::act_bytes, 4096 + 384, 3);
    g.rows = FIRST;
    edge("GEMM residual, FIRST reads residual row 0", encode(g), &H::act_bytes, 4096 + 128, 3);
    g = base_gemm();
    g.w_off = 4096;
    edge("GEMM weights", encode(g), &H::weights_bytes, 4096 + 16 * 32, 3);
    g = base_gemm();
    g.p_off = 4096;
    edge("GEMM bias and requantizer records", encode(g), &H::params_bytes, 4096 + 8 * 64, 3);
    g = base_gemm();
    g.gelu_off = 4096;
    edge("GEMM GELU table", encode(g), &H::params_bytes, 4096 + 4 * 257, 3);
    g = base_gemm();
    g.gelu = g.residual = false;
    g.out = INT32;
    g.y_base = 4096;
    g.y_stride = 256;
    edge("GEMM logits", encode(g), &H::logits_bytes, 4096 + 2 * 256 + 256, 3);

    // ATTENTION, 2 rows of 64 bytes per tensor at position 1; cache regions 2 heads x 4 positions x 16 x 2 bytes.
    AttentionSpec a = base_attention();
    a.q_base = 4096;
    edge("ATTENTION q", encode(a), &H::act_bytes, 4096 + 192 + 64, 2, 1);
    a = base_attention();
    a.k_base = 4096;
    edge("ATTENTION k", encode(a), &H::act_bytes, 4096 + 192 + 64, 2, 1);
    a = base_attention();
    a.v_base = 4096;
    edge("ATTENTION v", encode(a), &H::act_bytes, 4096 + 192 + 64, 2, 1);
    a = base_attention();
    a.o_base = 4096;
    edge("ATTENTION out", encode(a), &H::act_bytes, 4096 + 64 + 64, 2, 1);
    a = base_attention();
    a.kc_base = 4096;
    edge("ATTENTION K cache", encode(a), &H::kv_bytes, 4096 + 256, 2, 1);
    a = base_attention();
    a.vc_base = 4096;
    edge("ATTENTION V cache", encode(a), &H::kv_bytes, 4096 + 256, 2, 1);

    // LAYERNORM, 3 rows of D = 32.
    LayerNormSpec n = base_layernorm();
    n.x_base = 4096;
    edge("LAYERNORM x", encode(n), &H::act_bytes, 4096 + 192, 3);
    n.rows = LAST;
    edge("LAYERNORM x, LAST", encode(n), &H::act_bytes, 4096 + 192, 3);
    n = base_layernorm();
    n.y_base = 4096;
    edge("LAYERNORM y", encode(n), &H::act_bytes, 4096 + 192, 3);
    n.rows = FIRST;
    edge("LAYERNORM y, FIRST", encode(n), &H::act_bytes, 4096 + 64, 3);
    n = base_layernorm();
    n.p_off = 4096;
    edge("LAYERNORM g and b records", encode(n), &H::params_bytes, 4096 + 8 * 32, 3);
}

// Counters add up over instructions and survive a failure: a GEMM with overflows and saturations, a LAYERNORM
// with saturations, then an instruction out of bounds.
void counters() {
    GemmSpec g = base_gemm();
    g.gelu = g.residual = false;
    LayerNormSpec n = base_layernorm();
    n.out = INT8;
    n.y_base = 3072;
    LayerNormSpec far = base_layernorm();
    far.y_base = 8192;
    Case c = make("status: counters over instructions and a failure", roomy(), {encode(g), encode(n), encode(far)});
    for (uint32_t i = 0; i < 64; i++) {
        put32(c.buf[B_PARAMS], 8 * i, i % 2 ? INT32_MAX : 100);  // odd channels overflow
        put32(c.buf[B_PARAMS], 8 * i + 4, (int32_t)rq(1 + i, 0));
    }
    Outputs want = reference_run(c, 2);
    const uint32_t sat = status_word(want, 3), ovf = status_word(want, 4);
    check(sat > 0 && ovf > 0, "counters: the program produces both kinds of events");
    set_status(want, OUT_OF_BOUNDS, 2, 2, sat, ovf);
    expect(c, want, false);
}

}  // namespace

void status_tests() {
    header_and_args();
    opcodes();
    gemm_fields();
    attention_fields();
    layernorm_fields();
    check_order();
    bounds();
    counters();
}
