# shellcheck shell=bash disable=SC2154
# What the board scripts share (run-on-kria.sh, probe-bandwidth.sh): the prerequisite checks, each printing one
# line (ok, MISSING with its fix, warning, or later), the record of versions, and the energy summary.
#
# Absolute paths are read under $FPGA_LLM_BOARD_ROOT (default: /), so that tests can run every check on a fake tree
# with stub commands (uname, modinfo, xmutil, df) first on the PATH (board-scripts/test_board_scripts.py).

# The sourcing script sets root (the bundle or checkout) and app (the firmware app); for the checks also
# baselines (the CPU baselines beside the NPU, or none), cma_need_mib and checkpoint_mb (from the model; empty: the
# checkpoint is already there). SC2154 is off because shellcheck cannot see those assignments.
: "${root:?}" "${app:?}"
baselines="${baselines:-none}"
cma_need_mib="${cma_need_mib:-128}"
checkpoint_mb="${checkpoint_mb:-}"
board_root="${FPGA_LLM_BOARD_ROOT:-}"
checks_missing=0

# The path of an absolute path on the board (under the fake root in tests).
on_board() { printf '%s%s' "$board_root" "$1"; }

check_ok() { printf 'ok       %-10s %s\n' "$1" "$2"; }
check_later() { printf 'later    %-10s %s\n' "$1" "$2"; }
check_warn() { printf 'warning  %-10s %s -> %s\n' "$1" "$2" "$3"; }
check_missing() {
  printf 'MISSING  %-10s %s -> fix: %s\n' "$1" "$2" "$3"
  checks_missing=$((checks_missing + 1))
}

# major.minor of a version string ("2.16.204" -> "2.16").
major_minor() { sed -n 's/^\([0-9]*\.[0-9]*\).*/\1/p' <<<"$1"; }
# True when version $1 >= $2 (major.minor.patch, numerically).
version_at_least() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n 1)" = "$2" ]; }

multiarch() {
  case "$(uname -m)" in
    aarch64) echo aarch64-linux-gnu ;;
    x86_64) echo x86_64-linux-gnu ;;
    *) echo "$(uname -m)-linux-gnu" ;;
  esac
}

# The folders XRT is looked for in: the same order as the Java side (ffi-bindings XrtEnvironment).
xrt_folders() {
  if [ -n "${XILINX_XRT:-}" ]; then
    printf '%s\n' "$XILINX_XRT/lib" "$XILINX_XRT/lib/$(multiarch)"
  else
    printf '%s\n' "/usr/lib/$(multiarch)" /usr/lib /opt/xilinx/xrt/lib
  fi
}

# Sets xrt_dir and xrt_version (from libxrt_coreutil.so.2's real file name) if XRT's hardware driver is found.
find_xrt() {
  xrt_dir=""
  xrt_version=""
  local dir real
  while read -r dir; do
    if [ -f "$(on_board "$dir/libxrt_core.so.2")" ] && [ -f "$(on_board "$dir/libxrt_coreutil.so.2")" ]; then
      xrt_dir="$dir"
      real="$(readlink -f "$(on_board "$dir/libxrt_coreutil.so.2")")"
      xrt_version="$(sed -n 's/.*\.so\.\([0-9]*\.[0-9]*\.[0-9]*\)$/\1/p' <<<"$real")"
      return 0
    fi
  done < <(xrt_folders)
  return 1
}

# The XRT version an xclbin was made with: axlf_header's m_versionPatch (u16), m_versionMajor, m_versionMinor (u8)
# at byte 328 of the file (xclbin.h: 8 magic + 4 + 28 + 256 key block + 8 unique id, then 24 bytes of header).
xclbin_version() {
  local file="$1" bytes
  [ "$(head -c 7 "$file" 2>/dev/null)" = xclbin2 ] || return 1
  read -r -a bytes < <(od -An -tu1 -j328 -N4 "$file")
  [ "${#bytes[@]}" -eq 4 ] || return 1
  echo "${bytes[2]}.${bytes[3]}.$((bytes[0] + 256 * bytes[1]))"
}

# kB of a /proc/meminfo field, or nothing.
meminfo_kb() { sed -n "s/^$1: *\\([0-9]*\\) kB$/\\1/p" "$(on_board /proc/meminfo)" 2>/dev/null; }

