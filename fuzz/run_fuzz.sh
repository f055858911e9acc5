#!/usr/bin/env bash
# Builds every libFuzzer target (fuzz/CMakeLists.txt) with clang, ASan and
# UBSan, and runs each for SECONDS from its seeds.
#   fuzz/run_fuzz.sh BUILD_DIR SECONDS
# `make test` runs it for 20 s per target, `make fuzz` for FUZZ_SECONDS
# (default 300). A crash, a sanitizer report or a timeout fails the run; the
# input that caused it is left in BUILD_DIR/artifacts.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 BUILD_DIR SECONDS" >&2; exit 2; }
out=$1
seconds=$2
src=$(cd "$(dirname "$0")/.." && pwd)
for tool in clang clang++; do
  command -v $tool >/dev/null || { echo "$tool is missing: apt-get install clang" >&2; exit 1; }
done
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
mkdir -p "$out"
if [ ! -f "$out/build.ninja" ]; then
  cmake -S "$src" -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ "${launcher[@]}" \
    -DCLT_FUZZ=ON -DBUILD_TESTING=OFF >"$out/configure.log" 2>&1 \
    || { cat "$out/configure.log" >&2; exit 1; }
fi
cmake --build "$out" -j "${JOBS:-2}" --target fuzzers

mkdir -p "$out/artifacts"
failed=()
for target in "$out"/fuzz/targets/*.txt; do
  IFS=$'\t' read -r name exe seeds <"$target"
  corpus="$out/corpus/$name"
  mkdir -p "$corpus"
  cp -n "$seeds"/* "$corpus/"
  echo "== $name: ${seconds}s from $(ls "$corpus" | wc -l) inputs"
  if ! "$exe" -max_total_time="$seconds" -print_final_stats=1 -timeout=5 \
      -artifact_prefix="$out/artifacts/$name-" "$corpus" >"$out/$name.log" 2>&1; then
    failed+=("$name")
  fi
  tail -n 15 "$out/$name.log"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing found a failure in: ${failed[*]} (inputs in $out/artifacts, logs in $out/*.log)" >&2
  exit 1
fi
