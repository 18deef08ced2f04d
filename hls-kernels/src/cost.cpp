// C-simulation bookkeeping of the modelled schedule (cost.h), and its C interface in libnpu_csim.so: the Java
// tests set a corner, run a launch, and read the cycles of every instruction and the table of loops.
// Compiled to nothing under synthesis.
#include "cost.h"

#ifndef __SYNTHESIS__

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <string>
#include <vector>

#ifdef NPU_STANDIN_HEADERS
#include <hls_burst_maxi.h>
#endif

namespace npu {
namespace cost {

namespace {

// Per m_axi bundle: bytes per beat, and the outstanding requests and burst beats its INTERFACE pragma declares
// (npu_top.cpp; hls-kernels/csynth/compare.py checks the pragmas against this table).
struct PortSpec {
    const char *bundle;
    uint32_t beat_bytes, outstanding, burst_beats;
};
const PortSpec PORTS[PORT_COUNT] = {
    {"none", 0, 0, 0},        {"gmem_program", 16, 16, 16}, {"gmem_w", 16, 16, 16},      {"gmem_params", 4, 16, 64},
    {"gmem_act", 16, 16, 16}, {"gmem_kv", 16, 16, 16},      {"gmem_logits", 16, 16, 16}, {"gmem_status", 16, 16, 16},
};

// The corner being counted. The defaults are BoardModel.kv260()'s optimistic corner (the Java test checks that
// they agree): 64-cycle AXI latency, ports 100 % busy, DDR4-2400 x 64 bit = 96 bytes per 200 MHz cycle. The four
// weight ports may have an efficiency of their own (a bandwidth probe measures them streaming together: the
// Java BoardModel's calibrated corners); the built-in corners give every port the same.
struct Corner {
    double latency, efficiency, weight_efficiency, ddr_bytes_per_cycle;
};
const Corner OPTIMISTIC = {64, 1.0, 1.0, 96};
const Corner PESSIMISTIC = {80, 0.75, 0.75, 72};
// BoardModel.u250()'s: the same kernel at 300 MHz on four DDR4-2400 x 64 bit banks (4 x 19.2 GB/s = 256 bytes per
// cycle), a longer round trip at the pessimistic end.
const Corner U250_OPTIMISTIC = {64, 1.0, 1.0, 256};
const Corner U250_PESSIMISTIC = {120, 0.75, 0.75, 192};

struct ProcessClock {
    const char *name;
    int stage;
    double cycles, tail;
};

struct RegionClock {
    std::vector<ProcessClock> processes;
    double bytes;
};

// A loop that has run: its declaration and the fewest and most trips one execution had.
struct Seen {
    const LoopSpec *spec;
    uint64_t min_trips, max_trips;
};

struct State {
    Corner corner = OPTIMISTIC;
    std::vector<Seen> table;  // every loop that ran, in order of first execution
    std::vector<double> instructions;     // cycles of each executed instruction of the last launch
    double instruction = 0, launch = 0;
    bool in_instruction = false;
    RegionClock *region = nullptr;
    int process = -1;  // index into region->processes
};

State &state() {
    static thread_local State s;  // one launch at a time per thread
    return s;
}

double rate(Port p) {
    const Corner &c = state().corner;
    const PortSpec &s = PORTS[p];
    const double sustained = s.outstanding * (double)s.burst_beats / (c.latency + s.burst_beats);
    const double efficiency = p == P_WEIGHTS ? c.weight_efficiency : c.efficiency;
    return efficiency < sustained ? efficiency : sustained;
}

ProcessClock *current_process() {
    State &s = state();
    return s.process < 0 ? nullptr : &s.region->processes[s.process];
}

void charge(double cycles, double bytes) {
    State &s = state();
    if (ProcessClock *p = current_process()) {
        p->cycles += cycles;
    } else if (s.in_instruction) {
        s.instruction += cycles;
    } else {
        s.launch += cycles;
    }
    if (s.region != nullptr) s.region->bytes += bytes;
}

// Records an execution of a loop with `trips` trips (0: declared, counted when it runs).
void remember(const LoopSpec &spec, uint64_t trips) {
    State &s = state();
cost_remember_seen:
    for (Seen &t : s.table) {
        // by label: a loop of an inline primitive (int_ops.h) has one declaration per file that uses it
        if (t.spec != &spec && strcmp(t.spec->label, spec.label) != 0) continue;
        if (trips > 0 && (t.min_trips == 0 || trips < t.min_trips)) t.min_trips = trips;
        if (trips > t.max_trips) t.max_trips = trips;
        return;
    }
    s.table.push_back({&spec, trips, trips});
}

}  // namespace

Loop::Loop(const LoopSpec &spec) : spec_(spec), trips_(0) {
}

Loop::~Loop() {
    if (trips_ == 0) return;
    remember(spec_, trips_);
    const double n = (double)trips_ - 1, ii = spec_.ii, L = state().corner.latency;
    double cycles = spec_.depth + n * ii, bytes = 0;
    if (spec_.kind != COMPUTE) {
        const double per_beat = 1 / rate(spec_.port);
        const double beats = n * (ii > per_beat ? ii : per_beat);
        if (spec_.kind == BURST_READ || spec_.kind == BURST_WRITE)
            cycles = spec_.depth + beats + L;
        else if (spec_.kind == STREAM_READ)
            cycles = spec_.depth + (beats > L ? beats : L);  // requested one burst ahead: a short one waits for L
        else
            cycles = spec_.depth + beats;
        bytes = (double)trips_ * PORTS[spec_.port].beat_bytes;
    }
    charge(cycles, bytes);
    ProcessClock *p = current_process();
    if (p != nullptr && spec_.tail == TAIL_LOOP) p->tail = cycles;
    if (p != nullptr && spec_.tail == TAIL_DEPTH) p->tail = spec_.depth;
    if (p != nullptr && spec_.tail == TAIL_ADD) p->tail += cycles;
}

Process::Process(const char *name, int stage) {
    State &s = state();
    if (s.region == nullptr || s.process >= 0) {
        fprintf(stderr, "cost: process %s outside a region or inside another process\n", name);
        __builtin_trap();
    }
    s.region->processes.push_back({name, stage, 0, 0});
    s.process = (int)s.region->processes.size() - 1;
}

Process::~Process() {
    state().process = -1;
}

Region::Region(const char *name) {
    State &s = state();
    if (s.region != nullptr) {
        fprintf(stderr, "cost: region %s inside another region\n", name);
        __builtin_trap();
    }
    s.region = new RegionClock();
    s.region->bytes = 0;
}

Region::~Region() {
    State &s = state();
    RegionClock *r = s.region;
    s.region = nullptr;
    double cycles = 0;
cost_region_processes:
    for (const ProcessClock &p : r->processes) {
        double t = p.cycles;
    cost_region_later_stages:
        for (int stage = p.stage + 1; stage < 16; stage++) {
            double tail = 0;
        cost_region_stage_tail:
            for (const ProcessClock &q : r->processes)
                if (q.stage == stage && q.tail > tail) tail = q.tail;
            t += tail;
        }
        if (t > cycles) cycles = t;
    }
    const double ddr = r->bytes / s.corner.ddr_bytes_per_cycle;
    delete r;
    charge(cycles > ddr ? cycles : ddr, 0);
}

void fixed(const LoopSpec &spec) {
    remember(spec, 1);
    charge(spec.depth, 0);
}

void wait_axi() {
    charge(state().corner.latency, 0);
}

void begin_launch() {
    State &s = state();
    s.instructions.clear();
    s.launch = 0;
    s.in_instruction = false;
}

void begin_instruction() {
    state().instruction = 0;
    state().in_instruction = true;
}

void end_instruction() {
    State &s = state();
    s.instructions.push_back(s.instruction);
    s.in_instruction = false;
#ifdef NPU_STANDIN_HEADERS
    hls::standin::check_ports_idle();
#endif
}

void end_launch() {
}

}  // namespace cost
}  // namespace npu