check_board() {
  local arch model
  arch="$(uname -m)"
  model="$(tr -d '\0' 2>/dev/null <"$(on_board /proc/device-tree/model)" || true)"
  if [ "$arch" = aarch64 ]; then
    check_ok board "aarch64${model:+, $model}"
  else
    check_missing board "this is $arch, not a Kria board" "copy the bundle to the KV260 and run this there (on a laptop: --backend emu)"
  fi
}

check_os() {
  local id version
  id="$(sed -n 's/^ID=//p' "$(on_board /etc/os-release)" 2>/dev/null | tr -d '"')"
  version="$(sed -n 's/^VERSION_ID=//p' "$(on_board /etc/os-release)" 2>/dev/null | tr -d '"')"
  if [ "$id" = ubuntu ] && [ "$version" = 22.04 ]; then
    check_ok os "Ubuntu 22.04"
  else
    check_warn os "${id:-unknown} ${version:-}; the board flow is written for Kria Ubuntu 22.04" "expect differences (xmutil, XRT packages)"
  fi
}

# The JDK the launcher would run (it decides; this only asks it).
check_jdk() {
  local jdk major
  if jdk="$(FPGA_LLM_PRINT_JDK=1 "$root/fpga-llm" 2>/dev/null)"; then
    major="$(sed -n 's/^JAVA_VERSION="\(.*\)"/\1/p' "$jdk/release" 2>/dev/null)"
    check_ok jdk "${major:-JDK} at $jdk"
  else
    check_missing jdk "no JDK >= 22 (Ubuntu 22.04 packages none)" \
      "install Temurin 25 from Adoptium's apt repository (docs/board.md, Java on the board), or unpack an aarch64 JDK tarball and set JAVA_HOME, or make the bundle with --jdk"
  fi
}

check_jar() {
  local jar="$root/runtime/target/fpga-llm.jar"
  if [ -f "$jar" ] && [ -d "$root/runtime/target/lib" ]; then
    check_ok jar "$(find "$root/runtime/target/lib" -name '*.jar' | wc -l | tr -d ' ') dependency jars beside $jar"
  else
    check_missing jar "no runtime jar at $jar" "make the bundle on a workstation (board-scripts/bundle.sh) and unpack it here: nothing is built on the board"
  fi
}

check_xrt() {
  if find_xrt; then
    check_ok xrt "XRT ${xrt_version:-(version unknown)} in $xrt_dir"
  else
    check_missing xrt "no XRT (libxrt_coreutil.so.2 and libxrt_core.so.2) in $(xrt_folders | paste -sd ' ')" \
      "install XRT for Kria Ubuntu 22.04 (docs/board.md, XRT and zocl)"
  fi
}

# zocl: available for this kernel, and of XRT's release.
check_zocl() {
  local version
  version="$(cat "$(on_board /sys/module/zocl/version)" 2>/dev/null || modinfo -F version zocl 2>/dev/null || true)"
  version="${version%%,*}"
  if [ -z "$version" ]; then
    check_missing zocl "no zocl kernel module (modinfo zocl finds none)" "install zocl of the same release as XRT (the xrt-dkms package, docs/board.md)"
  elif [ -n "${xrt_version:-}" ] && [ "$(major_minor "$version")" != "$(major_minor "$xrt_version")" ]; then
    check_missing zocl "zocl $version, XRT $xrt_version" "install zocl and XRT of one release (docs/board.md)"
  else
    check_ok zocl "zocl $version"
  fi
}

check_xmutil() {
  if command -v xmutil >/dev/null 2>&1; then
    check_ok xmutil "$(command -v xmutil)"
  else
    check_missing xmutil "xmutil not found; Kria Ubuntu 22.04 has it (and dfx-mgr) preinstalled" \
      "run on the Kria Ubuntu 22.04 image (docs/board.md); on another image load the app with dfx-mgr-client -load $app"
  fi
}

