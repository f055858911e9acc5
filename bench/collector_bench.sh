#!/usr/bin/env bash
# Collector throughput on loopback with our load generator:
#   1. baseline: the same IOAM report streams into a gRPC server that discards
#      them (the transport's ceiling on this machine, same run);
#   2. IOAM reports/s acknowledged by `clt collector` (parse, join, SQLite);
#      then clt.v1 span summaries (10 packets per span, 100 spans per
#      message), counted in packets represented, beside the same summary
#      streams into the discard sink;
#   3. OTLP/gRPC spans/s acknowledged (1M spans, 10 per trace);
#   4. OTLP/HTTP requests/s acknowledged (protobuf, keep-alive, 10 spans each);
#   5. trace-by-id query latency with those spans stored;
#   6. tag searches (/api/traces?service=&tags=): one every span matches, one
#      no span matches (the worst case of a search that filtered scanned
#      spans);
#   7. the collector's peak resident memory;
#   8. 2 to 4 again against a second collector with --tls-cert (TLS 1.3,
#      certificates made with openssl now): the cost of TLS beside 2 to 4.
# usage: bench/collector_bench.sh BUILD_DIR
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
source "$(dirname "$0")/../tests/support/collector_ports.sh"
load="$build/bench/bench_collector_load"
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

streams=${COLLECTOR_BENCH_STREAMS:-4}
reports=${COLLECTOR_BENCH_REPORTS:-100000}
sink=$(port)
"$load" sink "$sink" & pids+=($!)
sleep 0.5
echo "-- baseline: discard sink"
"$load" ioam "127.0.0.1:$sink" "$streams" "$reports" 8
summary_batches=${COLLECTOR_BENCH_SUMMARY_BATCHES:-200}
"$load" summaries "127.0.0.1:$sink" "$streams" "$summary_batches" 100 10

"$build/clt" collector --db "$work/bench.db" --ioam-grpc 0 --otlp-grpc 0 \
  --otlp-http 0 --query-http 0 --retention 0 --max-db-size 0 \
  2>"$work/collector.log" &
collector=$!
pids+=("$collector")
wait_collector_listening "$work/collector.log" 10 || { cat "$work/collector.log" >&2; exit 1; }
ioam=$(collector_port "$work/collector.log" ioam)
otlp=$(collector_port "$work/collector.log" otlp-grpc)
otlp_http=$(collector_port "$work/collector.log" otlp-http)
query=$(collector_port "$work/collector.log" query)
echo "-- clt collector"
"$load" ioam "127.0.0.1:$ioam" "$streams" "$reports" 8
"$load" ioam "127.0.0.1:$ioam" "$streams" "$reports" 32
"$load" summaries "127.0.0.1:$ioam" "$streams" "$summary_batches" 100 10
run=$(date +%s)
"$load" otlp "127.0.0.1:$otlp" 4 250 1000 "$run"
"$load" otlp-http "127.0.0.1:$otlp_http" 4 2500 10 "$((run + 1))"
"$load" query "127.0.0.1:$query" 2000 4 250 100 "$run"
/usr/bin/python3 - "$query" <<'PY'
import json, sys, time, urllib.parse, urllib.request
port = sys.argv[1]
for name, tags in (("matching", {"http.status_code": "200"}), ("matching none", {"http.status_code": "500"})):
    url = "http://127.0.0.1:%s/api/traces?service=load-0&lookback=1h&limit=20&tags=%s" % (
        port, urllib.parse.quote(json.dumps(tags)))
    times = []
    for _ in range(20):
        t = time.monotonic()
        with urllib.request.urlopen(url, timeout=60) as r:
            found = len(json.load(r)["data"])
        times.append((time.monotonic() - t) * 1000)
    times.sort()
    print("search %s: %d traces, p50 %.1f ms, max %.1f ms" % (name, found, times[10], times[-1]))
PY
grep -E 'VmHWM|VmRSS' "/proc/$collector/status"
ls -l "$work/bench.db" | awk '{printf "database: %.0f MB\n", $5/1e6}'
kill "$collector"; wait "$collector" 2>/dev/null || true

echo "-- clt collector with TLS (--tls-cert)"
here=$(cd "$(dirname "$0")" && pwd)
"$here/../tests/support/make_test_certs.sh" "$work/certs"
ioam=$(port); otlp=$(port); otlp_http=$(port); query=$(port)
"$build/clt" collector --db "$work/bench-tls.db" --ioam-grpc "$ioam" --otlp-grpc "$otlp" \
  --otlp-http "$otlp_http" --query-http "$query" --retention 0 --max-db-size 0 \
  --tls-cert "$work/certs/server.crt" --tls-key "$work/certs/server.key" \
  2>"$work/collector-tls.log" &
collector=$!
pids+=("$collector")
for _ in $(seq 50); do
  curl -sf --cacert "$work/certs/ca.crt" "https://127.0.0.1:$query/healthz" >/dev/null && break
  sleep 0.1
done
export CLT_LOAD_TLS_CA="$work/certs/ca.crt"
"$load" ioam "127.0.0.1:$ioam" "$streams" "$reports" 8
run=$(date +%s)
"$load" otlp "127.0.0.1:$otlp" 4 250 1000 "$run"
"$load" otlp-http "127.0.0.1:$otlp_http" 4 2500 10 "$((run + 1))"
grep -E 'VmHWM' "/proc/$collector/status"
