# Vitis HLS 2023.2 flow of the bandwidth probe bw_probe (docs/board.md, "Bandwidth probe"): C simulation with AMD's
# own ap_int.h and hls_burst_maxi.h (the csim/ stand-ins are for g++ only), C synthesis for the K26 SOM, export of
# build/bw_probe.xo for ../../board-scripts/build-xclbin.sh --kernel probe.
#
#   cd hls-kernels/probe && vitis_hls -f run_hls.tcl [-tclargs csim|csynth|xo [PERIOD_NS [MAX_OUTSTANDING]]]
#
# PERIOD_NS (default 5, 200 MHz) must be at most the period of the clock the link asks for (--clock-mhz);
# MAX_OUTSTANDING (default 32) sizes each port's read-request queue, the limit of the runtime `outstanding`.

set here [file dirname [file normalize [info script]]]
set stop [expr {[llength $argv] > 0 ? [lindex $argv 0] : "xo"}]
set period [expr {[llength $argv] > 1 ? [lindex $argv 1] : 5}]
set outstanding [expr {[llength $argv] > 2 ? [lindex $argv 2] : 32}]
if {[lsearch -exact {csim csynth xo} $stop] < 0} {
    puts "run_hls.tcl: unknown step '$stop' (csim, csynth or xo)"
    exit 2
}

file mkdir $here/build
cd $here/build
open_project -reset probe_hls
set_top bw_probe
add_files $here/bw_probe.cpp -cflags "-std=c++14 -DPROBE_MAX_OUTSTANDING=$outstanding"
add_files -tb $here/tb_probe.cpp -cflags "-std=c++14 -DPROBE_MAX_OUTSTANDING=$outstanding -Wno-unknown-pragmas"

open_solution -reset kv260 -flow_target vitis
set_part xck26-sfvc784-2LV-c
create_clock -period $period -name default

csim_design
if {$stop eq "csim"} { exit }

csynth_design
if {$stop eq "csynth"} { exit }

export_design -format xo -output $here/build/bw_probe.xo
exit
