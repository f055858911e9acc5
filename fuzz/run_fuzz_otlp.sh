#!/usr/bin/env bash
# Builds the OTLP receivers' fuzzer with clang (libFuzzer + ASan + UBSan) and
# runs it.
#   run_fuzz_otlp.sh OUT_DIR SECONDS
# The OTLP protobuf code is generated here with protoc (the fuzzer does not
# depend on a build directory). Seeds: tests/data/fuzz-otlp-seeds.
set -euo pipefail
out=$1
seconds=${2:-20}
src=$(cd "$(dirname "$0")/.." && pwd)
command -v clang++ >/dev/null || { echo "clang++ is missing: apt-get install clang" >&2; exit 1; }
mkdir -p "$out/gen" "$out/corpus-otlp"
protos=(opentelemetry/proto/common/v1/common.proto opentelemetry/proto/resource/v1/resource.proto
        opentelemetry/proto/trace/v1/trace.proto
        opentelemetry/proto/collector/trace/v1/trace_service.proto)
protoc -I "$src/proto" --cpp_out="$out/gen" "${protos[@]/#/$src/proto/}"
gen=()
for p in "${protos[@]}"; do gen+=("$out/gen/${p%.proto}.pb.cc"); done
flags=(-std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
       -I "$src/src" -isystem "$out/gen")
# Only the code under test is instrumented for coverage; the generated code
# is compiled with the sanitizers alone.
objs=()
for f in "${gen[@]}"; do
  o="$out/$(basename "$f" .cc).o"
  [ "$o" -nt "$f" ] || clang++ -std=c++20 -O1 -g -fsanitize=address,undefined -w \
    -isystem "$out/gen" -c "$f" -o "$o"
  objs+=("$o")
done
clang++ "${flags[@]}" "$src/fuzz/fuzz_otlp_receivers.cpp" \
  "$src/src/collector/ingest/otlp_http_request.cpp" "$src/src/collector/ingest/http_body.cpp" \
  "$src/src/collector/http/http_message.cpp" "$src/src/collector/ingest/otlp_spans.cpp" \
  "$src/src/collector/model/jaeger_render.cpp" \
  "$src/src/otlp/otlp_json.cpp" "$src/src/otlp/json_depth.cpp" "$src/src/otlp/json_ids.cpp" \
  "$src/src/otlp/base64.cpp" \
  "$src/src/core/hex.cpp" "$src/src/core/ids.cpp" "$src/src/core/json_string.cpp" "$src/src/core/text_excerpt.cpp" "${objs[@]}" \
  $(pkg-config --libs protobuf zlib) -o "$out/fuzz_otlp_receivers"
cp -n "$src"/tests/data/fuzz-otlp-seeds/* "$out/corpus-otlp/" 2>/dev/null || true
"$out/fuzz_otlp_receivers" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 \
  -artifact_prefix="$out/" \
  -rss_limit_mb=2048 -max_len=65536 "$out/corpus-otlp" 2>&1 | tail -n 15
