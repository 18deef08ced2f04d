// C-simulation stand-in for Vitis HLS's hls_burst_maxi.h (UG1399, "Using Manual Burst"): read_request(offset, len)
// queues a burst, read() returns its next element. Beyond the real class it checks the protocol the hardware would
// hang or misread on: read() with no requested data, more requests in flight than the testbench allows, a burst
// longer than AXI's 256 beats or across a 4 KB boundary; requests_in_flight() and max_in_flight() let the testbench
// see it (under FPGA_LLM_CSIM_STANDINS, which only this header defines).
#ifndef FPGA_LLM_CSIM_HLS_BURST_MAXI_H
#define FPGA_LLM_CSIM_HLS_BURST_MAXI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <deque>
#include <memory>

#define FPGA_LLM_CSIM_STANDINS 1

namespace hls {

template <typename T>
class burst_maxi {
  public:
    burst_maxi(T *p) : ptr_(p), state_(new State()) {}

    void read_request(size_t offset, size_t len) {
        const uintptr_t first = (uintptr_t)(ptr_ + offset), last = (uintptr_t)(ptr_ + offset + len) - 1;
        if (len == 0 || len > 256) fail("read_request of %zu beats (AXI: 1..256)", len);
        if (first / 4096 != last / 4096) fail("read_request at beat %zu, %zu beats, crosses a 4 KB boundary", offset, len);
        state_->queue.push_back(Burst{offset, len});
        size_t in_flight = state_->queue.size();
        if (in_flight > state_->max_in_flight) state_->max_in_flight = in_flight;
        if (limit() != 0 && in_flight > limit()) fail("%zu read requests in flight, the adapter holds %zu", in_flight, limit());
    }

    T read() {
        if (state_->queue.empty()) fail("read() with no read_request outstanding%s", "");
        Burst &b = state_->queue.front();
        T v = ptr_[b.offset++];
        if (--b.len == 0) state_->queue.pop_front();
        return v;
    }

    size_t requests_in_flight() const { return state_->queue.size(); }
    size_t max_in_flight() const { return state_->max_in_flight; }
    // The adapter's request queue depth (num_read_outstanding) the testbench models; 0: unlimited.
    static size_t &limit() {
        static size_t depth = 0;
        return depth;
    }

  private:
    struct Burst {
        size_t offset, len;
    };
    struct State {
        std::deque<Burst> queue;
        size_t max_in_flight = 0;
    };

    template <typename... A>
    static void fail(const char *format, A... args) {
        fprintf(stderr, "burst_maxi: ");
        fprintf(stderr, format, args...);
        fprintf(stderr, "\n");
        abort();
    }

    T *ptr_;
    // Copies share the queue, as the hardware port is one adapter.
    std::shared_ptr<State> state_;
};

}  // namespace hls

#endif
