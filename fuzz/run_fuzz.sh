#!/usr/bin/env bash
# Builds the decoder fuzzer with clang (libFuzzer + ASan + UBSan) and runs it.
#   run_fuzz.sh OUT_DIR SECONDS
# Seeds: the real captures' frames (tests/data/fuzz-seeds). `make fuzz` runs
# it longer (FUZZ_SECONDS, default 300).
set -euo pipefail
out=$1
seconds=${2:-20}
src=$(cd "$(dirname "$0")/.." && pwd)
command -v clang++ >/dev/null || { echo "clang++ is missing: apt-get install clang" >&2; exit 1; }
mkdir -p "$out/corpus"
clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
  -I "$src/src" "$src/fuzz/fuzz_decode.cpp" "$src"/src/core/*.cpp -o "$out/fuzz_decode"
cp -n "$src"/tests/data/fuzz-seeds/* "$out/corpus/" 2>/dev/null || true
"$out/fuzz_decode" -max_total_time="$seconds" -print_final_stats=1 -timeout=5 "$out/corpus" 2>&1 | tail -n 15
