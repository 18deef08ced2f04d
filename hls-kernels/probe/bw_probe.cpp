// bw_probe (bw_probe.h): four read ports in lockstep, as the NPU's GEMM consumes its four weight streams. Manual
// bursts (hls::burst_maxi, UG1399 "Using Manual Burst") make burst length and requests in flight runtime values:
// `outstanding` requests are issued first, and each finished burst issues the next, so the adapter always has that
// many in flight until the end. Every loop is one pipeline at II = 1; the request calls sit on the burst boundary.
#include "bw_probe.h"

namespace {

uint64_t check(uint32_t ports, uint32_t burst_beats, uint32_t stride_beats, uint32_t outstanding) {
    if (ports < 1 || ports > PROBE_PORTS) return PROBE_BAD_PORTS;
    if (burst_beats < 1 || burst_beats > PROBE_MAX_BURST_BEATS || (burst_beats & (burst_beats - 1)) != 0)
        return PROBE_BAD_BURST;
    // A power-of-two burst starting at a multiple of its own size never crosses 4 KB (buffers are page aligned).
    if (stride_beats < burst_beats || stride_beats % burst_beats != 0) return PROBE_BAD_STRIDE;
    if (outstanding < 1 || outstanding > PROBE_MAX_OUTSTANDING) return PROBE_BAD_OUTSTANDING;
    return PROBE_OK;
}

// Burst `b` on every active port.
void request(hls::burst_maxi<probe_beat> &in0, hls::burst_maxi<probe_beat> &in1, hls::burst_maxi<probe_beat> &in2,
             hls::burst_maxi<probe_beat> &in3, uint32_t ports, uint32_t b, uint32_t burst_beats,
             uint32_t stride_beats) {
#pragma HLS INLINE
    const uint64_t offset = (uint64_t)b * stride_beats;
    in0.read_request(offset, burst_beats);
    if (ports > 1) in1.read_request(offset, burst_beats);
    if (ports > 2) in2.read_request(offset, burst_beats);
    if (ports > 3) in3.read_request(offset, burst_beats);
}

}  // namespace

extern "C" void bw_probe(hls::burst_maxi<probe_beat> in0, hls::burst_maxi<probe_beat> in1,
                         hls::burst_maxi<probe_beat> in2, hls::burst_maxi<probe_beat> in3, uint64_t *result,
                         uint32_t ports, uint32_t burst_beats, uint32_t bursts, uint32_t stride_beats,
                         uint32_t outstanding) {
#pragma HLS INTERFACE mode = m_axi port = in0 bundle = gmem0 offset = slave num_read_outstanding = PROBE_MAX_OUTSTANDING max_read_burst_length = PROBE_MAX_BURST_BEATS depth = 65536
#pragma HLS INTERFACE mode = m_axi port = in1 bundle = gmem1 offset = slave num_read_outstanding = PROBE_MAX_OUTSTANDING max_read_burst_length = PROBE_MAX_BURST_BEATS depth = 65536
#pragma HLS INTERFACE mode = m_axi port = in2 bundle = gmem2 offset = slave num_read_outstanding = PROBE_MAX_OUTSTANDING max_read_burst_length = PROBE_MAX_BURST_BEATS depth = 65536
#pragma HLS INTERFACE mode = m_axi port = in3 bundle = gmem3 offset = slave num_read_outstanding = PROBE_MAX_OUTSTANDING max_read_burst_length = PROBE_MAX_BURST_BEATS depth = 65536
#pragma HLS INTERFACE mode = m_axi port = result bundle = gmem_result offset = slave depth = 9
#pragma HLS INTERFACE mode = s_axilite port = in0 bundle = control
#pragma HLS INTERFACE mode = s_axilite port = in1 bundle = control
#pragma HLS INTERFACE mode = s_axilite port = in2 bundle = control
#pragma HLS INTERFACE mode = s_axilite port = in3 bundle = control
#pragma HLS INTERFACE mode = s_axilite port = result bundle = control
#pragma HLS INTERFACE mode = s_axilite port = ports bundle = control
#pragma HLS INTERFACE mode = s_axilite port = burst_beats bundle = control
#pragma HLS INTERFACE mode = s_axilite port = bursts bundle = control
#pragma HLS INTERFACE mode = s_axilite port = stride_beats bundle = control
#pragma HLS INTERFACE mode = s_axilite port = outstanding bundle = control
#pragma HLS INTERFACE mode = s_axilite port = return bundle = control

    const uint64_t status = check(ports, burst_beats, stride_beats, outstanding);
    probe_beat x0 = 0, x1 = 0, x2 = 0, x3 = 0;
    if (status == PROBE_OK) {
        const uint32_t ahead = outstanding < bursts ? outstanding : bursts;
    prime:
        for (uint32_t b = 0; b < ahead; b++) {
#pragma HLS LOOP_TRIPCOUNT max = PROBE_MAX_OUTSTANDING
            request(in0, in1, in2, in3, ports, b, burst_beats, stride_beats);
        }
        const uint64_t total = (uint64_t)bursts * burst_beats;
        uint32_t beat = 0, done = 0;
    stream:
        for (uint64_t n = 0; n < total; n++) {
#pragma HLS PIPELINE II = 1
#pragma HLS LOOP_TRIPCOUNT max = 65536
            x0 ^= in0.read();
            if (ports > 1) x1 ^= in1.read();
            if (ports > 2) x2 ^= in2.read();
            if (ports > 3) x3 ^= in3.read();
            if (++beat == burst_beats) {
                beat = 0;
                // The finished burst frees a request slot: keep `ahead` in flight.
                if (done + ahead < bursts) request(in0, in1, in2, in3, ports, done + ahead, burst_beats, stride_beats);
                done++;
            }
        }
    }
    result[0] = status;
    const probe_beat x[PROBE_PORTS] = {x0, x1, x2, x3};
write_xor:
    for (int p = 0; p < PROBE_PORTS; p++) {
#pragma HLS PIPELINE II = 1
        result[1 + 2 * p] = x[p].to_uint64();
        result[2 + 2 * p] = (x[p] >> 64).to_uint64();
    }
}
