#!/usr/bin/env bash
# Zero-code HTTP requests/s through the default topology (root): a keep-alive
# HTTP/1.1 load generator on athos (bench_zero_code_load, a fresh sampled
# traceparent per request) posts to the zero-code demo's Node.js backend on
# aramis (official OpenTelemetry SDK preloaded, exporting to a collector),
# across porthos. Rounds alternate, in the same run:
#   off  no agent on any node
#   on   the zero-code demo's agents: `clt agent --encap eth0 --traceparent
#        --interface eth0` on athos and aramis, reporting to the collector
# Prints each round and the median requests/s of each mode, and on/off.
#   bench/zero_code_bench.sh BUILD_DIR [SECONDS] [ROUNDS] [CONNECTIONS]
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
seconds=${2:-8}
rounds=${3:-3}
connections=${4:-4}
here=$(cd "$(dirname "$0")/.." && pwd)
zc="$here/demo/zero-code"
clt="$build/clt"
load="$build/bench/bench_zero_code_load"
[ "$(id -u)" -eq 0 ] || { echo "zero_code_bench.sh: needs root (namespaces, eBPF)" >&2; exit 1; }
[ -d "$zc/node_modules/@opentelemetry/sdk-trace-node" ] ||
  { echo "zero_code_bench.sh: run scripts/install-deps.sh zero-code first" >&2; exit 1; }
prefix="zb$$-"
tmp=$(mktemp -d /tmp/clt-zero-code-bench.XXXXXX)
chmod 755 "$tmp"
pids=()
agents=()
cleanup() {
  for pid in "${agents[@]}" "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${agents[@]}" "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  "$clt" topo down --prefix "$prefix" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

"$clt" topo up --prefix "$prefix" >/dev/null
# As the demo: segments leave the client one by one, as on a wire.
ip -n "${prefix}athos" link set dev eth0 gso_max_segs 1
"$clt" collector --ioam-grpc "unix:$tmp/ioam.sock" --otlp-grpc "unix:$tmp/otlp.sock" \
  --db "$tmp/traces.db" >"$tmp/collector.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -S "$tmp/otlp.sock" ] && [ -S "$tmp/ioam.sock" ] && break; sleep 0.1; done
chown 65534:65534 "$tmp/otlp.sock"
ip netns exec "${prefix}aramis" setpriv --reuid=65534 --regid=65534 --clear-groups \
  --inh-caps=-all --bounding-set=-all --no-new-privs \
  env OTEL_SERVICE_NAME=backend OTEL_RESOURCE_ATTRIBUTES=host.name=aramis \
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="unix://$tmp/otlp.sock" OTEL_EXPORTER_OTLP_TRACES_INSECURE=true \
  node --require "$zc/tracing.js" "$zc/backend.js" 8081 0 0 >"$tmp/backend.log" 2>&1 &
pids+=($!)
ready=
for _ in $(seq 300); do
  if ip netns exec "${prefix}athos" curl -sf -o /dev/null "http://[fd00:2::2]:8081/healthz"; then
    ready=1
    break
  fi
  sleep 0.1
done
[ -n "$ready" ] || { cat "$tmp/backend.log" >&2; echo "zero_code_bench.sh: the backend did not start" >&2; exit 1; }

start_agents() {
  for node in athos aramis; do
    ip netns exec "$prefix$node" "$clt" agent --encap eth0 --traceparent --interface eth0 \
      --collector "unix:$tmp/ioam.sock" --stats "$tmp/agent-$node.json" \
      --stats-interval-ms 500 >"$tmp/agent-$node.log" 2>&1 &
    agents+=($!)
  done
  for node in athos aramis; do
    for _ in $(seq 100); do [ -f "$tmp/agent-$node.json" ] && break; sleep 0.1; done
    [ -f "$tmp/agent-$node.json" ] || { cat "$tmp/agent-$node.log" >&2; exit 1; }
  done
}
stop_agents() {
  for pid in "${agents[@]}"; do kill -TERM "$pid"; done
  for pid in "${agents[@]}"; do wait "$pid" || true; done
  agents=()
  rm -f "$tmp"/agent-*.json
}
run_load() {  # mode round
  ip netns exec "${prefix}athos" "$load" fd00:2::2 8081 /check "$connections" "$seconds" 512 \
    >"$tmp/$1-$2.json" || { cat "$tmp/$1-$2.json" >&2; exit 1; }
  /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%s round %s: %.0f requests/s (%d requests, %d errors)" % (sys.argv[2], sys.argv[3], d["rps"], d["requests"], d["errors"]))' \
    "$tmp/$1-$2.json" "$1" "$2"
}

# A warm-up round: the Node.js JIT and the connections' first requests.
ip netns exec "${prefix}athos" "$load" fd00:2::2 8081 /check "$connections" 2 512 >"$tmp/warm-up.json" ||
  { cat "$tmp/warm-up.json" "$tmp/backend.log" >&2; exit 1; }
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$rounds"); do
  run_load off "$round"
  start_agents
  run_load on "$round"
  bound=$(/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d.get("datapath", {}).get("http_requests_bound", 0))' "$tmp/agent-athos.json")
  echo "  (athos agent: $bound requests bound from their traceparent so far)"
  stop_agents
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 - "$tmp" "$rounds" <<'PY'
import json, statistics, sys
tmp, rounds = sys.argv[1], int(sys.argv[2])
rps = {m: [json.load(open("%s/%s-%d.json" % (tmp, m, r)))["rps"] for r in range(1, rounds + 1)] for m in ("off", "on")}
off, on = statistics.median(rps["off"]), statistics.median(rps["on"])
print("median: off %.0f requests/s, on %.0f requests/s, on/off %.1f%%" % (off, on, 100 * on / off))
PY
