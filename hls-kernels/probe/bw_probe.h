// bw_probe: the PS-DDR bandwidth probe of docs/board.md ("Bandwidth probe"). One launch reads `bursts` bursts of
// `burst_beats` 128-bit beats from each of the first `ports` of its four m_axi ports, keeping up to `outstanding`
// read requests in flight per port, and writes a status word and the XOR of every beat read per port (so the host
// knows the data really came from memory). The host times launches; bytes per cycle follow from the kernel clock.
#ifndef BW_PROBE_H
#define BW_PROBE_H

#include <stdint.h>

#include "ap_int.h"
#include "hls_burst_maxi.h"

typedef ap_uint<128> probe_beat;

// Build parameters: the m_axi adapter's read-request queue and burst limit (synthesis options, not runtime).
#ifndef PROBE_MAX_OUTSTANDING
#define PROBE_MAX_OUTSTANDING 32
#endif
#define PROBE_PORTS 4
#define PROBE_BEAT_BYTES 16
// AXI4: at most 256 beats and never across a 4 KB boundary; 256 x 16 B = 4 KB exactly.
#define PROBE_MAX_BURST_BEATS 256

// result[0]: one of these; result[1 + 2p], result[2 + 2p]: low and high 64 bits of port p's XOR.
enum ProbeStatus : uint64_t {
    PROBE_OK = 0,
    PROBE_BAD_PORTS = 1,        // ports not in 1..PROBE_PORTS
    PROBE_BAD_BURST = 2,        // burst_beats not a power of two in 1..PROBE_MAX_BURST_BEATS
    PROBE_BAD_STRIDE = 3,       // stride_beats not a multiple of burst_beats (a burst would cross 4 KB)
    PROBE_BAD_OUTSTANDING = 4,  // outstanding not in 1..PROBE_MAX_OUTSTANDING
};
#define PROBE_RESULT_WORDS (1 + 2 * PROBE_PORTS)

extern "C" void bw_probe(hls::burst_maxi<probe_beat> in0, hls::burst_maxi<probe_beat> in1,
                         hls::burst_maxi<probe_beat> in2, hls::burst_maxi<probe_beat> in3, uint64_t *result,
                         uint32_t ports, uint32_t burst_beats, uint32_t bursts, uint32_t stride_beats,
                         uint32_t outstanding);

#endif