# The firmware app: its four files, the zocl node in its overlay, its xclbin's XRT version against the board's.
check_app() {
  local dir="/lib/firmware/xilinx/$app" f absent=() built
  for f in "$app.bit.bin" "$app.dtbo" "$app.xclbin" shell.json; do
    [ -f "$(on_board "$dir/$f")" ] || absent+=("$f")
  done
  if [ ${#absent[@]} -gt 0 ]; then
    local from="build it on a Vitis workstation (board-scripts/build-xclbin.sh) and copy it"
    [ -d "$root/firmware/$app" ] && from="sudo mkdir -p $dir && sudo cp $root/firmware/$app/* $dir/"
    check_missing app "no ${absent[*]} in $dir" "$from"
    return
  fi
  check_ok app "$dir"
  if grep -qa 'xlnx,zocl' "$(on_board "$dir/$app.dtbo")"; then
    check_ok overlay "$app.dtbo carries the zocl node"
  else
    check_missing overlay "$app.dtbo has no zocl node: /dev/dri/renderD128 would never appear" "rebuild the app with board-scripts/build-xclbin.sh"
  fi
  if ! built="$(xclbin_version "$(on_board "$dir/$app.xclbin")")"; then
    check_missing xclbin "$app.xclbin is not an xclbin (no xclbin2 header)" "rebuild the app with board-scripts/build-xclbin.sh"
  elif [ -n "${xrt_version:-}" ] && ! version_at_least "$(major_minor "$xrt_version").0" "$(major_minor "$built").0"; then
    check_missing xclbin "$app.xclbin was made with XRT $built tools, the board has XRT $xrt_version" "install XRT $(major_minor "$built") or newer on the board"
  else
    check_ok xclbin "made with XRT $built tools"
  fi
}

# /dev/dri/renderD128 exists only once an overlay with the zocl node is loaded.
check_render_node() {
  if [ -e "$(on_board /dev/dri/renderD128)" ]; then
    check_ok render "/dev/dri/renderD128"
  else
    check_later render "/dev/dri/renderD128 appears when xmutil loadapp $app loads the overlay (checked then)"
  fi
}

# CMA (XRT's buffers on zocl) for the model's NPU memory plan: fpga-llm inspect prints it (distilgpt2 at 256
# positions: 91,169,248 bytes); the default asks for that with room for XRT's alignment and other users.
check_cma() {
  local total free need="$cma_need_mib"
  total="$(meminfo_kb CmaTotal)"
  free="$(meminfo_kb CmaFree)"
  if [ -z "$total" ]; then
    check_missing cma "no CmaTotal in /proc/meminfo" "boot a kernel with CMA (Kria Ubuntu's has it)"
  elif [ $((free / 1024)) -lt "$need" ]; then
    check_missing cma "$((free / 1024)) MiB of CMA free ($((total / 1024)) MiB in all), the NPU needs ~$need MiB" \
      "unload other apps (sudo xmutil unloadapp) or boot with a larger cma= on the kernel command line (docs/board.md)"
  else
    check_ok cma "$((free / 1024)) MiB free of $((total / 1024)) MiB (needs ~$need MiB)"
  fi
}

# Peak RSS measured on x86 with synthetic DistilGPT2 (docs/board.md): 1.2 GB for the NPU backend alone, 2.7 GB with
# the ORT and FP32 baselines beside it.
check_ram() {
  local available
  available="$(meminfo_kb MemAvailable)"
  available=$(( ${available:-0} / 1024 ))
  if [ "$available" -lt 1300 ]; then
    check_missing ram "$available MiB available, the NPU run alone needs ~1200 MiB" "stop other programs (free -m shows what is used)"
  elif [ "$baselines" != none ] && [ "$available" -lt 2800 ]; then
    check_warn ram "$available MiB available; the CPU baselines beside the NPU need ~2700 MiB" "--baselines none runs the NPU alone"
  else
    check_ok ram "$available MiB available"
  fi
}

# Free disk where the synthetic checkpoint goes (FPGA_LLM_HOME) and where results go.
check_disk() {
  local home="${FPGA_LLM_HOME:-$HOME/.cache/fpga-llm}" need=64 dir free_kb
  [ -n "$checkpoint_mb" ] && need=$((need + checkpoint_mb))
  dir="$home"
  while [ ! -d "$dir" ] && [ "$dir" != / ]; do dir="$(dirname "$dir")"; done
  free_kb="$(df -Pk "$dir" 2>/dev/null | awk 'NR == 2 { print $4 }')"
  if [ -z "$free_kb" ]; then
    check_warn disk "cannot read free space of $dir" "df -h $dir"
  elif [ $((free_kb / 1024)) -lt "$need" ]; then
    check_missing disk "$((free_kb / 1024)) MiB free in $dir, needs $need MiB${checkpoint_mb:+ (the synthetic checkpoint: ${checkpoint_mb} MB, once)}" \
      "free space, or set FPGA_LLM_HOME to a larger disk"
  else
    check_ok disk "$((free_kb / 1024)) MiB free in $dir (needs $need MiB)"
  fi
}

check_power() {
  local name
  for name in "$(on_board /sys/class/hwmon)"/hwmon*/name; do
    if [ "$(cat "$name" 2>/dev/null)" = ina260_u14 ]; then
      check_ok power "INA260 at ${name%/name}"
      return
    fi
  done
  check_warn power "no INA260 (hwmon ina260_u14): power and J/token will be n/a" "run on a KV260 carrier (its INA260 measures the SOM's input)"
}

# Every check before `xmutil loadapp`; returns non-zero when something is missing.
check_all() {
  checks_missing=0
  check_board
  check_os
  check_jdk
  check_jar
  check_xrt
  check_zocl
  check_xmutil
  check_app
  check_render_node
  check_cma
  check_ram
  check_disk
  check_power
  [ "$checks_missing" -eq 0 ]
}

# What produced the numbers: commit, JDK, XRT, zocl, xclbin, kernel; xbutil examine beside it.
record_versions() {
  local out="$1" jdk commit
  commit="$(sed -n 's/^commit: //p' "$root/BUNDLE.txt" 2>/dev/null)"
  [ -n "$commit" ] || commit="$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)"
  jdk="$(FPGA_LLM_PRINT_JDK=1 "$root/fpga-llm" 2>/dev/null || echo none)"
  find_xrt || true
  {
    echo "commit: $commit"
    echo "bundle: $(sed -n 's/^bundle: //p' "$root/BUNDLE.txt" 2>/dev/null || echo none)"
    echo "kernel: $(uname -a)"
    echo "os: $(sed -n 's/^PRETTY_NAME=//p' "$(on_board /etc/os-release)" 2>/dev/null | tr -d '"')"
    echo "jdk: $jdk ($("$jdk/bin/java" -version 2>&1 | head -n 1))"
    echo "xrt: ${xrt_version:-unknown} in ${xrt_dir:-?}"
    echo "zocl: $(cat "$(on_board /sys/module/zocl/version)" 2>/dev/null || modinfo -F version zocl 2>/dev/null || echo unknown)"
    echo "xclbin: $(xclbin_version "$(on_board "/lib/firmware/xilinx/$app/$app.xclbin")" || echo ?) tools," \
      "sha256 $(sha256sum "$(on_board "/lib/firmware/xilinx/$app/$app.xclbin")" 2>/dev/null | cut -d' ' -f1)"
  } >"$out/versions.txt"
}

# xbutil examine (XRT's own view of the board) into a file; says so when xbutil is not installed.
record_xbutil() {
  local out="$1" xbutil
  xbutil="$(command -v xbutil || true)"
  [ -z "$xbutil" ] && [ -n "${xrt_dir:-}" ] && [ -x "$(dirname "$xrt_dir")/bin/xbutil" ] && xbutil="$(dirname "$xrt_dir")/bin/xbutil"
  if [ -n "$xbutil" ]; then
    "$xbutil" examine >"$out/xbutil-examine.txt" 2>&1 || true
  else
    echo "xbutil not installed (XRT's utilities package)" >"$out/xbutil-examine.txt"
  fi
}

# Per bench row, J/token gross (the CSV's energy_per_token_j: all the power the sensor saw) and net of the idle
# baseline: (avg_power_w - idle_power_w) x latency_per_token_ms / 1000; n/a where the CSV has no power. The bench CSV
# is RFC 4180 (a cell may be quoted), so Python's csv reads it (python3 is part of Ubuntu's base image).
energy_summary() {
  python3 - "$1" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
out = csv.writer(sys.stdout, lineterminator="\n")
out.writerow(["backend", "prompt_len", "latency_per_token_ms", "avg_power_w", "idle_power_w",
              "energy_per_token_j_gross", "energy_per_token_j_net"])
for r in rows:
    avg, idle, ms = r["avg_power_w"], r["idle_power_w"], r["latency_per_token_ms"]
    gross = "n/a" if avg == "n/a" else "%.5f" % (float(avg) * float(ms) / 1000)
    net = "n/a" if "n/a" in (avg, idle) else "%.5f" % ((float(avg) - float(idle)) * float(ms) / 1000)
    out.writerow([r["backend"], r["prompt_len"], ms, avg, idle, gross, net])
PY
}
