#!/usr/bin/env bash
# Runs fpga-llm on a Kria KV260 (Kria Ubuntu 22.04, XRT + zocl) from a bundle (board-scripts/bundle.sh) or a
# checkout, and collects everything under results/kria-<date>/ (docs/board.md):
#   checks every prerequisite first (the same as --check), records versions, makes the model's synthetic checkpoint
#   if needed (once), loads the firmware app with xmutil, checks /dev/dri/renderD128, runs generate on the NPU, then
#   bench against the CPU baselines: idle power first, so J/token is reported gross and net of idle.
#
#   board-scripts/run-on-kria.sh [--check] [--app NAME] [--model DIR|PRESET] [--baselines LIST|none] [--repeats N]
#                                [--idle-seconds S] [--quality] [--skip-load] [--cma-mib N]
#
#   --check          only check: one line per item (MISSING lines say how to fix it); exit 1 if anything is missing
#   --app NAME       the firmware app in /lib/firmware/xilinx/NAME/ (default: fpga-llm)
#   --model M        a preset (tiny, distilgpt2, gpt2: synthetic weights) or a Hugging Face folder; default distilgpt2
#   --baselines L    CPU backends benchmarked beside the NPU (default: ort,ref; none: the NPU alone)
#   --repeats N      measured bench runs per prompt length (default: 3)
#   --idle-seconds S idle power baseline before the bench (default: 30; 0: none, J/token gross only)
#   --quality        also measure quality_drop_pct (minutes on the Cortex-A53; skipped by default)
#   --skip-load      the app is already loaded (no xmutil)
#   --cma-mib N      CMA the NPU's buffers need (default: from the model, 128 MiB for DistilGPT2)
# xmutil needs sudo; everything else runs as the current user.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
app=fpga-llm
model=distilgpt2
baselines=ort,ref
repeats=3
idle_seconds=30
quality=0
load=1
check_only=0
cma_need_mib=""

usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"
}

bad_usage() {
  echo "run-on-kria: $*" >&2
  exit 2
}

number() { [[ "$2" =~ ^[0-9]+$ ]] || bad_usage "$1 needs a whole number, got '$2'"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --check) check_only=1; shift ;;
    --app|--model|--baselines|--repeats|--idle-seconds|--cma-mib)
      [ $# -ge 2 ] || bad_usage "$1 needs a value"
      case "$1" in
        --app) app="$2" ;;
        --model) model="$2" ;;
        --baselines) baselines="$2" ;;
        --repeats) number "$1" "$2"; repeats="$2" ;;
        --idle-seconds) number "$1" "$2"; idle_seconds="$2" ;;
        --cma-mib) number "$1" "$2"; cma_need_mib="$2" ;;
      esac
      shift 2 ;;
    --quality) quality=1; shift ;;
    --skip-load) load=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) bad_usage "unknown option $1 (see --help)" ;;
  esac
done
[[ "$app" =~ ^[A-Za-z0-9][A-Za-z0-9_-]*$ ]] || bad_usage "app name '$app' must be letters, digits, '-' or '_'"
[[ "$baselines" =~ ^(none|[a-z]+(,[a-z]+)*)$ ]] || bad_usage "--baselines is a comma list (ort,ref) or none"

# What the model needs: CMA for its NPU memory plan (fpga-llm inspect prints it), and disk for its synthetic
# checkpoint when it is not made yet (F32 safetensors; ModelStore's folder name, seed 0, generator version 1).
home="${FPGA_LLM_HOME:-$HOME/.cache/fpga-llm}"
checkpoint_mb=""
case "$model" in
  tiny) default_cma=16; size_mb=1 ;;
  distilgpt2) default_cma=128; size_mb=482 ;;
  gpt2) default_cma=192; size_mb=652 ;;
  *)
    [ -f "$model/config.json" ] || bad_usage "--model $model is neither a preset (tiny, distilgpt2, gpt2) nor a folder with config.json"
    layers="$(sed -n 's/.*"n_layer": *\([0-9]*\).*/\1/p' "$model/config.json" | head -n 1)"
    if [ "${layers:-12}" -le 6 ]; then default_cma=128; else default_cma=192; fi
    size_mb="" ;;
esac
if [ -n "$size_mb" ] && [ ! -f "$home/models/synthetic-$model-seed0-v1/model.safetensors" ]; then checkpoint_mb="$size_mb"; fi
cma_need_mib="${cma_need_mib:-$default_cma}"

# shellcheck source=board-scripts/kria-lib.sh
source "$root/board-scripts/kria-lib.sh"

if [ "$check_only" = 1 ]; then
  echo "run-on-kria --check: prerequisites of loading $app and running $model"
  if check_all; then
    echo "all prerequisites met: board-scripts/run-on-kria.sh runs the benchmark"
    exit 0
  fi
  echo "$checks_missing missing: fix the MISSING lines above, then run --check again"
  exit 1
fi

check_all >/dev/null || {
  echo "run-on-kria: prerequisites are missing (nothing was loaded):" >&2
  check_all | grep '^MISSING' >&2 || true
  exit 1
}

out="$root/results/kria-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
log() { echo "== $*" | tee -a "$out/run.log"; }
check_all >"$out/checks.txt" || true
record_versions "$out"
xclbin="/lib/firmware/xilinx/$app/$app.xclbin"

log "model $model"
if [ -n "$checkpoint_mb" ]; then
  echo "   making its synthetic checkpoint once: $checkpoint_mb MB (F32) in $home/models" | tee -a "$out/run.log"
fi
"$root/fpga-llm" inspect --model "$model" >"$out/inspect.txt" 2> >(tee -a "$out/run.log" >&2)

if [ "$load" = 1 ]; then
  log "loading $app with xmutil"
  sudo xmutil unloadapp 2>&1 | tee -a "$out/run.log" >/dev/null || true
  sudo xmutil loadapp "$app" 2>&1 | tee -a "$out/run.log" >/dev/null || {
    echo "run-on-kria: xmutil loadapp $app failed (see $out/run.log; sudo xmutil listapps shows the apps)" >&2
    exit 1
  }
fi
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -e /dev/dri/renderD128 ] && break; sleep 1; done
[ -e /dev/dri/renderD128 ] || {
  echo "run-on-kria: /dev/dri/renderD128 did not appear after loading $app: is zocl loaded (lsmod | grep zocl)? dmesg | tail says why" >&2
  exit 1
}
sudo xmutil listapps 2>&1 | tee "$out/xmutil-listapps.txt" >/dev/null || true
record_xbutil "$out"

log "devices"
"$root/fpga-llm" devices | tee "$out/devices.txt"
log "generate (xrt)"
"$root/fpga-llm" generate --model "$model" --backend xrt --xclbin "$xclbin" --max-new-tokens 32 --json \
  "Hello, my name is" | tee "$out/generate-xrt.json"

backends=xrt
[ "$baselines" = none ] || backends="xrt,$baselines"
quality_args=(--quality-sequences 0)
[ "$quality" = 1 ] && quality_args=()
log "bench ($backends; idle power for $idle_seconds s first; quality $([ "$quality" = 1 ] && echo on || echo skipped))"
"$root/fpga-llm" bench --model "$model" --backends "$backends" --xclbin "$xclbin" --repeats "$repeats" \
  --idle-seconds "$idle_seconds" "${quality_args[@]}" --out "$out/bench.csv" --plot "$out/bench.png" 2>&1 | tee -a "$out/run.log"
energy_summary "$out/bench.csv" >"$out/energy.csv"
log "J/token gross and net of idle: $out/energy.csv"
log "done: $out"
