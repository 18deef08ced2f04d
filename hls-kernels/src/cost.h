// The modelled schedule of the kernel, counted as C-simulation runs it (docs/hardware.md, "Cycle model").
//
// Every pipelined loop declares its modelled cost on the line before it: NPU_LOOP(label, II, depth, kind, port),
// with the loop's C label as its name, and counts its trips with NPU_TRIP(label) in its body. The modelled
// cycles of one execution of a loop with T trips are
//   COMPUTE       depth + (T - 1) II
//   BURST_READ    L + depth + (T - 1) max(II, 1 / rate)       an inferred burst: its first beat after one AXI latency
//   BURST_WRITE   depth + (T - 1) max(II, 1 / rate) + L       the write response after the last beat
//   STREAM_READ   depth + max((T - 1) max(II, 1 / rate), L)  a manual burst (hls::burst_maxi) requested while the
//                                                            previous one is read: it hides L unless it is shorter
//   STREAM_WRITE  depth + (T - 1) max(II, 1 / rate)           manual write beats, responses collected later
// (a process that reads manual bursts waits one L for the first, NPU_WAIT_AXI)
// where L is the AXI latency and rate = min(port efficiency, outstanding x burst beats / (L + burst beats)) the
// beats per cycle a port sustains with its declared outstanding requests and burst length (npu_top.cpp's
// INTERFACE pragmas). L and the efficiencies (the four weight ports', every other port's) are the corner being
// counted (npu_csim_timing_corner[_ports]; the defaults are the KV260 corners of the Java BoardModel). A function called inside a DATAFLOW region declares itself a
// process with NPU_PROCESS(name, stage); its loops add to its own clock, and the region (NPU_REGION) costs
//   max over processes P of [ T(P) + sum over later stages s of tail(s) ]
// (the slowest process, then the drain of the stages after it: each stage's tail is what its process still does
// after its last input, declared by the tail marks of its loops, see Tail), and never less than
// the region's bytes over the DDR's sustained bytes per cycle. Loops outside a region add to the instruction.
//
// Under synthesis (__SYNTHESIS__) every macro here expands to nothing: the instrumentation is C-simulation only.
#ifndef NPU_COST_H
#define NPU_COST_H

#include <stdint.h>

namespace npu {
namespace cost {

enum Kind { COMPUTE, BURST_READ, BURST_WRITE, STREAM_READ, STREAM_WRITE, FIXED };
// What a loop contributes to its process's tail: TAIL_LOOP and TAIL_DEPTH start it (the loop's cycles, or only its
// pipeline depth: the loop's last iteration leaves it that long after its last input), TAIL_ADD adds to it.
enum Tail { NO_TAIL, TAIL_LOOP, TAIL_DEPTH, TAIL_ADD };
// The m_axi bundles (npu_top.cpp), by the width and burst settings their pragmas declare.
enum Port { P_NONE, P_PROGRAM, P_WEIGHTS, P_PARAMS, P_ACT, P_KV, P_LOGITS, P_STATUS, PORT_COUNT };

struct LoopSpec {
    const char *label;
    uint32_t ii, depth;
    Kind kind;
    Port port;
    Tail tail;
};

#ifndef __SYNTHESIS__

// One execution of a loop: counts trips, charges its cycles (and bytes) to the current process or instruction.
class Loop {
    const LoopSpec &spec_;
    uint64_t trips_;

public:
    explicit Loop(const LoopSpec &spec);
    ~Loop();
    void trip() { trips_++; }
};

// A process of a DATAFLOW region (one function call inside it), from its first statement to its return.
class Process {
public:
    Process(const char *name, int stage);
    ~Process();
};

// A DATAFLOW region: the function whose body is the process calls.
class Region {
public:
    explicit Region(const char *name);
    ~Region();
};

// Charges a fixed number of cycles (a step that is not a loop, e.g. decoding an instruction word).
void fixed(const LoopSpec &spec);
// Charges one AXI latency (the first data of a manual burst, the last write response of a process).
void wait_axi();

// The sequencer's view (npu_top.cpp): what the cycles counted from now on belong to.
void begin_launch();
void begin_instruction();
void end_instruction();
void end_launch();

#define NPU_LOOP(name, ii, depth, kind, port) NPU_LOOP_TAIL(name, ii, depth, kind, port, NO_TAIL)
#define NPU_LOOP_TAIL(name, ii, depth, kind, port, tail)                                                          \
    static const ::npu::cost::LoopSpec name##_spec = {#name, ii, depth, ::npu::cost::kind, ::npu::cost::port,     \
                                                      ::npu::cost::tail};                                         \
    ::npu::cost::Loop name##_cost(name##_spec)
#define NPU_TRIP(name) name##_cost.trip()
#define NPU_FIXED(name, cycles)                                                                                   \
    do {                                                                                                          \
        static const ::npu::cost::LoopSpec name##_spec = {#name, 0, cycles, ::npu::cost::FIXED,                   \
                                                          ::npu::cost::P_NONE, ::npu::cost::NO_TAIL};             \
        ::npu::cost::fixed(name##_spec);                                                                          \
    } while (0)
#define NPU_PROCESS(name, stage) ::npu::cost::Process npu_process_(#name, stage)
#define NPU_REGION(name) ::npu::cost::Region npu_region_(#name)
#define NPU_WAIT_AXI() ::npu::cost::wait_axi()
#define NPU_COUNT(call) ::npu::cost::call

}  // namespace cost
}  // namespace npu

// The C interface of libnpu_csim.so (cost.cpp has the details).
extern "C" {
int npu_csim_timing_corner(double latency, double efficiency, double ddr_bytes_per_cycle);
int npu_csim_timing_corner_ports(double latency, double efficiency, double weight_efficiency, double ddr_bytes_per_cycle);
void npu_csim_timing_default(int pessimistic, double out[3]);
int npu_csim_timing_board_default(const char *board, int pessimistic, double out[3]);
uint32_t npu_csim_timing_instructions(void);
double npu_csim_timing_instruction_cycles(uint32_t i);
double npu_csim_timing_launch_cycles(void);
const char *npu_csim_loop_table(void);
const char *npu_csim_port_table(void);
}

namespace npu {
namespace cost {

#else

#define NPU_LOOP(name, ii, depth, kind, port)
#define NPU_LOOP_TAIL(name, ii, depth, kind, port, tail)
#define NPU_TRIP(name)
#define NPU_FIXED(name, cycles)
#define NPU_PROCESS(name, stage)
#define NPU_REGION(name)
#define NPU_WAIT_AXI()
#define NPU_COUNT(call)

#endif

}  // namespace cost
}  // namespace npu

#endif
