#!/usr/bin/env bash
# The example service exports to a real OTLP endpoint, `clt collector`: the
# server exports over OTLP/HTTP protobuf, the client over OTLP/gRPC; the
# trace read back from the collector's Jaeger-compatible query API holds both
# spans, the server span a child of the client span.
#   collector_export_test.sh CLT SERVICE
set -euo pipefail
clt=$1 service=$2
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d)
pids=()
cleanup() {
  exec 4>&- 2>/dev/null || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

source "$(dirname "$0")/../support/collector_ports.sh"

# Ports the kernel picks on loopback (never the defaults).
"$clt" collector --otlp-http 0 --otlp-grpc 127.0.0.1:0 --query-http 0 \
  --ioam-grpc off --db "$tmp/collector.db" >"$tmp/collector.log" 2>&1 &
pids+=($!)
wait_collector_listening "$tmp/collector.log" 10 || fail "the collector did not start: $(cat "$tmp/collector.log")"
otlp_http=$(collector_port "$tmp/collector.log" otlp-http)
otlp_grpc=$(collector_port "$tmp/collector.log" otlp-grpc)
query=$(collector_port "$tmp/collector.log" query)

mkfifo "$tmp/server.in"
env OTEL_SERVICE_NAME=example-server OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf \
  OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$otlp_http" OTEL_BSP_SCHEDULE_DELAY=100 \
  "$service" serve "$tmp/port" <"$tmp/server.in" &
server_pid=$!
pids+=($server_pid)
exec 4>"$tmp/server.in"
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
[ -s "$tmp/port" ] || fail "the example server did not start"

client=$(env OTEL_SERVICE_NAME=example-client OTEL_EXPORTER_OTLP_PROTOCOL=grpc \
  OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$otlp_grpc" \
  "$service" call "http://127.0.0.1:$(cat "$tmp/port")/hello") || fail "the example client failed"
exec 4>&-
wait "$server_pid" || fail "the example server failed"

/usr/bin/python3 - "$client" "$query" "$tmp/collector.log" <<'PY'
import json, sys, time, urllib.request
client = json.loads(sys.argv[1])
url = f"http://127.0.0.1:{sys.argv[2]}/api/traces/{client['traceId']}"
def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    print(open(sys.argv[3]).read()[-2000:], file=sys.stderr)
    sys.exit(1)
spans = []
for _ in range(50):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            data = json.load(response).get("data") or []
        spans = data[0]["spans"] if data else []
        processes = data[0]["processes"] if data else {}
    except Exception as error:  # not stored yet: 404 until the spans land
        last = error
    if len(spans) >= 3:
        break
    time.sleep(0.2)
by_name = {s["operationName"]: s for s in spans}
if "GET /hello" not in by_name or "compose greeting" not in by_name:
    fail(f"trace {client['traceId']} from the collector has {sorted(by_name)}")
client_span = next((s for s in spans if s["spanID"] == client["spanId"]), None)
server_span = next((s for s in spans if s["spanID"] != client["spanId"] and s["operationName"] == "GET /hello"), None)
if client_span is None or server_span is None:
    fail("client or server span missing: " + json.dumps(spans)[:1000])
refs = [r["spanID"] for r in server_span.get("references", []) if r.get("refType") == "CHILD_OF"]
if refs != [client["spanId"]]:
    fail(f"server span references {refs}, expected the client span {client['spanId']}")
services = {processes[s["processID"]]["serviceName"] for s in (client_span, server_span)}
if services != {"example-client", "example-server"}:
    fail(f"services {services}")
print(f"ok: trace {client['traceId']} stored by clt collector: client (OTLP/gRPC) -> server (OTLP/HTTP)")
PY
