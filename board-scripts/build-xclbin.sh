#!/usr/bin/env bash
# Builds a KV260 firmware app (docs/board.md, "Building the firmware"): the NPU (default) or the bandwidth probe.
#   1. the kernel object from Vitis HLS if missing (NPU: hls-kernels/run_hls.tcl; probe: hls-kernels/probe/run_hls.tcl),
#      its C-synthesis report archived,
#   2. v++ --link against the k26_base_starter_kit platform (NPU: hls-kernels/link/kv260.cfg, 200 MHz; probe:
#      hls-kernels/probe/kv260.cfg at --clock-mhz),
#   3. the gates: the routed timing summary parsed (negative setup or hold slack fails the build: the kernel clock
#      is fixed, v++ does not scale it down), the utilization parsed (NPU: into results/kv260-utilization.csv),
#   4. the bitstream out of the xclbin, bootgen to <app>.bit.bin,
#   5. <app>.dtbo from board-scripts/npu-overlay.dtsi.in, its AFI widths from the design's hardware handoff, and
#      shell.json,
# into hls-kernels/build/firmware/<app>/, laid out as /lib/firmware/xilinx/<app>/ on the board wants it; the reports
# go to hls-kernels/build/reports/<app>/.
#
# Usage: board-scripts/build-xclbin.sh --platform PATH/k26_base_starter_kit.xpfm [--kernel npu|probe]
#          [--clock-mhz F] [--app NAME] [--jobs N]       (or PLATFORM=PATH in the environment)
#   --kernel probe   the bandwidth probe (hls-kernels/probe); its app is fpga-llm-probe-<F>mhz unless --app
#   --clock-mhz F    the probe's kernel clock (default 200); the NPU's is link/kv260.cfg's
# Needs Vitis 2023.2 (v++, vitis_hls, xclbinutil, bootgen) on the PATH, dtc (Debian/Ubuntu: device-tree-compiler)
# and python3. The platform: git clone -b xlnx_rel_v2023.2 https://github.com/Xilinx/kria-vitis-platforms &&
#   make -C kria-vitis-platforms/k26/platforms platform PLATFORM=k26_base_starter_kit
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
hls="$root/hls-kernels"
platform="${PLATFORM:-}"
app=fpga-llm
app_given=0
kernel=npu
clock_mhz=200
jobs=8

die() {
  echo "build-xclbin: $*" >&2
  exit 2
}

usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"
}

while [ $# -gt 0 ]; do
  case "$1" in
    --platform) [ $# -ge 2 ] || die "--platform needs a path"; platform="$2"; shift 2 ;;
    --app) [ $# -ge 2 ] || die "--app needs a name"; app="$2"; app_given=1; shift 2 ;;
    --kernel) [ $# -ge 2 ] || die "--kernel needs npu or probe"; kernel="$2"; shift 2 ;;
    --clock-mhz) [ $# -ge 2 ] || die "--clock-mhz needs a number"; clock_mhz="$2"; shift 2 ;;
    --jobs) [ $# -ge 2 ] || die "--jobs needs a number"; jobs="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done

case "$kernel" in
  npu)
    top=npu_top
    xo="$hls/build/npu_top.xo"
    hls_dir="$hls"
    csynth="$hls/build/npu_hls/kv260/syn/report"
    hls_args=(xo)
    link_args=(--config "$hls/link/kv260.cfg")
    clock_text="link/kv260.cfg's clock" ;;
  probe)
    [[ "$clock_mhz" =~ ^[0-9]+$ ]] || die "--clock-mhz must be a whole number of MHz"
    top=bw_probe
    xo="$hls/probe/build/bw_probe.xo"
    hls_dir="$hls/probe"
    csynth="$hls/probe/build/probe_hls/kv260/syn/report"
    # Small enough to synthesize every time, at the period of the clock asked for.
    hls_args=(xo "$(awk -v f="$clock_mhz" 'BEGIN { printf "%.3f", 1000 / f }')")
    link_args=(--config "$hls/probe/kv260.cfg" --clock.freqHz "${clock_mhz}000000:${top}_1")
    clock_text="$clock_mhz MHz"
    [ "$app_given" = 1 ] || app="fpga-llm-probe-${clock_mhz}mhz" ;;
  *) die "--kernel must be npu or probe, not '$kernel'" ;;
esac

for tool in v++ xclbinutil bootgen; do
  command -v "$tool" >/dev/null 2>&1 ||
    die "$tool is not on the PATH: source the Vitis 2023.2 settings first (e.g. source /tools/Xilinx/Vitis/2023.2/settings64.sh)"
done
command -v dtc >/dev/null 2>&1 || die "dtc is not on the PATH: install device-tree-compiler"
command -v python3 >/dev/null 2>&1 || die "python3 is not on the PATH (it reads the Vivado reports)"
[ -n "$platform" ] || die "no platform: pass --platform PATH/k26_base_starter_kit.xpfm (or set PLATFORM)"
[ -f "$platform" ] || die "platform file not found: $platform"
[[ "$app" =~ ^[A-Za-z0-9][A-Za-z0-9_-]*$ ]] || die "app name '$app' must be letters, digits, '-' or '_'"
[[ "$jobs" =~ ^[0-9]+$ ]] || die "--jobs must be a number"
reports_py="$root/board-scripts/vitis_reports.py"

