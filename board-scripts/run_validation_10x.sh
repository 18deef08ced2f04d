#!/usr/bin/env bash
# Runs board-scripts/validate_project.py N times in a row (default 10): the seed's stability check. Prints one line
# per run, then the pass count and the spread of the run times (min / median / max). Exit 0 only if every run passed.
#
#   board-scripts/run_validation_10x.sh [-n N] [VALIDATOR ARGS...]     e.g. -n 3 --no-smoke
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
runs=10
if [ "${1:-}" = "-n" ] || [ "${1:-}" = "--runs" ]; then
  runs="${2:-}"
  shift 2 || true
fi
case "$runs" in
  ''|*[!0-9]*|0) echo "run_validation_10x: -n needs a positive whole number, got '$runs'" >&2; exit 2 ;;
esac

python=""
for p in python3 python; do
  if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import sys; sys.exit(sys.version_info < (3, 8))' 2>/dev/null; then
    python="$p"; break
  fi
done
[ -n "$python" ] || { echo "run_validation_10x: needs Python 3.8 or newer (python3 on the PATH)" >&2; exit 2; }

# Nanoseconds since the epoch; BSD/macOS date has no %N, Python does.
now_ns() {
  local t
  t=$(date +%s%N)
  case "$t" in
    *[!0-9]*) "$python" -c 'import time; print(time.time_ns())' ;;
    *) echo "$t" ;;
  esac
}

log="$(mktemp "${TMPDIR:-/tmp}/validate.XXXXXX")"
trap 'rm -f "$log"' EXIT
passed=0
times=()
for i in $(seq 1 "$runs"); do
  start=$(now_ns)
  "$python" "$here/validate_project.py" "$@" >"$log" 2>&1
  code=$?
  end=$(now_ns)
  seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
  times+=("$seconds")
  if [ "$code" -eq 0 ]; then
    passed=$((passed + 1))
    echo "run $i/$runs: PASS in $seconds s"
  else
    echo "run $i/$runs: FAIL (exit $code) in $seconds s"
    grep -E '^FAIL|^validate_project' "$log" | sed 's/^/    /'
  fi
done

# Spread of the run times; the median of an even count is the mean of the two middle values.
spread=$(printf '%s\n' "${times[@]}" | sort -n | awk '
  { t[NR] = $1 }
  END {
    m = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
    printf "min %.2f s, median %.2f s, max %.2f s", t[1], m, t[NR]
  }')
echo "validation: $passed/$runs runs passed; time per run $spread"
[ "$passed" -eq "$runs" ]
