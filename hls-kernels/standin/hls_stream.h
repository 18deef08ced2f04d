// Stand-in for the part of Vitis HLS's <hls_stream.h> that the NPU kernel uses (hls::stream: write, read,
// empty), for C-simulation with plain g++ when Vitis is not installed (hls-kernels/Makefile; with XILINX_HLS set
// the real header is used). Written for this project from the documented behaviour (UG1399, "HLS Stream
// Library"), not from AMD's sources.
//
// In C-simulation the processes of a DATAFLOW region run one after the other in call order, so a FIFO here is
// unbounded (as in Vitis's own C-simulation) and its synthesis depth cannot be checked. What it does check are
// the two dataflow bugs C-simulation can see: a read from an empty stream (the consumer expects more than the
// producer wrote, or runs before it) and data left in a stream when the region ends (the producer wrote more
// than the consumer read). Either stops the program with the stream's name.
#ifndef NPU_STANDIN_HLS_STREAM_H
#define NPU_STANDIN_HLS_STREAM_H

#include <stdio.h>
#include <stdlib.h>

#include <memory>
#include <vector>

namespace hls {

namespace standin {
[[noreturn]] inline void fail(const char *what, const char *name) {
    fprintf(stderr, "hls stand-in: %s '%s': a dataflow bug in the kernel\n", what, name);
    abort();
}
}  // namespace standin

template <typename T>
class stream {
    // Filled by the producer before the consumer runs, then drained: blocks of 4096 elements (a weight stream of
    // the LM head holds ~600,000 beats), freed as they are read.
    static const size_t BLOCK = 4096;
    std::vector<std::unique_ptr<T[]>> blocks_;
    size_t head_ = 0, tail_ = 0;  // element indices from the start of blocks_[0]
    const char *name_;

public:
    stream() : name_("unnamed") {}
    explicit stream(const char *name) : name_(name) {}
    stream(const stream &) = delete;
    stream &operator=(const stream &) = delete;
    ~stream() {
        if (head_ != tail_) standin::fail("data left in stream at the end of its region", name_);
    }
    void write(const T &v) {
        if (tail_ == blocks_.size() * BLOCK) blocks_.emplace_back(new T[BLOCK]);
        blocks_[tail_ / BLOCK][tail_ % BLOCK] = v;
        tail_++;
    }
    T read() {
        if (head_ == tail_) standin::fail("read from empty stream", name_);
        const T v = blocks_[head_ / BLOCK][head_ % BLOCK];
        if (++head_ % BLOCK == 0) blocks_[head_ / BLOCK - 1].reset();
        if (head_ == tail_) {
            blocks_.clear();
            head_ = tail_ = 0;
        }
        return v;
    }
    bool empty() const { return head_ == tail_; }
};

}  // namespace hls

#endif
