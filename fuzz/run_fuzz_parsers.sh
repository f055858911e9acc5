#!/usr/bin/env bash
# Builds the libFuzzer targets of the collector's IOAM report path, the
# topology parser and the collector's configuration file with clang
# (libFuzzer + ASan + UBSan), compiling only the code under test, and runs
# each for SECONDS from its seeds (tests/data/fuzz-*-seeds).
#   run_fuzz_parsers.sh OUT_DIR SECONDS [TARGET...]
# TARGET: ioam_report, topology, collector_config (default: all). A crash, a
# sanitizer report or a timeout fails the run; the input that caused it is
# left in OUT_DIR/TARGET-crash-*.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 OUT_DIR SECONDS [TARGET...]" >&2; exit 2; }
out=$1
seconds=$2
shift 2
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(ioam_report topology collector_config)
src=$(cd "$(dirname "$0")/.." && pwd)
for tool in clang++ protoc pkg-config; do
  command -v $tool >/dev/null || { echo "$tool is missing: scripts/install-deps.sh test" >&2; exit 1; }
done
mkdir -p "$out"
# A second run (and the one of the other target) compiles nothing again.
cxx=(clang++)
command -v ccache >/dev/null && cxx=(ccache clang++)
sanitize=(-fsanitize=address,undefined -fno-sanitize-recover=all)
flags=(-std=c++20 -O1 -g -fsanitize=fuzzer-no-link "${sanitize[@]}" -I "$src/src")

# Generated code: the sanitizers, no coverage; compiled once.
plain_object() {  # SOURCE OBJECT [FLAGS...]
  local source=$1 object=$2
  shift 2
  [ "$object" -nt "$source" ] || "${cxx[@]}" -std=c++20 -O1 -g "${sanitize[@]}" -w "$@" -c "$source" -o "$object"
}

# The code under test, with coverage; one file at a time, so that ccache
# can serve it again. Prints the object.
covered_object() {  # SOURCE [FLAGS...]
  local source=$1
  shift
  local object
  object="$out/obj/$(echo "${source#"$src"/}" | tr / _).o"
  mkdir -p "$out/obj"
  "${cxx[@]}" "${flags[@]}" "$@" -c "$source" -o "$object"
  echo "$object"
}

link() {  # NAME OBJECT... [-lLIB...]
  local name=$1
  shift
  "${cxx[@]}" -fsanitize=fuzzer "${sanitize[@]}" "$@" -o "$out/fuzz_$name"
}

build_ioam_report() {
  mkdir -p "$out/gen"
  protoc -I "$src/proto" --cpp_out="$out/gen" "$src/proto/ioam_api.proto"
  plain_object "$out/gen/ioam_api.pb.cc" "$out/ioam_api.pb.o" -isystem "$out/gen"
  local objects=() f m="src/collector/model"
  for f in fuzz/fuzz_ioam_report.cpp $m/ioam_record.cpp $m/node_names.cpp $m/network_summary.cpp \
      $m/network_spans.cpp $m/record_blob.cpp src/collector/joiner.cpp \
      src/ioam_api/trace_mapping.cpp src/aggregate/node_fields.cpp src/aggregate/span_aggregate.cpp \
      src/sketch/log_sketch.cpp src/core/hex.cpp src/core/ids.cpp src/core/json_string.cpp \
      src/core/text_excerpt.cpp; do
    objects+=("$(covered_object "$src/$f" -isystem "$out/gen")")
  done
  link ioam_report "${objects[@]}" "$out/ioam_api.pb.o" $(pkg-config --libs protobuf)
}

build_topology() {
  local objects=() f
  for f in fuzz/fuzz_topology.cpp src/topo/topology_parser.cpp src/core/text_excerpt.cpp \
      src/core/hex.cpp; do
    objects+=("$(covered_object "$src/$f")")
  done
  link topology "${objects[@]}"
}

build_collector_config() {
  local objects=() f
  for f in fuzz/fuzz_collector_config.cpp src/collector/model/node_names.cpp \
      src/core/text_excerpt.cpp src/core/hex.cpp; do
    objects+=("$(covered_object "$src/$f")")
  done
  link collector_config "${objects[@]}"
}

seeds_of() {
  case $1 in
    ioam_report) echo "$src/tests/data/fuzz-ioam-report-seeds" ;;
    topology) echo "$src/tests/data/fuzz-topology-seeds" ;;
    collector_config) echo "$src/tests/data/fuzz-collector-config-seeds" ;;
  esac
}

failed=()
for t in "${targets[@]}"; do
  declare -F "build_$t" >/dev/null || { echo "unknown fuzz target $t" >&2; exit 2; }
  "build_$t"
  corpus="$out/corpus-$t"
  mkdir -p "$corpus"
  cp -n "$(seeds_of "$t")"/* "$corpus/"
  echo "== fuzz_$t: ${seconds}s from $(ls "$corpus" | wc -l) inputs"
  if ! "$out/fuzz_$t" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 \
      -rss_limit_mb=2048 -max_len=65536 -artifact_prefix="$out/$t-" "$corpus" >"$out/$t.log" 2>&1; then
    failed+=("$t")
  fi
  tail -n 15 "$out/$t.log"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing found a failure in: ${failed[*]} (inputs in $out/*-crash-*, logs in $out/*.log)" >&2
  exit 1
fi
