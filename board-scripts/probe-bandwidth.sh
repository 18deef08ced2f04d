#!/usr/bin/env bash
# Measures the KV260's PL-to-DDR read bandwidth with the probe kernel (hls-kernels/probe, docs/board.md
# "Bandwidth probe"): loads each probe app in turn with xmutil (one per kernel clock), runs `fpga-llm probe-bandwidth`
# over the grid ports x burst size x requests in flight, and appends the rows to results/kv260-bandwidth.csv.
#
#   board-scripts/probe-bandwidth.sh [--apps LIST] [--out FILE.csv] [-- PROBE OPTIONS...]
#
#   --apps LIST   comma-separated probe apps in /lib/firmware/xilinx/ (default: every fpga-llm-probe-<F>mhz there;
#                 build-xclbin.sh --kernel probe --clock-mhz F makes them)
#   --out FILE    the CSV to append to (default: results/kv260-bandwidth.csv)
#   after --      passed to fpga-llm probe-bandwidth (e.g. --ports 4 --repeats 9; see its --help)
# The NPU app is unloaded while the probe runs: sudo xmutil loadapp fpga-llm brings it back.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
app=fpga-llm
apps=""
out="$root/results/kv260-bandwidth.csv"
probe_args=()

usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"
}

bad_usage() {
  echo "probe-bandwidth: $*" >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    --apps) [ $# -ge 2 ] || bad_usage "--apps needs a list"; apps="$2"; shift 2 ;;
    --out) [ $# -ge 2 ] || bad_usage "--out needs a file"; out="$2"; shift 2 ;;
    --) shift; probe_args=("$@"); break ;;
    -h|--help) usage; exit 0 ;;
    *) bad_usage "unknown option $1 (see --help)" ;;
  esac
done

# shellcheck source=board-scripts/kria-lib.sh
source "$root/board-scripts/kria-lib.sh"

if [ -z "$apps" ]; then
  for dir in "$(on_board /lib/firmware/xilinx)"/fpga-llm-probe-*mhz; do
    [ -d "$dir" ] && apps="${apps:+$apps,}$(basename "$dir")"
  done
fi

# The prerequisites the probe shares with the NPU run, then each probe app's own files.
checks_missing=0
{
  check_board
  check_jdk
  check_jar
  check_xrt
  check_zocl
  check_xmutil
  if [ -z "$apps" ]; then
    check_missing probe "no fpga-llm-probe-<F>mhz app in /lib/firmware/xilinx" \
      "build one on a Vitis workstation (board-scripts/build-xclbin.sh --kernel probe --clock-mhz 200) and copy it there"
  fi
  IFS=, read -r -a app_list <<<"$apps"
  for app in "${app_list[@]}"; do check_app; done
} || true
if [ "$checks_missing" -gt 0 ]; then
  echo "probe-bandwidth: $checks_missing missing: fix the MISSING lines above (nothing was loaded)" >&2
  exit 1
fi

mkdir -p "$(dirname "$out")"
for app in "${app_list[@]}"; do
  echo "== $app"
  sudo xmutil unloadapp >/dev/null 2>&1 || true
  sudo xmutil loadapp "$app" >/dev/null || { echo "probe-bandwidth: xmutil loadapp $app failed" >&2; exit 1; }
  for _ in 1 2 3 4 5 6 7 8 9 10; do [ -e /dev/dri/renderD128 ] && break; sleep 1; done
  [ -e /dev/dri/renderD128 ] || { echo "probe-bandwidth: /dev/dri/renderD128 did not appear after loading $app" >&2; exit 1; }
  "$root/fpga-llm" probe-bandwidth --xclbin "/lib/firmware/xilinx/$app/$app.xclbin" --out "$out" "${probe_args[@]}"
done
echo "probe-bandwidth: rows appended to $out; sudo xmutil loadapp fpga-llm loads the NPU again"
