#include "npuv.h"

#include <dirent.h>
#include <stdio.h>

#include <algorithm>

namespace {

void put_u32(Bytes &b, uint32_t v) {
    for (int i = 0; i < 4; i++) b.push_back((uint8_t)(v >> (8 * i)));
}

void put_blob(Bytes &b, const Bytes &blob) {
    const uint64_t n = blob.size();
    for (int i = 0; i < 8; i++) b.push_back((uint8_t)(n >> (8 * i)));
    b.insert(b.end(), blob.begin(), blob.end());
}

struct Reader {
    const Bytes &b;
    size_t at = 0;
    bool ok = true;
    uint64_t uint(int bytes) {
        if (b.size() - at < (size_t)bytes) {
            ok = false;
            return 0;
        }
        uint64_t v = 0;
        for (int i = 0; i < bytes; i++) v |= (uint64_t)b[at + i] << (8 * i);
        at += bytes;
        return v;
    }
    Bytes blob() {
        const uint64_t n = uint(8);
        if (!ok || n > b.size() - at) {
            ok = false;
            return Bytes();
        }
        Bytes v(b.begin() + at, b.begin() + at + n);
        at += n;
        return v;
    }
};

}  // namespace

std::string write_npuv(const std::string &path, const Case &c, const Outputs &expected) {
    Bytes b;
    for (uint32_t v : {NPUV_MAGIC, NPUV_VERSION, c.position, c.n_tokens, c.flags, (uint32_t)N_BUFFERS}) put_u32(b, v);
    for (int i = 0; i < N_BUFFERS; i++) put_blob(b, c.buf[i]);
    for (int i = 0; i < N_OUTPUTS; i++) put_blob(b, expected.out[i]);
    FILE *f = fopen(path.c_str(), "wb");
    if (!f) return path + ": cannot create";
    const bool ok = fwrite(b.data(), 1, b.size(), f) == b.size();
    return fclose(f) == 0 && ok ? "" : path + ": write failed";
}

std::string read_npuv(const std::string &path, Case &c, Outputs &expected) {
    FILE *f = fopen(path.c_str(), "rb");
    if (!f) return path + ": cannot open";
    Bytes b;
    uint8_t chunk[1 << 16];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) b.insert(b.end(), chunk, chunk + n);
    const bool read_error = ferror(f) != 0;
    fclose(f);
    if (read_error) return path + ": read failed";
    Reader r{b};
    const uint32_t magic = (uint32_t)r.uint(4), version = (uint32_t)r.uint(4);
    if (!r.ok || magic != NPUV_MAGIC) return path + ": not an .npuv file (bad magic)";
    if (version != NPUV_VERSION) return path + ": .npuv version " + std::to_string(version) + ", expected 1";
    c.position = (uint32_t)r.uint(4);
    c.n_tokens = (uint32_t)r.uint(4);
    c.flags = (uint32_t)r.uint(4);
    const uint32_t buffers = (uint32_t)r.uint(4);
    if (r.ok && buffers != N_BUFFERS) return path + ": " + std::to_string(buffers) + " input buffers, expected 10";
    for (int i = 0; i < N_BUFFERS; i++) c.buf[i] = r.blob();
    for (int i = 0; i < N_OUTPUTS; i++) expected.out[i] = r.blob();
    if (!r.ok) return path + ": truncated";
    if (r.at != b.size()) return path + ": " + std::to_string(b.size() - r.at) + " bytes after the last buffer";
    // The kernel trusts the header's sizes: a buffer shorter than them would be overrun, not tested.
    if (c.buf[B_PROGRAM].size() < 64) return path + ": the program is shorter than its header";
    if (c.buf[B_PROGRAM].size() / 64 - 1 < word(c.buf[B_PROGRAM], 2))
        return path + ": the program is shorter than its n_instr instructions";
    if (c.buf[B_STATUS].size() < 64) return path + ": the status buffer is shorter than 16 words";
    const struct {
        Buffer b;
        int header_word;
    } sized[] = {{B_W0, 4}, {B_W1, 4}, {B_W2, 4}, {B_W3, 4}, {B_PARAMS, 5}, {B_ACT, 6}, {B_KV, 7}, {B_LOGITS, 8}};
    for (const auto &s : sized)
        if (c.buf[s.b].size() < word(c.buf[B_PROGRAM], s.header_word))
            return path + ": " + BUFFER_NAMES[s.b] + " has " + std::to_string(c.buf[s.b].size()) +
                   " bytes, the program header says " + std::to_string(word(c.buf[B_PROGRAM], s.header_word));
    c.name = path;
    return "";
}

std::vector<std::string> npuv_files(const std::string &dir) {
    std::vector<std::string> files;
    DIR *d = opendir(dir.c_str());
    if (!d) return files;
    while (const dirent *e = readdir(d)) {
        const std::string name = e->d_name;
        if (name.size() > 5 && name.compare(name.size() - 5, 5, ".npuv") == 0) files.push_back(dir + "/" + name);
    }
    closedir(d);
    std::sort(files.begin(), files.end());
    return files;
}

int run_vectors(const std::string &dir) {
    const std::vector<std::string> files = npuv_files(dir);
    if (files.empty()) {
        fprintf(stderr, "tb_npu: no .npuv files in %s\n", dir.c_str());
        return -1;
    }
    for (const std::string &path : files) {
        Case c;
        Outputs want;
        const std::string error = read_npuv(path, c, want);
        if (!error.empty()) {
            fprintf(stderr, "tb_npu: %s\n", error.c_str());
            return -1;
        }
        record(path, same_outputs(path, run_kernel(c), want));
    }
    return (int)files.size();
}
