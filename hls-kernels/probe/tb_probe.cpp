// C-simulation testbench of bw_probe (make -C hls-kernels/probe csim): for a grid of ports, burst lengths, strides
// and requests in flight, the XOR of each port must be that of exactly the beats the launch was asked to read, every
// request must be consumed, and no more than `outstanding` may be in flight (the stand-in adapter checks 4 KB
// boundaries and burst lengths too); bad arguments give their status and read nothing. Exit 1 on the first mismatch.
#include <stdint.h>
#include <stdio.h>

#include <vector>

#include "bw_probe.h"

namespace {

const uint32_t BUFFER_BEATS = 16384;  // 256 KB per port, 4 KB aligned

// A beat's content: distinct per port and index, so a wrong address or a missed beat changes the XOR.
probe_beat pattern(uint32_t port, uint32_t i) {
    uint64_t z = ((uint64_t)port << 32 | i) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 31)) * 0xBF58476D1CE4E5B9ull;
    return (probe_beat(z ^ (z >> 29)) << 64) | probe_beat(z * 0x94D049BB133111EBull);
}

struct Ports {
    std::vector<probe_beat> data[PROBE_PORTS];
    Ports() {
        for (uint32_t p = 0; p < PROBE_PORTS; p++) {
            // over-allocate and align the view to 4 KB, as XRT's page-aligned buffers are
            data[p].resize(BUFFER_BEATS + 256);
        }
    }
    probe_beat *base(uint32_t p) {
        uintptr_t a = (uintptr_t)data[p].data();
        probe_beat *aligned = (probe_beat *)((a + 4095) & ~(uintptr_t)4095);
        return aligned;
    }
    void fill() {
        for (uint32_t p = 0; p < PROBE_PORTS; p++)
            for (uint32_t i = 0; i < BUFFER_BEATS; i++) base(p)[i] = pattern(p, i);
    }
};

struct Case {
    uint32_t ports, burst_beats, bursts, stride_beats, outstanding;
};

int failures = 0;

void expect(bool ok, const Case &c, const char *what) {
    if (ok) return;
    failures++;
    printf("FAIL ports %u burst %u bursts %u stride %u outstanding %u: %s\n", c.ports, c.burst_beats, c.bursts,
           c.stride_beats, c.outstanding, what);
}

void run(Ports &mem, const Case &c, uint64_t want_status) {
    hls::burst_maxi<probe_beat> in[PROBE_PORTS] = {mem.base(0), mem.base(1), mem.base(2), mem.base(3)};
#ifdef FPGA_LLM_CSIM_STANDINS
    hls::burst_maxi<probe_beat>::limit() = c.outstanding;
#endif
    uint64_t result[PROBE_RESULT_WORDS];
    for (int w = 0; w < PROBE_RESULT_WORDS; w++) result[w] = 0xDEADBEEFull;
    bw_probe(in[0], in[1], in[2], in[3], result, c.ports, c.burst_beats, c.bursts, c.stride_beats, c.outstanding);
    expect(result[0] == want_status, c, "status");
    for (uint32_t p = 0; p < PROBE_PORTS; p++) {
        probe_beat want = 0;
        if (want_status == PROBE_OK && p < c.ports)
            for (uint32_t b = 0; b < c.bursts; b++)
                for (uint32_t i = 0; i < c.burst_beats; i++) want ^= pattern(p, b * c.stride_beats + i);
        expect(result[1 + 2 * p] == want.to_uint64() && result[2 + 2 * p] == (want >> 64).to_uint64(), c,
               "XOR of the beats read");
#ifdef FPGA_LLM_CSIM_STANDINS
        expect(in[p].requests_in_flight() == 0, c, "every request consumed");
        expect(in[p].max_in_flight() <= c.outstanding, c, "requests in flight <= outstanding");
        if (want_status == PROBE_OK && p < c.ports && c.bursts >= c.outstanding)
            expect(in[p].max_in_flight() == c.outstanding, c, "keeps `outstanding` requests in flight");
        if (p >= c.ports || want_status != PROBE_OK) expect(in[p].max_in_flight() == 0, c, "inactive ports read nothing");
#endif
    }
}

}  // namespace

int main() {
    Ports mem;
    mem.fill();
    int cases = 0;
    const uint32_t bursts_of[] = {1, 16, 64};
    for (uint32_t ports = 1; ports <= PROBE_PORTS; ports++)
        for (uint32_t burst = 1; burst <= PROBE_MAX_BURST_BEATS; burst *= 4)
            for (uint32_t outstanding : {1u, 4u, (uint32_t)PROBE_MAX_OUTSTANDING})
                for (uint32_t bursts : bursts_of)
                    for (uint32_t gap : {1u, 2u}) {
                        const Case c = {ports, burst, bursts, burst * gap, outstanding};
                        if ((uint64_t)bursts * c.stride_beats > BUFFER_BEATS) continue;
                        run(mem, c, PROBE_OK);
                        cases++;
                    }
    // The empty launch the host times for its overhead, and the longest legal burst.
    run(mem, {4, 16, 0, 16, 8}, PROBE_OK);
    run(mem, {2, 256, 8, 256, 2}, PROBE_OK);
    // Bad arguments: a status, nothing read.
    run(mem, {0, 16, 4, 16, 4}, PROBE_BAD_PORTS);
    run(mem, {5, 16, 4, 16, 4}, PROBE_BAD_PORTS);
    run(mem, {1, 0, 4, 16, 4}, PROBE_BAD_BURST);
    run(mem, {1, 24, 4, 24, 4}, PROBE_BAD_BURST);
    run(mem, {1, 512, 4, 512, 4}, PROBE_BAD_BURST);
    run(mem, {1, 16, 4, 24, 4}, PROBE_BAD_STRIDE);
    run(mem, {1, 16, 4, 8, 4}, PROBE_BAD_STRIDE);
    run(mem, {1, 16, 4, 16, 0}, PROBE_BAD_OUTSTANDING);
    run(mem, {1, 16, 4, 16, PROBE_MAX_OUTSTANDING + 1}, PROBE_BAD_OUTSTANDING);
    cases += 11;
    if (failures) {
        printf("bw_probe csim: %d of %d cases FAILED\n", failures, cases);
        return 1;
    }
    printf("bw_probe csim: %d cases passed (ports 1-%d, bursts 1-%d beats, up to %d requests in flight)\n", cases,
           PROBE_PORTS, PROBE_MAX_BURST_BEATS, PROBE_MAX_OUTSTANDING);
    return 0;
}
