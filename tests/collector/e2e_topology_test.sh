#!/usr/bin/env bash
# End to end on the default topology (athos -- porthos -- aramis, real kernel
# IOAM in network namespaces): `clt agent` captures on aramis and reports to
# `clt collector` over a Unix socket; a client on athos sends UDP packets with
# the CLT option for two child spans (clt_udp_sender, filling athos' own
# entry) and exports the spans over OTLP/HTTP. The query API must show, under
# each client span, a network span whose hop spans are athos, porthos, aramis.
# usage: e2e_topology_test.sh CLT_BINARY CLT_UDP_SENDER
set -euo pipefail
clt=$1 sender=$2
source "$(dirname "$0")/../support/collector_ports.sh"
[ "$(id -u)" -eq 0 ] || { echo "FAIL: needs root (network namespaces, packet capture)" >&2; exit 1; }
p="ce2e$$-"
tmp=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  "$clt" topo down --prefix "$p" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for f in "$tmp"/collector.out "$tmp"/agent.err; do [ -f "$f" ] && { echo "--- $f" >&2; tail -20 "$f" >&2; }; done
  exit 1
}
wait_for() {
  local deadline=$((SECONDS + $1))
  while ! eval "$2"; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}

"$clt" topo up --prefix "$p" >/dev/null || fail "topology did not come up"
"$clt" collector --db "$tmp/c.db" --ioam-grpc "unix:$tmp/ioam.sock" --otlp-grpc off \
  --otlp-http 0 --query-http 0 --join-delay 200ms \
  --node-name 1=athos --node-name 2=porthos --node-name 3=aramis >"$tmp/collector.out" 2>&1 &
pids+=($!)
wait_collector_listening "$tmp/collector.out" 10 || fail "collector did not start"
otlp=$(collector_port "$tmp/collector.out" otlp-http) query=$(collector_port "$tmp/collector.out" query)
[ -n "$otlp" ] && [ -n "$query" ] || fail "no otlp-http and query ports in the collector's listening line"
ip netns exec "${p}aramis" "$clt" agent -i eth0 --report per-packet -c "unix:$tmp/ioam.sock" >"$tmp/agent.out" 2>"$tmp/agent.err" &
pids+=($!)
sleep 1
kill -0 "${pids[-1]}" 2>/dev/null || fail "agent exited"

trace=7af7651916cd43dd8448eb211c80319c root=a000000000000001 check=c000000000000002 validate=d000000000000003
now=$(date +%s%N)
cat >"$tmp/spans.json" <<JSON
{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"athos-client"}}]},
 "scopeSpans":[{"scope":{"name":"e2e"},"spans":[
  {"traceId":"$trace","spanId":"$root","name":"GET /api/request","kind":3,"startTimeUnixNano":"$now","endTimeUnixNano":"$((now + 50000000))"},
  {"traceId":"$trace","spanId":"$check","parentSpanId":"$root","name":"GET /check","kind":3,"startTimeUnixNano":"$now","endTimeUnixNano":"$((now + 20000000))"},
  {"traceId":"$trace","spanId":"$validate","parentSpanId":"$root","name":"GET /validate","kind":3,"startTimeUnixNano":"$((now + 20000000))","endTimeUnixNano":"$((now + 40000000))"}]}]}]}
JSON
ip netns exec "${p}athos" "$sender" fd00:2::2 9999 3 "$trace" "$check" 1 || fail "sender failed"
ip netns exec "${p}athos" "$sender" fd00:2::2 9999 4 "$trace" "$validate" 1 || fail "sender failed"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' --data @"$tmp/spans.json" \
  "http://127.0.0.1:$otlp/v1/traces")
[ "$code" = 200 ] || fail "OTLP export answered $code"

check_trace() {
  /usr/bin/python3 - "$query" "$trace" "$check" "$validate" <<'PY'
import json, sys, urllib.request
port, trace, check, validate = sys.argv[1:]
t = json.load(urllib.request.urlopen("http://127.0.0.1:%s/api/traces/%s" % (port, trace), timeout=5))["data"][0]
spans = t["spans"]
def tags(s): return {x["key"]: x["value"] for x in s["tags"]}
for parent, packets in ((check, 3), (validate, 4)):
    nets = [s for s in spans if s["operationName"] == "network path" and s["references"][0]["spanID"] == parent]
    assert len(nets) == 1, "no network span under %s" % parent
    n = nets[0]
    assert tags(n)["ioam.packets"] == packets, tags(n)
    hops = sorted((s for s in spans if s["references"] and s["references"][0]["spanID"] == n["spanID"]),
                  key=lambda s: tags(s)["ioam.hop"])
    names = [tags(h).get("net.node.name") for h in hops]
    assert names[-2:] == ["porthos", "aramis"], names
    assert tags(n)["ioam.path"].endswith("porthos > aramis"), tags(n)["ioam.path"]
    assert all(tags(h)["ioam.namespace_id"] == 123 for h in hops)
    assert all("ioam.delay_us" in tags(h) for h in hops[1:]), [tags(h) for h in hops]
    print("ok: %d packets, path %s, under span %s" % (packets, tags(n)["ioam.path"], parent))
PY
}
wait_for 15 "check_trace >'$tmp/check.out' 2>&1" || fail "trace incomplete: $(cat "$tmp/check.out")"
cat "$tmp/check.out"
echo "PASS: network and hop spans under each client span"
