# Vitis HLS 2023.2 flow for npu_top (docs/hardware.md): C simulation, C synthesis for a board's part at its kernel
# clock, C/RTL co-simulation, and export of the Vitis kernel object that ../board-scripts/build-xclbin.sh (KV260) or
# v++ with link/u250.cfg (Alveo U250, docs/board.md) links.
#
#   cd hls-kernels && vitis_hls -f run_hls.tcl                    every step, for the KV260
#   vitis_hls -f run_hls.tcl -tclargs csim                        only C simulation
#   vitis_hls -f run_hls.tcl -tclargs csynth                      C simulation and synthesis
#   vitis_hls -f run_hls.tcl -tclargs xo                          everything but co-simulation
#   vitis_hls -f run_hls.tcl -tclargs xo u250                     the same for the Alveo U250
#   vitis_hls -f run_hls.tcl -tclargs STEP BOARD PART PERIOD_NS   another part or clock (`make ... PART= CLOCK_PERIOD=`)
#
# The source is the same for every board; what a board changes are build parameters: the part, the clock period
# (the solution is named after the board: build/npu_hls/BOARD/), and the object's name (build/npu_top.xo for the
# KV260, build/npu_top_BOARD.xo otherwise). Every m_axi port moves the source's 128-bit beats on every board (the
# kernel's ap_uint<128> pointers; on the U250 that is a quarter of a DDR4 bank, docs/board.md).
#
# C simulation runs the whole testbench (as `make csim` does with g++); co-simulation runs the hand and status
# vectors only (tb_npu --hand), whose buffers fit the m_axi depth values in src/npu_top.cpp.

set here [file dirname [file normalize [info script]]]
set stop [expr {[llength $argv] > 0 ? [lindex $argv 0] : "all"}]
set board [expr {[llength $argv] > 1 ? [lindex $argv 1] : "kv260"}]
if {[lsearch -exact {csim csynth xo all} $stop] < 0} {
    puts "run_hls.tcl: unknown step '$stop' (csim, csynth, xo or all)"
    exit 2
}
# Per board: the part, and the period of the kernel clock its link configuration asks for.
#   kv260: the K26 SOM; 200 MHz, from link/kv260.cfg's [clock] freqHz (an MMCM from the platform's 100 MHz pl_clk0).
#   u250:  the Alveo U250's XCU250-2L; 300 MHz, link/u250.cfg's kernel_frequency (the platform's scalable clock 0).
array set parts {kv260 xck26-sfvc784-2LV-c u250 xcu250-figd2104-2L-e}
array set periods {kv260 5 u250 3.333}
if {[llength $argv] > 3} {
    set part [lindex $argv 2]
    set period [lindex $argv 3]
} elseif {[info exists parts($board)]} {
    set part $parts($board)
    set period $periods($board)
} else {
    puts "run_hls.tcl: unknown board '$board' (kv260 or u250, or give its part and clock period: STEP BOARD PART PERIOD_NS)"
    exit 2
}
set xo [expr {$board eq "kv260" ? "npu_top.xo" : "npu_top_$board.xo"}]

file mkdir $here/build
cd $here/build
open_project -reset npu_hls
set_top npu_top

# The kernel is C++14 for the HLS front end (g++ checks the same in `make`); the testbench may use C++17.
foreach f {npu_top.cpp program.cpp gemm_engine.cpp attention_engine.cpp layernorm_engine.cpp cost.cpp} {
    add_files $here/src/$f -cflags "-std=c++14"
}
foreach f [glob $here/tb/*.cpp] {
    add_files -tb $f -cflags "-std=c++17 -Wno-unknown-pragmas"
}

open_solution -reset $board -flow_target vitis
set_part $part
# Synthesis must meet the period of the clock the link gives the kernel (the link does not give it more time).
create_clock -period $period -name default
# 128-bit beats on every m_axi port (the KV260's PS HP/HPC port width, and the source's beat type on every board);
# isa.md guarantees 16-byte alignment of every buffer offset and stride, and XRT buffers are page aligned.
config_interface -m_axi_max_widen_bitwidth 128 -m_axi_alignment_byte_size 16

csim_design
if {$stop eq "csim"} { exit }

csynth_design
if {$stop eq "csynth"} { exit }

if {$stop eq "all"} {
    cosim_design -argv "--hand" -trace_level none
}

export_design -format xo -output $here/build/$xo
exit
