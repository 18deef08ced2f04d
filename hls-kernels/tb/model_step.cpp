// Whole transformer steps: a GPT-2-shaped program (per layer LN, QKV GEMM, ATTENTION, projection + residual, LN,
// FC + GELU, projection + residual; then the final LN on the LAST row and the LM head on the FIRST into logits),
// with random weights at realistic scales. The tiny shape (2 layers x 64 wide x 4 heads, vocabulary 50304)
// runs a prefill and the decode step after it against the golden model; the DistilGPT2 shape (6 x 768 x 12,
// FFN 3072) is timed by bench().
#include <stdio.h>
#include <time.h>

#include <algorithm>
#include <string>

#include "../src/cost.h"
#include "npu_call.h"
#include "program_builder.h"
#include "reference.h"
#include "suites.h"

namespace {

struct Shape {
    uint32_t layers, d, heads, ffn, vocab, max_seq, max_tokens;
};

// Bump allocation, 16-byte aligned.
struct Top {
    uint64_t at = 0;
    uint32_t take(uint64_t bytes) {
        const uint64_t a = at;
        at = (at + bytes + 15) / 16 * 16;
        return (uint32_t)a;
    }
};

struct Model {
    Case c;
    uint32_t h_base, h_stride;  // the residual stream: the host writes token embeddings here
};

// The program and its weights for `shape`. Scales: activations around 2^11, weights around 2^5, so GEMM sums
// near 2^(16 + log2(K)/2) are requantized back to 2^11; attention scores land a few units apart in log2.
// Without `weights` the weight buffers stay zero (the cycle count does not depend on values).
Model build(const Shape &s, uint64_t seed, bool weights = true) {
    Rng r(seed);
    Model m;
    const uint32_t d = s.d, hd = s.d / s.heads, M = s.max_tokens;
    Top act, kv, w, p, logits;
    m.h_stride = 2 * d;
    m.h_base = act.take((uint64_t)M * 2 * d);
    const uint32_t a_base = act.take((uint64_t)M * 2 * d);
    const uint32_t qkv_base = act.take((uint64_t)M * 6 * d);
    const uint32_t att_base = act.take((uint64_t)M * 2 * d);
    const uint32_t f_base = act.take((uint64_t)M * 2 * s.ffn);
    const uint32_t af_base = act.take(2 * d);

    std::vector<std::pair<uint32_t, int32_t>> params;
    auto gemm = [&](uint32_t N, uint32_t K, int target_bits) {
        const uint32_t off = w.take((uint64_t)N / 64 * 16 * K);
        const uint32_t rec = p.take(8ull * N);
        int acc_bits = 11 + 5 + 1;
        for (uint32_t k = K; k > 1; k >>= 2) acc_bits++;
        for (uint32_t n = 0; n < N; n++) {
            params.push_back({rec + 8 * n, (int32_t)r.between(-(1 << 14), 1 << 14)});
            params.push_back({rec + 8 * n + 4, (int32_t)rq((1u << 23) + (r.next() & 0xFFFFF), (uint32_t)(acc_bits + 23 - target_bits))});
        }
        GemmSpec g;
        g.K = K, g.N = N, g.w_off = off, g.p_off = rec;
        return g;
    };
    auto layernorm = [&](uint32_t x_base, uint32_t y_base, uint32_t rows) {
        LayerNormSpec n;
        n.D = d, n.rows = rows, n.shift = 24;
        n.x_base = x_base, n.x_stride = 2 * d, n.y_base = y_base, n.y_stride = 2 * d;
        n.eps = (uint64_t)d * d * 64;  // an epsilon of about (8 x units)^2
        n.p_off = p.take(8ull * d);
        for (uint32_t i = 0; i < d; i++) {
            params.push_back({n.p_off + 8 * i, (int32_t)r.between(1 << 18, 1 << 19)});
            params.push_back({n.p_off + 8 * i + 4, (int32_t)r.between(-(1 << 17), 1 << 17)});
        }
        return encode(n);
    };

    std::vector<Words> program;
    const uint32_t region = 2 * s.heads * s.max_seq * hd;
    for (uint32_t layer = 0; layer < s.layers; layer++) {
        program.push_back(layernorm(m.h_base, a_base, ALL));
        GemmSpec qkv = gemm(3 * d, d, 11);
        qkv.x_base = a_base, qkv.x_stride = 2 * d, qkv.y_base = qkv_base, qkv.y_stride = 6 * d;
        program.push_back(encode(qkv));
        AttentionSpec a;
        a.n_head = s.heads, a.head_dim = hd;
        a.q_base = qkv_base, a.k_base = qkv_base + 2 * d, a.v_base = qkv_base + 4 * d, a.stride = 6 * d;
        a.kc_base = kv.take(region), a.vc_base = kv.take(region);
        a.o_base = att_base, a.o_stride = 2 * d;
        a.rq_score = rq(1u << 23, 22 + 23 - 17);
        a.rq_out = rq(1u << 23, 23);
        program.push_back(encode(a));
        GemmSpec proj = gemm(d, d, 10);
        proj.x_base = att_base, proj.x_stride = 2 * d, proj.y_base = m.h_base, proj.y_stride = 2 * d;
        proj.residual = true, proj.r_base = m.h_base, proj.r_stride = 2 * d, proj.rq_res = rq(1u << 23, 23);
        program.push_back(encode(proj));
        program.push_back(layernorm(m.h_base, a_base, ALL));
        GemmSpec fc = gemm(s.ffn, d, 11);
        fc.x_base = a_base, fc.x_stride = 2 * d, fc.y_base = f_base, fc.y_stride = 2 * s.ffn;
        fc.gelu = true, fc.gelu_off = p.take(4 * 257);
        for (int i = 0; i <= 256; i++) {
            const int32_t x = (i * 256 - 32768) / 16;  // input units of 2^-11 -> output in the same units
            params.push_back({fc.gelu_off + 4 * i, x > 0 ? x : x / 8});
        }
        program.push_back(encode(fc));
        GemmSpec proj2 = gemm(d, s.ffn, 10);
        proj2.x_base = f_base, proj2.x_stride = 2 * s.ffn, proj2.y_base = m.h_base, proj2.y_stride = 2 * d;
        proj2.residual = true, proj2.r_base = m.h_base, proj2.r_stride = 2 * d, proj2.rq_res = rq(1u << 23, 23);
        program.push_back(encode(proj2));
    }
    program.push_back(layernorm(m.h_base, af_base, LAST));
    GemmSpec head = gemm(s.vocab, d, 20);
    head.rows = FIRST, head.out = INT32;
    head.x_base = af_base, head.x_stride = 2 * d, head.y_base = logits.take(4ull * s.vocab), head.y_stride = 4 * s.vocab;
    program.push_back(encode(head));

    HeaderSpec h;
    h.weights_bytes = (uint32_t)w.at, h.params_bytes = (uint32_t)p.at, h.act_bytes = (uint32_t)act.at;
    h.kv_bytes = (uint32_t)kv.at, h.logits_bytes = (uint32_t)logits.at;
    h.max_tokens = M, h.max_seq = s.max_seq;
    set_program(m.c, h, program);
    for (auto &q : params) put32(m.c.buf[B_PARAMS], q.first, q.second);
    // Random weights need no packing: every byte of the tiled buffers is some weight.
    for (int b = B_W0; b <= B_W3 && weights; b++)
        for (auto &v : m.c.buf[b]) v = (uint8_t)(int8_t)r.between(-40, 40);
    return m;
}

// Token embeddings for rows first .. first + n - 1 of the residual stream.
void embed(Case &c, const Model &m, uint32_t n, uint64_t seed) {
    Rng r(seed);
    const uint32_t d = m.h_stride / 2;
    for (uint32_t row = 0; row < n; row++)
        for (uint32_t i = 0; i < d; i++) put16(c.buf[B_ACT], m.h_base + (uint64_t)row * m.h_stride + 2 * i, (int16_t)r.between(-2048, 2047));
}

double seconds(clockid_t clock) {
    timespec t;
    clock_gettime(clock, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

struct Timing {
    double wall, cpu;  // medians, seconds
};

// Median wall-clock and CPU time of `runs` calls of npu_top on the case's buffers (in place: only the call).
// CPU time is the steadier figure on a shared machine.
Timing time_kernel(Case &c, int runs) {
    std::vector<double> wall, cpu;
    for (int i = 0; i < runs; i++) {
        const double w0 = seconds(CLOCK_MONOTONIC), c0 = seconds(CLOCK_PROCESS_CPUTIME_ID);
        uint8_t *bytes[N_BUFFERS];
        for (int b = 0; b < N_BUFFERS; b++) bytes[b] = c.buf[b].data();
        npu_top_on_bytes(bytes, c.position, c.n_tokens, c.flags);
        cpu.push_back(seconds(CLOCK_PROCESS_CPUTIME_ID) - c0);
        wall.push_back(seconds(CLOCK_MONOTONIC) - w0);
        check(word(c.buf[B_STATUS], 0) == 0, c.name + ": status OK");
    }
    std::sort(wall.begin(), wall.end());
    std::sort(cpu.begin(), cpu.end());
    return {wall[wall.size() / 2], cpu[cpu.size() / 2]};
}

std::string load_average() {
    char text[64] = "?";
    if (FILE *f = fopen("/proc/loadavg", "r")) {
        if (!fgets(text, sizeof text, f)) text[0] = 0;
        fclose(f);
    }
    std::string s = text;
    return s.substr(0, s.find(' '));
}

}  // namespace

void model_step_tests() {
    const Shape tiny = {2, 64, 4, 256, 50304, 64, 8};
    Model m = build(tiny, 7);
    for (uint32_t flags : {0u, SOFTMAX_EXACT}) {
        Case prefill = m.c;
        prefill.name = std::string("tiny model: prefill of 5 tokens") + (flags ? ", exact softmax" : "");
        prefill.n_tokens = 5, prefill.position = 0, prefill.flags = flags;
        embed(prefill, m, 5, 11);
        Outputs after;
        try {
            after = reference_run(prefill);
        } catch (const std::exception &e) {
            check(false, prefill.name + ": golden model: " + e.what());
            continue;
        }
        record(prefill.name, same_outputs(prefill.name, run_kernel(prefill), after));
        printf("  %s: saturations %u, int32 overflows %u\n", prefill.name.c_str(), status_word(after, 3), status_word(after, 4));

        // The decode step continues from the prefill's cache and activations, with the next token in row 0.
        Case decode = prefill;
        decode.name = std::string("tiny model: decode step at position 5") + (flags ? ", exact softmax" : "");
        decode.buf[B_ACT] = after.out[O_ACT], decode.buf[B_KV] = after.out[O_KV], decode.buf[B_LOGITS] = after.out[O_LOGITS];
        decode.n_tokens = 1, decode.position = 5;
        embed(decode, m, 1, 12);
        expect_golden(decode);
    }
}

void timing_json(const char *board) {
    // The decode step of bench(): DistilGPT2's shape at position 255 of 256, one row, approx softmax.
    const Shape s = {6, 768, 12, 3072, 50304, 256, 1};
    Model m = build(s, 5, false);
    m.c.name = "timing: DistilGPT2 decode step";
    embed(m.c, m, 1, 6);
    m.c.position = 255;
    static const char *const OP[] = {"?", "GEMM", "ATTENTION", "LAYERNORM"};
    const Bytes &program = m.c.buf[B_PROGRAM];
    const uint32_t n = word(program, 2);
    std::vector<double> cycles[2], launch(2), total(2);
    double corner[2][3];
    for (int k = 0; k < 2; k++) {
        check(npu_csim_timing_board_default(board, k, corner[k]) == 0, "timing: a board the kernel has corners for");
        npu_csim_timing_corner(corner[k][0], corner[k][1], corner[k][2]);
        const Outputs o = run_kernel(m.c);
        check(status_word(o, 0) == 0 && npu_csim_timing_instructions() == n, "timing: the decode step runs");
        for (uint32_t i = 0; i < n; i++) cycles[k].push_back(npu_csim_timing_instruction_cycles(i));
        launch[k] = npu_csim_timing_launch_cycles();
        total[k] = launch[k];
        for (double c : cycles[k]) total[k] += c;
    }
    double kv260[3];  // back to the default corner
    npu_csim_timing_default(0, kv260);
    npu_csim_timing_corner(kv260[0], kv260[1], kv260[2]);
    printf("{\n  \"what\": \"kernel-counted cycles of the modelled schedule (C-simulation, not synthesized)\",\n");
    printf("  \"board\": \"%s\",\n", board);
    printf("  \"step\": \"DistilGPT2-shaped decode at position 255: 6 layers x 768 wide x 12 heads, FFN 3072, vocabulary"
           " 50304 (padded), max_seq 256, approx softmax\",\n");
    printf("  \"corners\": {");
    for (int k = 0; k < 2; k++)
        printf("%s\"%s\": {\"axi_latency_cycles\": %g, \"port_efficiency\": %g, \"ddr_bytes_per_cycle\": %g}",
               k ? ", " : "", k ? "pessimistic" : "optimistic", corner[k][0], corner[k][1], corner[k][2]);
    printf("},\n  \"launch_cycles\": {\"optimistic\": %.0f, \"pessimistic\": %.0f},\n", launch[0], launch[1]);
    printf("  \"total_cycles\": {\"optimistic\": %.0f, \"pessimistic\": %.0f},\n", total[0], total[1]);
    printf("  \"instructions\": [\n");
    for (uint32_t i = 0; i < n; i++) {
        const uint32_t op = word(program, 16 + 16 * i) & 0xFF;
        printf("    {\"index\": %u, \"op\": \"%s\", \"optimistic\": %.0f, \"pessimistic\": %.0f}%s\n", i,
               OP[op <= 3 ? op : 0], cycles[0][i], cycles[1][i], i + 1 < n ? "," : "");
    }
    printf("  ]\n}\n");
}

void bench() {
    {
        // The LM head of DistilGPT2 alone: K = 768, N = 50304 (the vocabulary padded to a multiple of 64), one row.
        GemmSpec g;
        g.K = 768, g.N = 50304, g.out = INT32;
        g.x_stride = 2 * 768, g.y_stride = 4 * 50304;
        HeaderSpec h;
        h.weights_bytes = 50304 / 64 * 16 * 768, h.params_bytes = 8 * 50304, h.act_bytes = 2 * 768;
        h.logits_bytes = 4 * 50304;
        Case c;
        c.name = "bench: GEMM K 768 x N 50304 x M 1";
        set_program(c, h, {encode(g)});
        Rng r(3);
        for (int b = B_W0; b <= B_ACT; b++) r.fill(c.buf[b]);
        const Timing t = time_kernel(c, 5);
        printf("bench: GEMM K=768 N=50304 M=1 (38.6 M MACs): %.1f ms CPU, %.1f ms wall per launch (medians of 5; load"
               " average %s)\n", t.cpu * 1e3, t.wall * 1e3, load_average().c_str());
    }
    {
        // One whole DistilGPT2 decode step at position 255 of 256 (6 layers, 81 M MACs in GEMMs).
        Shape s = {6, 768, 12, 3072, 50304, 256, 1};
        Model m = build(s, 5);
        m.c.name = "bench: DistilGPT2 decode step";
        embed(m.c, m, 1, 6);
        m.c.position = 255;
        const double macs = 6.0 * 768 * (3 * 768 + 768 + 2 * 3072) + 768.0 * 50304;
        for (uint32_t flags : {0u, SOFTMAX_EXACT}) {
            m.c.flags = flags;
            const Timing t = time_kernel(m.c, 3);
            printf("bench: DistilGPT2-shaped decode step at position 255, %s softmax (%.1f M GEMM MACs): %.1f ms CPU,"
                   " %.1f ms wall per launch (medians of 3; load average %s)\n",
                   flags ? "exact" : "approx", macs * 1e-6, t.cpu * 1e3, t.wall * 1e3, load_average().c_str());
        }
    }
}
