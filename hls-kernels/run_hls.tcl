# Vitis HLS 2023.2 flow for npu_top (docs/hardware.md): C simulation, C synthesis at 200 MHz for the K26 SOM
# (xck26-sfvc784-2LV-c), C/RTL co-simulation, and export of the Vitis kernel object build/npu_top.xo that
# ../board-scripts/build-xclbin.sh links.
#
#   cd hls-kernels && vitis_hls -f run_hls.tcl                    every step
#   vitis_hls -f run_hls.tcl -tclargs csim                        only C simulation
#   vitis_hls -f run_hls.tcl -tclargs csynth                      C simulation and synthesis
#   vitis_hls -f run_hls.tcl -tclargs xo                          everything but co-simulation
#
# C simulation runs the whole testbench (as `make csim` does with g++); co-simulation runs the hand and status
# vectors only (tb_npu --hand), whose buffers fit the m_axi depth values in src/npu_top.cpp.

set here [file dirname [file normalize [info script]]]
set stop [expr {[llength $argv] > 0 ? [lindex $argv 0] : "all"}]
if {[lsearch -exact {csim csynth xo all} $stop] < 0} {
    puts "run_hls.tcl: unknown step '$stop' (csim, csynth, xo or all)"
    exit 2
}

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

open_solution -reset kv260 -flow_target vitis
set_part xck26-sfvc784-2LV-c
# 200 MHz. The K26 base platform's own PL clock is 100 MHz; the 200 MHz kernel clock comes from the link
# (link/kv260.cfg, [clock] freqHz), so synthesis must meet 5 ns here.
create_clock -period 5 -name default
# 128-bit beats on every m_axi port (the PS HP/HPC port width); isa.md guarantees 16-byte alignment of every
# buffer offset and stride, and XRT buffers are page aligned.
config_interface -m_axi_max_widen_bitwidth 128 -m_axi_alignment_byte_size 16

csim_design
if {$stop eq "csim"} { exit }

csynth_design
if {$stop eq "csynth"} { exit }

if {$stop eq "all"} {
    cosim_design -argv "--hand" -trace_level none
}

export_design -format xo -output $here/build/npu_top.xo
exit
