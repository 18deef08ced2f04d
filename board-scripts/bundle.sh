#!/usr/bin/env bash
# Packs what a Kria board needs to run fpga-llm into one tarball, on any machine with a JDK >= 22 (docs/board.md):
# the runtime jar and its dependency jars (the ONNX Runtime jar must carry the linux-aarch64 natives: checked), the
# launcher (it never builds in a bundle), the board scripts, the docs, and optionally the firmware app and an
# aarch64 JDK. On the board nothing is compiled and nothing is downloaded.
#
#   board-scripts/bundle.sh [--out DIR] [--firmware DIR | --no-firmware] [--jdk DIR|FILE.tar.gz] [--skip-build]
#
#   --out DIR        where the tarball goes (default: target/bundle)
#   --firmware DIR   the app folder build-xclbin.sh wrote (default: hls-kernels/build/firmware/fpga-llm, if there)
#   --no-firmware    leave the firmware out even if it was built
#   --jdk PATH       carry an aarch64 JDK >= 22 (a folder or Adoptium's OpenJDK*-jdk_aarch64_linux_*.tar.gz);
#                    the launcher prefers it to none, JAVA_HOME still wins
#   --skip-build     use the jars runtime/target has (after ./mvnw package or verify) instead of building them
#   --dir-only       write the unpacked folder only, no tarball (tests)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
app=fpga-llm
out="$root/target/bundle"
firmware=""
no_firmware=0
jdk=""
build=1
tarball=1

die() {
  echo "bundle: $*" >&2
  exit 2
}

usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"
}

while [ $# -gt 0 ]; do
  case "$1" in
    --out) [ $# -ge 2 ] || die "--out needs a folder"; out="$2"; shift 2 ;;
    --firmware) [ $# -ge 2 ] || die "--firmware needs a folder"; firmware="$2"; shift 2 ;;
    --no-firmware) no_firmware=1; shift ;;
    --jdk) [ $# -ge 2 ] || die "--jdk needs a folder or a .tar.gz"; jdk="$2"; shift 2 ;;
    --skip-build) build=0; shift ;;
    --dir-only) tarball=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done

[ -z "$firmware" ] || [ -d "$firmware" ] || die "no firmware folder $firmware"
[ -z "$jdk" ] || [ -e "$jdk" ] || die "no JDK at $jdk"

jars="$root/runtime/target"
if [ "$build" = 1 ]; then
  echo "bundle: building the runtime jar (./mvnw package, tests skipped; about a minute) ..."
  (cd "$root" && ./mvnw -q -B -DskipTests package) || die "the build failed (run ./mvnw package to see why)"
fi
if [ ! -f "$jars/fpga-llm.jar" ] || [ ! -d "$jars/lib" ]; then
  die "no $jars/fpga-llm.jar and lib/: build first or drop --skip-build"
fi

# The only native code the board needs from us: ONNX Runtime's, for the ort baseline.
ort="$(find "$jars/lib" -maxdepth 1 -name 'onnxruntime-*.jar' -print -quit)"
[ -n "$ort" ] || die "no onnxruntime-*.jar in $jars/lib"
listing="$(unzip -Z1 "$ort" 2>/dev/null)" || die "cannot list $ort (is unzip installed?)"
for native in ai/onnxruntime/native/linux-aarch64/libonnxruntime.so ai/onnxruntime/native/linux-aarch64/libonnxruntime4j_jni.so; do
  grep -qx "$native" <<<"$listing" || die "$(basename "$ort") has no $native: the ort baseline would not load on the board"
done

commit="$(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
if [ "$commit" != unknown ] && [ -n "$(git -C "$root" status --porcelain 2>/dev/null)" ]; then commit="$commit-dirty"; fi
version="$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' "$root/pom.xml" | head -n 1)"
name="fpga-llm-${version:-unknown}-$commit"

mkdir -p "$out"
out="$(cd "$out" && pwd)"
stage="$(mktemp -d "$out/.stage.XXXXXX")"
trap 'rm -rf "$stage"' EXIT
dest="$stage/$name"
mkdir -p "$dest/runtime/target/lib" "$dest/board-scripts" "$dest/docs" "$dest/results" "$dest/.mvn"

cp "$root/fpga-llm" "$dest/"
cp "$root/.mvn/jdk.sh" "$dest/.mvn/" # the launcher's JDK search
cp "$jars/fpga-llm.jar" "$dest/runtime/target/"
cp "$jars"/lib/*.jar "$dest/runtime/target/lib/"
cp "$root"/board-scripts/run-on-kria.sh "$root"/board-scripts/probe-bandwidth.sh "$root"/board-scripts/kria-lib.sh \
  "$dest/board-scripts/"
cp "$root"/docs/*.md "$dest/docs/"
cp "$root/README.md" "$dest/"

if [ "$no_firmware" = 0 ]; then
  [ -n "$firmware" ] || { [ -d "$root/hls-kernels/build/firmware/$app" ] && firmware="$root/hls-kernels/build/firmware/$app"; }
  if [ -n "$firmware" ]; then
    mkdir -p "$dest/firmware"
    cp -r "$firmware" "$dest/firmware/$(basename "$firmware")"
  fi
fi

if [ -n "$jdk" ]; then
  mkdir -p "$dest/jdk"
  if [ -d "$jdk" ]; then
    cp -r "$jdk"/. "$dest/jdk/"
  else
    tar -xzf "$jdk" -C "$dest/jdk" --strip-components=1 || die "cannot unpack $jdk"
  fi
  [ -f "$dest/jdk/release" ] || die "$jdk is not a JDK (no release file)"
  jdk_major="$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$dest/jdk/release")"
  jdk_arch="$(sed -n 's/^OS_ARCH="\(.*\)"/\1/p' "$dest/jdk/release")"
  [ "${jdk_major:-0}" -ge 22 ] || die "$jdk is JDK ${jdk_major:-?}; the runtime needs 22 or newer"
  [ "$jdk_arch" = aarch64 ] || echo "bundle: note: the JDK is for $jdk_arch, not aarch64: it will not run on a Kria board" >&2
fi

# What is in it, for the person at the board and for run-on-kria.sh (it records the commit).
{
  echo "bundle: $name"
  echo "commit: $commit"
  echo "made: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -m)"
  echo "firmware: $([ -d "$dest/firmware" ] && ls "$dest/firmware" || echo none)"
  echo "jdk: $([ -d "$dest/jdk" ] && sed -n 's/^JAVA_VERSION="\(.*\)"/\1/p' "$dest/jdk/release" || echo none, install one: docs/board.md)"
  echo "files (sha256):"
  (cd "$dest" && find . -path ./jdk -prune -o -type f -print | sort | sed 's:^\./::' | xargs sha256sum)
} > "$stage/BUNDLE.txt"
mv "$stage/BUNDLE.txt" "$dest/BUNDLE.txt"

if [ "$tarball" = 0 ]; then
  rm -rf "${out:?}/$name"
  mv "$dest" "$out/$name"
  echo "bundle: $out/$name"
  exit 0
fi
tar -C "$stage" -czf "$stage/$name.tar.gz" "$name"
mv "$stage/$name.tar.gz" "$out/$name.tar.gz"
size="$(du -h "$out/$name.tar.gz" | cut -f1)"
echo "bundle: $out/$name.tar.gz ($size)"
echo "  on the board: tar -xzf $name.tar.gz && cd $name && board-scripts/run-on-kria.sh --check"
