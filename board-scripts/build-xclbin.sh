#!/usr/bin/env bash
# Builds the KV260 firmware app of the NPU kernel (docs/hardware.md, "Board flow"):
#   1. hls-kernels/build/npu_top.xo from Vitis HLS (run_hls.tcl; run here if missing),
#   2. v++ --link against the k26_base_starter_kit platform with hls-kernels/link/kv260.cfg (ports, 200 MHz),
#   3. the bitstream out of the xclbin, bootgen to <app>.bit.bin,
#   4. <app>.dtbo from board-scripts/npu-overlay.dtsi.in, and shell.json,
# into hls-kernels/build/firmware/<app>/, laid out as /lib/firmware/xilinx/<app>/ on the board wants it.
#
# Usage: board-scripts/build-xclbin.sh --platform PATH/k26_base_starter_kit.xpfm [--app NAME] [--jobs N]
#   (or PLATFORM=PATH in the environment). Needs Vitis 2023.2 (v++, vitis_hls, xclbinutil, bootgen) on the PATH
#   and dtc (Debian/Ubuntu: device-tree-compiler).
# The platform: git clone -b xlnx_rel_v2023.2 https://github.com/Xilinx/kria-vitis-platforms &&
#   make -C kria-vitis-platforms/k26/platforms platform PLATFORM=k26_base_starter_kit
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
hls="$root/hls-kernels"
platform="${PLATFORM:-}"
app=fpga-llm
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
    --app) [ $# -ge 2 ] || die "--app needs a name"; app="$2"; shift 2 ;;
    --jobs) [ $# -ge 2 ] || die "--jobs needs a number"; jobs="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done

for tool in v++ xclbinutil bootgen; do
  command -v "$tool" >/dev/null 2>&1 ||
    die "$tool is not on the PATH: source the Vitis 2023.2 settings first (e.g. source /tools/Xilinx/Vitis/2023.2/settings64.sh)"
done
command -v dtc >/dev/null 2>&1 || die "dtc is not on the PATH: install device-tree-compiler"
[ -n "$platform" ] || die "no platform: pass --platform PATH/k26_base_starter_kit.xpfm (or set PLATFORM)"
[ -f "$platform" ] || die "platform file not found: $platform"
[[ "$app" =~ ^[A-Za-z0-9][A-Za-z0-9_-]*$ ]] || die "app name '$app' must be letters, digits, '-' or '_'"
[[ "$jobs" =~ ^[0-9]+$ ]] || die "--jobs must be a number"

xo="$hls/build/npu_top.xo"
if [ ! -f "$xo" ]; then
  command -v vitis_hls >/dev/null 2>&1 || die "vitis_hls is not on the PATH and $xo does not exist"
  echo "build-xclbin: synthesizing the kernel (vitis_hls -f run_hls.tcl -tclargs xo)"
  (cd "$hls" && vitis_hls -f run_hls.tcl -tclargs xo)
  [ -f "$xo" ] || die "vitis_hls did not produce $xo"
fi

# Everything is built in a scratch directory and moved into place at the end: no half-written app.
out="$hls/build/firmware/$app"
work="$hls/build/firmware/.work-$app"
rm -rf "$work"
mkdir -p "$work/app"

echo "build-xclbin: linking (v++ -l, 200 MHz, ports per link/kv260.cfg)"
v++ -l -t hw --platform "$platform" --config "$hls/link/kv260.cfg" --jobs "$jobs" \
  --temp_dir "$work/_x" --log_dir "$work/logs" --report_dir "$work/reports" \
  -o "$work/$app.xclbin" "$xo"

# The full bitstream: the xclbin's BITSTREAM section, else the linker's intermediate system.bit.
if ! xclbinutil --input "$work/$app.xclbin" --dump-section "BITSTREAM:RAW:$work/$app.bit" --force >/dev/null 2>&1; then
  bit="$(find "$work/_x" -name system.bit -print -quit)"
  [ -n "$bit" ] || die "no bitstream in $work/$app.xclbin or under $work/_x"
  cp "$bit" "$work/$app.bit"
fi

printf 'all:\n{\n\t[destination_device = pl] %s\n}\n' "$work/$app.bit" > "$work/$app.bif"
bootgen -image "$work/$app.bif" -arch zynqmp -o "$work/app/$app.bit.bin" -w

sed "s/@APP@/$app/g" "$root/board-scripts/npu-overlay.dtsi.in" > "$work/$app.dtsi"
dtc -@ -I dts -O dtb -o "$work/app/$app.dtbo" "$work/$app.dtsi"

cp "$work/$app.xclbin" "$work/app/$app.xclbin"
printf '{\n  "shell_type" : "XRT_FLAT",\n  "num_slots": "1"\n}\n' > "$work/app/shell.json"

rm -rf "$out"
mv "$work/app" "$out"
echo "build-xclbin: $out holds $app.bit.bin, $app.dtbo, $app.xclbin and shell.json. On the board:"
echo "  sudo mkdir -p /lib/firmware/xilinx/$app && sudo cp $app/* /lib/firmware/xilinx/$app/"
echo "  sudo xmutil unloadapp; sudo xmutil loadapp $app"
echo "(the scratch files stay in $work)"
