#include <inttypes.h>
#include <stdio.h>

#include "../src/npu_isa.h"
#include "npu_call.h"
#include "tb.h"

const char *const BUFFER_NAMES[N_BUFFERS] = {"program", "weights0", "weights1", "weights2", "weights3",
                                             "params",  "act",      "kv",       "logits",   "status"};
const char *const OUTPUT_NAMES[N_OUTPUTS] = {"act", "kv", "logits", "status"};
const Buffer OUTPUT_BUFFER[N_OUTPUTS] = {B_ACT, B_KV, B_LOGITS, B_STATUS};

Tally tally;

namespace {

// Kernel-side copy of a buffer: at least 64 bytes so that an empty buffer still has an address (the kernel must
// not touch it; a stray write would show up in the comparison of the declared bytes only, so pad with a canary).
struct DeviceBuffer {
    std::vector<uint64_t> storage;  // 8-byte aligned, like an XRT buffer object (which is 4 KiB aligned)
    size_t size;
    explicit DeviceBuffer(const Bytes &b) : storage((b.size() + 64) / 8 + 1, 0xA5A5A5A5A5A5A5A5ull), size(b.size()) {
        if (!b.empty()) memcpy(storage.data(), b.data(), b.size());
    }
    uint8_t *data() { return reinterpret_cast<uint8_t *>(storage.data()); }
    Bytes bytes() const {
        const uint8_t *p = reinterpret_cast<const uint8_t *>(storage.data());
        return Bytes(p, p + size);
    }
    // The padding after the declared bytes still holds the canary: the kernel wrote nothing past the end.
    bool canary_intact() const {
        const uint8_t *p = reinterpret_cast<const uint8_t *>(storage.data());
        for (size_t i = size; i < storage.size() * 8; i++)
            if (p[i] != 0xA5) return false;
        return true;
    }
};

}  // namespace

Outputs run_kernel(const Case &c) {
    std::vector<DeviceBuffer> d;
    d.reserve(N_BUFFERS);
    for (int i = 0; i < N_BUFFERS; i++) d.emplace_back(c.buf[i]);
    uint8_t *bytes[N_BUFFERS];
    for (int i = 0; i < N_BUFFERS; i++) bytes[i] = d[i].data();
    npu_top_on_bytes(bytes, c.position, c.n_tokens, c.flags);
    for (int i = 0; i < N_BUFFERS; i++)
        check(d[i].canary_intact(), c.name + ": the kernel wrote past the end of " + BUFFER_NAMES[i]);
    Outputs o;
    for (int i = 0; i < N_OUTPUTS; i++) o.out[i] = d[OUTPUT_BUFFER[i]].bytes();
    return o;
}

Outputs initial_outputs(const Case &c) {
    Outputs o;
    for (int i = 0; i < N_OUTPUTS; i++) o.out[i] = c.buf[OUTPUT_BUFFER[i]];
    return o;
}

void set_status(Outputs &o, uint32_t code, uint32_t failed, uint32_t executed, uint32_t saturations,
                uint32_t overflows) {
    Bytes &s = o.out[O_STATUS];
    s.assign(4 * npu::STATUS_WORDS, 0);
    put32(s, 0, (int32_t)code);
    put32(s, 4, (int32_t)failed);
    put32(s, 8, (int32_t)executed);
    put32(s, 12, (int32_t)saturations);
    put32(s, 16, (int32_t)overflows);
}

uint32_t status_word(const Outputs &o, int i) {
    return word(o.out[O_STATUS], i);
}

static void print_status(const char *side, const Outputs &o) {
    if (o.out[O_STATUS].size() < 20) return;
    fprintf(stderr, "    %s status: code %u, failed instruction %d, executed %u, saturations %u, overflows %u\n", side,
            status_word(o, 0), (int32_t)status_word(o, 1), status_word(o, 2), status_word(o, 3), status_word(o, 4));
}

bool first_difference(const Outputs &got, const Outputs &want, int &buffer, size_t &offset) {
    for (int i = 0; i < N_OUTPUTS; i++) {
        const Bytes &g = got.out[i], &w = want.out[i];
        if (g == w) continue;
        size_t at = 0;
        while (at < g.size() && at < w.size() && g[at] == w[at]) at++;
        buffer = i;
        offset = at;
        return true;
    }
    return false;
}

bool same_outputs(const std::string &what, const Outputs &got, const Outputs &want) {
    int i;
    size_t at;
    if (!first_difference(got, want, i, at)) return true;
    const Bytes &g = got.out[i], &w = want.out[i];
    fprintf(stderr, "MISMATCH %s: buffer %s", what.c_str(), OUTPUT_NAMES[i]);
    if (at == g.size() || at == w.size())
        fprintf(stderr, " has %zu bytes, expected %zu\n", g.size(), w.size());
    else
        fprintf(stderr, " first differs at byte offset %zu: got 0x%02x, expected 0x%02x\n", at, g[at], w[at]);
    print_status("got     ", got);
    print_status("expected", want);
    return false;
}

void record(const std::string &what, bool ok) {
    tally.vectors++;
    if (!ok) tally.failures++;
    (void)what;
}

void check(bool ok, const std::string &what) {
    if (ok) return;
    tally.failures++;
    fprintf(stderr, "FAILED: %s\n", what.c_str());
}
