// The .npuv reader and writer on files written here: a round trip, a vector run through --vectors, a corrupted
// expectation that must be reported at its exact buffer and offset, and malformed files.
#include <stdio.h>
#include <sys/stat.h>

#include "npuv.h"
#include "program_builder.h"
#include "reference.h"
#include "suites.h"

namespace {

// A small GEMM whose outputs the golden model gives.
Case sample() {
    GemmSpec g;
    g.K = 32, g.N = 64, g.x_stride = 64, g.y_base = 128, g.y_stride = 128, g.p_off = 0;
    HeaderSpec h;
    h.weights_bytes = 512, h.params_bytes = 512, h.act_bytes = 256, h.logits_bytes = 16, h.kv_bytes = 32;
    h.max_tokens = h.max_seq = 2;
    Case c;
    c.name = "npuv sample";
    c.n_tokens = 1, c.position = 1, c.flags = 1;
    set_program(c, h, {encode(g)});
    Rng r(99);
    for (int b = B_W0; b <= B_LOGITS; b++) r.fill(c.buf[b]);
    for (int n = 0; n < 64; n++) put32(c.buf[B_PARAMS], 8 * n + 4, (int32_t)rq(1, 12));
    return c;
}

bool same_case(const Case &a, const Case &b) {
    bool same = a.position == b.position && a.n_tokens == b.n_tokens && a.flags == b.flags;
    for (int i = 0; i < N_BUFFERS; i++) same = same && a.buf[i] == b.buf[i];
    return same;
}

void write_raw(const std::string &path, const Bytes &b) {
    FILE *f = fopen(path.c_str(), "wb");
    if (f) fwrite(b.data(), 1, b.size(), f), fclose(f);
}

Bytes read_raw(const std::string &path) {
    Bytes b;
    FILE *f = fopen(path.c_str(), "rb");
    if (!f) return b;
    int ch;
    while ((ch = fgetc(f)) != EOF) b.push_back((uint8_t)ch);
    fclose(f);
    return b;
}

}  // namespace

void npuv_tests(const std::string &dir) {
    const std::string good = dir + "/good", bad = dir + "/bad";
    mkdir(dir.c_str(), 0755), mkdir(good.c_str(), 0755), mkdir(bad.c_str(), 0755);
    for (const std::string &d : {good, bad})
        for (const std::string &f : npuv_files(d)) remove(f.c_str());

    const Case c = sample();
    const Outputs want = reference_run(c);
    const std::string path = good + "/sample.npuv";
    check(write_npuv(path, c, want).empty(), "npuv: write");
    Case back;
    Outputs back_want;
    check(read_npuv(path, back, back_want).empty(), "npuv: read back");
    int buffer;
    size_t offset;
    check(same_case(c, back) && !first_difference(want, back_want, buffer, offset), "npuv: round trip is exact");
    check(read_raw(path).size() == 24 + 14 * 8 + 64 + 64 + 4 * 512 + 512 + 256 + 32 + 16 + 64 + 256 + 32 + 16 + 64,
          "npuv: file size is the header, 14 lengths and the bytes");
    const uint64_t before = tally.vectors;
    check(run_vectors(good) == 1 && tally.vectors == before + 1, "npuv: --vectors runs the file");

    // An expected act byte flipped at offset 130 must be found there.
    Outputs wrong = want;
    wrong.out[O_ACT][130] ^= 1;
    check(first_difference(run_kernel(back), wrong, buffer, offset) && buffer == O_ACT && offset == 130,
          "npuv: a corrupted expectation is reported at buffer act, byte 130");

    Bytes raw = read_raw(path);
    Case x;
    Outputs y;
    write_raw(bad + "/truncated.npuv", Bytes(raw.begin(), raw.end() - 1));
    check(read_npuv(bad + "/truncated.npuv", x, y).find("truncated") != std::string::npos, "npuv: truncated file refused");
    Bytes magic = raw;
    magic[0] ^= 0xFF;
    write_raw(bad + "/magic.npuv", magic);
    check(read_npuv(bad + "/magic.npuv", x, y).find("magic") != std::string::npos, "npuv: bad magic refused");
    Bytes extra = raw;
    extra.push_back(0);
    write_raw(bad + "/extra.npuv", extra);
    check(read_npuv(bad + "/extra.npuv", x, y).find("after the last buffer") != std::string::npos, "npuv: trailing bytes refused");
    Case small = c;
    small.buf[B_ACT].resize(128);
    write_npuv(bad + "/small.npuv", small, want);
    check(read_npuv(bad + "/small.npuv", x, y).find("act has 128 bytes") != std::string::npos,
          "npuv: a buffer smaller than the header says is refused");
}
