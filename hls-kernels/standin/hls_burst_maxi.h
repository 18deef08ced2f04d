// Stand-in for Vitis HLS's hls::burst_maxi (manual AXI bursts: read_request / read, write_request / write /
// write_response), the part the NPU kernel uses, for C-simulation with plain g++ when Vitis is not installed
// (hls-kernels/Makefile; with XILINX_HLS set the real <hls_burst_maxi.h> is used). Written for this project from
// the documented behaviour (UG1399, "Using Manual Burst"), not from AMD's sources.
//
// The object is a pointer, copied by value into the functions that use it as the real one is; the requests
// issued on a port are kept per port (its base address), in order, as the m_axi adapter keeps them. It checks
// the protocol: every read() and write() must belong to an issued request, every write_response() to a request
// whose beats were all written, and at the end of an instruction (hls::standin::check_ports_idle(), called by the
// kernel's C-simulation bookkeeping) no request may be left unfinished.
#ifndef NPU_STANDIN_HLS_BURST_MAXI_H
#define NPU_STANDIN_HLS_BURST_MAXI_H

#include <stddef.h>

#include <deque>
#include <map>

#include "hls_stream.h"

namespace hls {

namespace standin {

struct Request {
    size_t offset, length, done;
};

struct PortRequests {
    std::deque<Request> reads, writes;
    size_t writes_done = 0;  // write requests fully written, waiting for their write_response()
};

inline std::map<const void *, PortRequests> &ports() {
    static thread_local std::map<const void *, PortRequests> p;  // one launch at a time per thread
    return p;
}

// Fails if any port still has a request pending (called at the end of every instruction).
inline void check_ports_idle() {
    for (auto &p : ports()) {
        if (!p.second.reads.empty()) fail("read request not read to its end", "burst_maxi");
        if (!p.second.writes.empty() || p.second.writes_done != 0)
            fail("write request without its write_response()", "burst_maxi");
    }
    ports().clear();
}

}  // namespace standin

template <typename T>
class burst_maxi {
    T *base_;
    standin::PortRequests &requests() const { return standin::ports()[base_]; }

public:
    burst_maxi(T *p) : base_(p) {}

    void read_request(size_t offset, size_t length) {
        if (length > 0) requests().reads.push_back({offset, length, 0});
    }
    T read() {
        standin::PortRequests &r = requests();
        if (r.reads.empty()) standin::fail("read() without a read request", "burst_maxi");
        standin::Request &q = r.reads.front();
        T v = base_[q.offset + q.done];
        if (++q.done == q.length) r.reads.pop_front();
        return v;
    }

    void write_request(size_t offset, size_t length) {
        standin::PortRequests &r = requests();
        if (length == 0) {
            r.writes_done++;  // an empty request completes at once; its response is still collected
            return;
        }
        r.writes.push_back({offset, length, 0});
    }
    void write(const T &v) {
        standin::PortRequests &r = requests();
        if (r.writes.empty()) standin::fail("write() without a write request", "burst_maxi");
        standin::Request &q = r.writes.front();
        base_[q.offset + q.done] = v;
        if (++q.done == q.length) {
            r.writes.pop_front();
            r.writes_done++;
        }
    }
    void write_response() {
        standin::PortRequests &r = requests();
        if (r.writes_done == 0) standin::fail("write_response() before its request was written", "burst_maxi");
        r.writes_done--;
    }
};

}  // namespace hls

#endif
