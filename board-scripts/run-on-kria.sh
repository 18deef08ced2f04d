#!/usr/bin/env bash
# Run fpga-llm on a Kria KV260 (Kria Ubuntu 22.04, XRT + zocl): load the firmware app, check the device, generate,
# benchmark against the CPU baselines, and collect everything under results/kria-<date>/.
#
#   board-scripts/run-on-kria.sh [--app fpga-llm] [--model DIR|PRESET] [--repeats N] [--skip-load]
#
# The app (bitstream, dtbo, xclbin, shell.json) is what board-scripts/build-xclbin.sh installs under
# /lib/firmware/xilinx/<app>/. xmutil needs sudo; everything else runs as the current user.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
app=fpga-llm
model=""
repeats=3
load=1
while [ $# -gt 0 ]; do
  case "$1" in
    --app) app="$2"; shift 2 ;;
    --model) model="$2"; shift 2 ;;
    --repeats) repeats="$2"; shift 2 ;;
    --skip-load) load=0; shift ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "run-on-kria: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

die() { echo "run-on-kria: $*" >&2; exit 1; }

[ "$(uname -m)" = aarch64 ] || die "this is $(uname -m), not a Kria board (aarch64); on a laptop use --backend emu or the C-simulation board"
firmware="/lib/firmware/xilinx/$app"
[ -f "$firmware/$app.xclbin" ] || die "no $firmware/$app.xclbin: build and install the app with board-scripts/build-xclbin.sh"
command -v xmutil >/dev/null || die "xmutil not found: install the Kria tools (sudo apt install xlnx-firmware-kv260-* / kria-dashboard)"

out="$root/results/kria-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
log() { echo "== $*" | tee -a "$out/run.log"; }

if [ "$load" = 1 ]; then
  log "loading $app with xmutil"
  sudo xmutil unloadapp >>"$out/run.log" 2>&1 || true
  sudo xmutil loadapp "$app" >>"$out/run.log" 2>&1 || die "xmutil loadapp $app failed (see $out/run.log)"
fi
sudo xmutil listapps >"$out/xmutil-listapps.txt" 2>&1 || true
[ -e /dev/dri/renderD128 ] || die "/dev/dri/renderD128 is missing: the overlay must carry the zocl node (is zocl loaded? lsmod | grep zocl)"

# XRT for Kria Ubuntu lives under /usr; its setup script sets XILINX_XRT when present.
if [ -z "${XILINX_XRT:-}" ]; then
  if [ -f /opt/xilinx/xrt/setup.sh ]; then
    # shellcheck disable=SC1091
    source /opt/xilinx/xrt/setup.sh >/dev/null
  else
    export XILINX_XRT=/usr
  fi
fi
xclbin="$firmware/$app.xclbin"
model_args=()
[ -n "$model" ] && model_args=(--model "$model")

{ uname -a; cat /etc/os-release 2>/dev/null | head -2; echo "XILINX_XRT=$XILINX_XRT"; } >"$out/system.txt"
log "devices"
"$root/fpga-llm" devices | tee "$out/devices.txt"
log "generate (xrt)"
"$root/fpga-llm" generate "${model_args[@]}" --backend xrt --xclbin "$xclbin" --max-new-tokens 32 --json \
  "Hello, my name is" | tee "$out/generate-xrt.json"
log "bench (xrt vs CPU baselines)"
"$root/fpga-llm" bench "${model_args[@]}" --backends xrt,ort,ref --xclbin "$xclbin" --repeats "$repeats" \
  --out "$out/bench.csv" --plot "$out/bench.png" 2>&1 | tee -a "$out/run.log"
log "done: $out"
