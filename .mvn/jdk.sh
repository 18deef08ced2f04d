# shellcheck shell=sh
# Finds a JDK for fpga-llm (22 or newer: java.lang.foreign is final in 22), the same way for ./mvnw (its one-line
# hook sources this file), ./fpga-llm and .ci/run. POSIX sh: mvnw is a /bin/sh script and sources it.
#
# Order: JAVA_HOME, then `java` on the PATH, then the newest JDK in the usual places:
#   /usr/lib/jvm/* (Debian, Ubuntu, Fedora), /usr/java/* (Oracle RPMs),
#   /Library/Java/JavaVirtualMachines/*/Contents/Home and ~/Library/Java/JavaVirtualMachines/* (macOS, IntelliJ),
#   ~/.sdkman/candidates/java/* (SDKMAN), ~/.jdks/* (IntelliJ on Linux).
# FPGA_LLM_JDK_DIRS (folders holding JDK homes, colon-separated) replaces the usual places (tests use it).

jdk_min_major=22

# Major version of a JDK home: from its release file (no process start), else from `java -version`; 0 if unknown.
jdk_major() {
  _jdk_v=""
  if [ -f "$1/release" ]; then
    _jdk_v=$(sed -n 's/^JAVA_VERSION="\([0-9.]*\).*/\1/p' "$1/release")
  elif [ -x "$1/bin/java" ]; then
    _jdk_v=$("$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9.]*\).*/\1/p' | head -n 1)
  fi
  case "$_jdk_v" in
  1.*) _jdk_v=${_jdk_v#1.} ;; # 1.8.0_402 is Java 8
  esac
  _jdk_v=${_jdk_v%%.*}
  echo "${_jdk_v:-0}"
}

# A home with both java and javac (Maven compiles: a JRE is not enough).
jdk_is_jdk() {
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ]
}

# The JDK home of `java` on the PATH (symlinks resolved), or nothing.
jdk_path_home() {
  _jdk_java=$(command -v java 2>/dev/null) || return 0
  _jdk_java=$(readlink -f "$_jdk_java" 2>/dev/null || echo "$_jdk_java")
  dirname "$(dirname "$_jdk_java")"
}

# Every JDK home in the usual places, one per line (globs expanded even under mvnw's `set -f`).
jdk_installed() {
  case $- in *f*) _jdk_noglob=1 ;; *) _jdk_noglob=0 ;; esac
  set +f
  if [ -n "${FPGA_LLM_JDK_DIRS:-}" ]; then
    _jdk_dirs=$FPGA_LLM_JDK_DIRS
  else
    _jdk_sdkman=${SDKMAN_CANDIDATES_DIR:-${SDKMAN_DIR:-$HOME/.sdkman}/candidates}
    _jdk_dirs="/usr/lib/jvm:/usr/java:$_jdk_sdkman/java:$HOME/.jdks"
    for _jdk_h in /Library/Java/JavaVirtualMachines/*/Contents/Home "$HOME"/Library/Java/JavaVirtualMachines/*/Contents/Home; do
      jdk_is_jdk "$_jdk_h" && echo "$_jdk_h"
    done
  fi
  _jdk_ifs=$IFS
  IFS=:
  for _jdk_d in $_jdk_dirs; do
    IFS=$_jdk_ifs
    for _jdk_h in "$_jdk_d"/*; do
      [ -L "$_jdk_h" ] && [ "${_jdk_h##*/}" = current ] && continue # SDKMAN's link to one of the others
      jdk_is_jdk "$_jdk_h" && echo "$_jdk_h"
    done
  done
  IFS=$_jdk_ifs
  [ "$_jdk_noglob" = 0 ] || set -f
  return 0
}

# Prints the JDK to use (JAVA_HOME or the PATH's if recent enough, else the newest installed); fails if none is.
jdk_find() {
  for _jdk_h in "${JAVA_HOME:-}" "$(jdk_path_home)"; do
    if [ -n "$_jdk_h" ] && jdk_is_jdk "$_jdk_h" && [ "$(jdk_major "$_jdk_h")" -ge "$jdk_min_major" ]; then
      echo "$_jdk_h"
      return 0
    fi
  done
  _jdk_best="" _jdk_best_major=0
  for _jdk_h in $(jdk_installed | tr ' ' '\001'); do # homes with spaces survive the word split
    _jdk_h=$(echo "$_jdk_h" | tr '\001' ' ')
    _jdk_m=$(jdk_major "$_jdk_h")
    if [ "$_jdk_m" -ge "$jdk_min_major" ] && [ "$_jdk_m" -gt "$_jdk_best_major" ]; then
      _jdk_best=$_jdk_h _jdk_best_major=$_jdk_m
    fi
  done
  [ -n "$_jdk_best" ] || return 1
  echo "$_jdk_best"
}

# Every JDK seen (JAVA_HOME, the PATH's, the usual places) as "HOME (N)", separated by "; "; "none" if none.
jdk_list() {
  {
    [ -n "${JAVA_HOME:-}" ] && echo "$JAVA_HOME"
    jdk_path_home
    jdk_installed
  } | while IFS= read -r _jdk_h; do
    if [ -z "$_jdk_h" ] || [ ! -x "$_jdk_h/bin/java" ]; then continue; fi
    echo "$(cd -P "$_jdk_h" 2>/dev/null && pwd -P || echo "$_jdk_h")|$_jdk_h ($(jdk_major "$_jdk_h"))"
  done | awk -F'|' '!seen[$1]++ { printf "%s%s", (n++ ? "; " : ""), $2 } END { if (!n) printf "none" }'
}

# ./mvnw's hook: run Maven on a JDK >= 22 when JAVA_HOME is unset or older and one is installed (said on stderr);
# when there is none, Maven runs as it would have and the enforcer's message lists what was found.
jdk_for_maven() {
  if _jdk_use=$(jdk_find); then
    [ "$_jdk_use" = "${JAVA_HOME:-}" ] && return 0
    [ -z "${JAVA_HOME:-}" ] && [ "$_jdk_use" = "$(jdk_path_home)" ] && return 0
    _jdk_path=none
    command -v java >/dev/null 2>&1 && _jdk_path=$(jdk_major "$(jdk_path_home)")
    echo "mvnw: using JDK $(jdk_major "$_jdk_use") at $_jdk_use (JAVA_HOME is ${JAVA_HOME:-unset}, java on the PATH" \
      "is $_jdk_path; fpga-llm needs $jdk_min_major or newer)" >&2
    JAVA_HOME=$_jdk_use
    export JAVA_HOME
  else
    FPGA_LLM_JDKS_FOUND=$(jdk_list)
    export FPGA_LLM_JDKS_FOUND
  fi
}