[ "$kernel" = probe ] && rm -f "$xo"
if [ ! -f "$xo" ]; then
  command -v vitis_hls >/dev/null 2>&1 || die "vitis_hls is not on the PATH and $xo does not exist"
  echo "build-xclbin: synthesizing $top (vitis_hls -f run_hls.tcl -tclargs ${hls_args[*]})"
  (cd "$hls_dir" && vitis_hls -f run_hls.tcl -tclargs "${hls_args[@]}")
  [ -f "$xo" ] || die "vitis_hls did not produce $xo"
fi
[ -d "$csynth" ] || die "no C-synthesis report in $csynth: delete $xo and build again, so that vitis_hls writes one with it"

# Everything is built in a scratch directory and moved into place at the end: no half-written app.
out="$hls/build/firmware/$app"
work="$hls/build/firmware/.work-$app"
reports="$hls/build/reports/$app"
rm -rf "$work"
mkdir -p "$work/app" "$work/archive/csynth"
cp "$csynth"/* "$work/archive/csynth/"

echo "build-xclbin: linking $top (v++ -l, $clock_text)"
v++ -l -t hw --platform "$platform" "${link_args[@]}" --jobs "$jobs" \
  --temp_dir "$work/_x" --log_dir "$work/logs" --report_dir "$work/reports" \
  -o "$work/$app.xclbin" "$xo"

# The gates. Vivado writes <top>_timing_summary_routed.rpt (or ..._postroute_physopted.rpt after a post-route
# phys_opt) in the implementation run, Vitis copies the full-design utilization as *full_util_routed.rpt: the newest
# of each is the one of this link.
newest() { find "$work" -name "$1" -printf '%T@ %p\n' 2>/dev/null | sort -n | tail -n 1 | cut -d' ' -f2-; }
timing="$(newest '*timing_summary_postroute_physopted.rpt')"
[ -n "$timing" ] || timing="$(newest '*timing_summary_routed.rpt')"
[ -n "$timing" ] || die "no routed timing summary (*timing_summary_routed.rpt) under $work: cannot check timing"
cp "$timing" "$work/archive/"
python3 "$reports_py" timing "$timing" | tee "$work/archive/gates.txt" ||
  die "timing is not met at $clock_text: the xclbin would compute wrong results (reports in $work; lower the clock or shorten the failing paths)"
util="$(newest '*full_util_routed.rpt')"
[ -n "$util" ] || util="$(newest '*utilization_placed.rpt')"
[ -n "$util" ] || die "no utilization report (*full_util_routed.rpt or *utilization_placed.rpt) under $work"
cp "$util" "$work/archive/"
util_csv="$work/archive/utilization.csv"
python3 "$reports_py" utilization "$util" --out "$util_csv" --app "$app" --clock-mhz "$([ "$kernel" = probe ] && echo "$clock_mhz" || echo 200)" |
  tee -a "$work/archive/gates.txt" || die "cannot read the utilization report $util"

# The bitstream: the xclbin's BITSTREAM section, else the linker's intermediate system.bit.
if ! xclbinutil --input "$work/$app.xclbin" --dump-section "BITSTREAM:RAW:$work/$app.bit" --force >/dev/null 2>&1; then
  bit="$(find "$work/_x" -name system.bit -print -quit)"
  [ -n "$bit" ] || die "no bitstream in $work/$app.xclbin or under $work/_x"
  cp "$bit" "$work/$app.bit"
fi

printf 'all:\n{\n\t[destination_device = pl] %s\n}\n' "$work/$app.bit" > "$work/$app.bif"
bootgen -image "$work/$app.bif" -arch zynqmp -o "$work/app/$app.bit.bin" -w

# The AFI widths of the overlay: from the linked design's hardware handoff, else the platform's XSA.
handoff="$(find "$work/_x" -path '*hw_handoff*' -name '*.hwh' -printf '%s %p\n' 2>/dev/null | sort -n | tail -n 1 | cut -d' ' -f2-)"
[ -n "$handoff" ] || handoff="$(find "$(dirname "$platform")" -name '*.xsa' -print -quit)"
[ -n "$handoff" ] || die "no hardware handoff (.hwh under $work/_x, or the platform's .xsa) to take the AFI widths from"
config_afi="$(python3 "$reports_py" afi "$handoff")" || die "cannot read the PS port widths from $handoff"
echo "build-xclbin: config-afi from $handoff: $config_afi" | tee -a "$work/archive/gates.txt"
sed -e "s/@APP@/$app/g" -e "s/@CONFIG_AFI@/$config_afi/" "$root/board-scripts/npu-overlay.dtsi.in" > "$work/$app.dtsi"
dtc -@ -I dts -O dtb -o "$work/app/$app.dtbo" "$work/$app.dtsi"

cp "$work/$app.xclbin" "$work/app/$app.xclbin"
printf '{\n  "shell_type" : "XRT_FLAT",\n  "num_slots": "1"\n}\n' > "$work/app/shell.json"

rm -rf "$out" "$reports"
mkdir -p "$(dirname "$reports")"
mv "$work/app" "$out"
mv "$work/archive" "$reports"
if [ "$kernel" = npu ]; then
  mkdir -p "$root/results"
  cp "$reports/utilization.csv" "$root/results/kv260-utilization.csv"
fi
echo "build-xclbin: $out holds $app.bit.bin, $app.dtbo, $app.xclbin and shell.json; reports in $reports"
echo "  next: board-scripts/bundle.sh (carries hls-kernels/build/firmware/fpga-llm), then on the board:"
echo "  sudo mkdir -p /lib/firmware/xilinx/$app && sudo cp firmware/$app/* /lib/firmware/xilinx/$app/"
echo "  board-scripts/run-on-kria.sh --check   (the scratch files stay in $work)"