using namespace npu::cost;

// The C interface (exported from libnpu_csim.so next to npu_top).
extern "C" {

// Sets the corner the next launches are counted in: AXI latency in cycles, the efficiency (0, 1] of the weight
// ports and of every other port, sustained DDR bytes per kernel cycle. Returns 0, or -1 (and keeps the corner)
// for values out of range.
int npu_csim_timing_corner_ports(double latency, double efficiency, double weight_efficiency,
                                 double ddr_bytes_per_cycle) {
    if (!(latency >= 0) || !(efficiency > 0 && efficiency <= 1) || !(weight_efficiency > 0 && weight_efficiency <= 1) ||
        !(ddr_bytes_per_cycle > 0))
        return -1;
    state().corner = {latency, efficiency, weight_efficiency, ddr_bytes_per_cycle};
    return 0;
}

// The same with one efficiency for every port.
int npu_csim_timing_corner(double latency, double efficiency, double ddr_bytes_per_cycle) {
    return npu_csim_timing_corner_ports(latency, efficiency, efficiency, ddr_bytes_per_cycle);
}

// The built-in corners of a board ("kv260" or "u250"; 0 optimistic, 1 pessimistic) that `tb_npu --timing`
// counts: {latency, efficiency, DDR bytes per cycle}. Returns 0, or -1 for an unknown board.
int npu_csim_timing_board_default(const char *board, int pessimistic, double out[3]) {
    const Corner *c;
    if (strcmp(board, "kv260") == 0)
        c = pessimistic ? &PESSIMISTIC : &OPTIMISTIC;
    else if (strcmp(board, "u250") == 0)
        c = pessimistic ? &U250_PESSIMISTIC : &U250_OPTIMISTIC;
    else
        return -1;
    out[0] = c->latency, out[1] = c->efficiency, out[2] = c->ddr_bytes_per_cycle;
    return 0;
}

// The KV260's.
void npu_csim_timing_default(int pessimistic, double out[3]) {
    npu_csim_timing_board_default("kv260", pessimistic, out);
}

// Instructions executed by the last launch, and the modelled cycles of each.
uint32_t npu_csim_timing_instructions(void) {
    return (uint32_t)state().instructions.size();
}
double npu_csim_timing_instruction_cycles(uint32_t i) {
    return i < state().instructions.size() ? state().instructions[i] : NAN;
}
// The last launch's cycles outside its instructions: header, program fetch, status words.
double npu_csim_timing_launch_cycles(void) {
    return state().launch;
}

// Every loop that has run in this thread, one per line: label, kind, port, II, depth, tail, and the fewest and most
// trips one execution had.
const char *npu_csim_loop_table(void) {
    static thread_local std::string text;
    static const char *const KINDS[] = {"compute", "burst_read", "burst_write", "stream_read", "stream_write", "fixed"};
    static const char *const TAILS[] = {"none", "loop", "depth", "add"};
    text.clear();
cost_loop_table:
    for (const Seen &t : state().table) {
        const LoopSpec *l = t.spec;
        char line[256];
        snprintf(line, sizeof line, "%s\t%s\t%s\t%u\t%u\t%s\t%llu\t%llu\n", l->label, KINDS[l->kind],
                 PORTS[l->port].bundle, l->ii, l->depth, TAILS[l->tail], (unsigned long long)t.min_trips,
                 (unsigned long long)t.max_trips);
        text += line;
    }
    return text.c_str();
}

// The port table: bundle, bytes per beat, outstanding requests, burst beats; one per line.
const char *npu_csim_port_table(void) {
    static thread_local std::string text;
    text.clear();
cost_port_table:
    for (int p = 1; p < PORT_COUNT; p++) {
        char line[128];
        snprintf(line, sizeof line, "%s\t%u\t%u\t%u\n", PORTS[p].bundle, PORTS[p].beat_bytes, PORTS[p].outstanding,
                 PORTS[p].burst_beats);
        text += line;
    }
    return text.c_str();
}

}  // extern "C"

#endif
