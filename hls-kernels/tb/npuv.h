// .npuv vector files (docs/hardware.md): one launch of npu_top with its expected outputs, written by the Java
// emulator (`fpga-llm npu-vectors`) and by this testbench. Little-endian:
//   u32 magic 0x5655504E ("NPUV"), u32 version 1, u32 position, u32 n_tokens, u32 flags, u32 n_buffers (= 10),
//   10 input buffers in kernel-argument order (program, weights0..3, params, act, kv, logits, status),
//   then the 4 expected outputs (act, kv, logits, status); every buffer is a u64 byte length and the bytes.
#ifndef TB_NPUV_H
#define TB_NPUV_H

#include <string>
#include <vector>

#include "tb.h"

const uint32_t NPUV_MAGIC = 0x5655504E;
const uint32_t NPUV_VERSION = 1;

// Returns "" on success, else what is wrong with the file.
std::string write_npuv(const std::string &path, const Case &c, const Outputs &expected);
std::string read_npuv(const std::string &path, Case &c, Outputs &expected);

// The *.npuv files of a directory, sorted by name.
std::vector<std::string> npuv_files(const std::string &dir);

// Runs every vector of the directory through the kernel and compares every output byte. Returns the number of
// files, or -1 when the directory has none or one cannot be read (reported on stderr).
int run_vectors(const std::string &dir);

#endif
