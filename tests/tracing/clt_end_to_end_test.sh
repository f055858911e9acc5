#!/usr/bin/env bash
# CLT on a client span, end to end through the default topology:
# tracing_example_service in athos calls the example service in aramis with
# `call-clt` (one client span, CLT on its socket). Both export over OTLP/gRPC
# to tracing_test_receiver through a Unix socket. Checks:
#  - packets captured at aramis carry the client span's trace and span ids in
#    the IOAM option, with athos's and porthos's node data (clt decode);
#  - the server span in aramis is the child of that client span.
#   clt_end_to_end_test.sh CLT RECEIVER SERVICE
set -euo pipefail
clt=$1 receiver=$2 service=$3
fail() { echo "FAIL: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "needs root (network namespaces, CAP_NET_RAW)"

prefix="trclt$$-"
tmp=$(mktemp -d)
pids=()
cleanup() {
  exec 3>&- 4>&- 2>/dev/null || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  "$clt" topo down --prefix "$prefix" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
  local seconds=$1 what=$2
  shift 2
  for _ in $(seq $((seconds * 10))); do "$@" && return 0; sleep 0.1; done
  fail "timed out waiting for $what"
}

"$clt" topo up --prefix "$prefix" >/dev/null

mkfifo "$tmp/receiver.in"
"$receiver" --grpc-unix "$tmp/otlp.sock" <"$tmp/receiver.in" >"$tmp/received.jsonl" &
pids+=($!)
exec 3>"$tmp/receiver.in"
wait_for 10 "the OTLP receiver" grep -q READY "$tmp/received.jsonl"

ip netns exec "${prefix}aramis" dumpcap -q -i eth0 -f "ip6" -w "$tmp/aramis.pcap" 2>"$tmp/dumpcap.err" &
pids+=($!)
dumpcap_pid=$!
wait_for 10 "the capture at aramis" test -s "$tmp/aramis.pcap"

otlp_env=(OTEL_EXPORTER_OTLP_PROTOCOL=grpc "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=unix:$tmp/otlp.sock"
          OTEL_BSP_SCHEDULE_DELAY=100)
mkfifo "$tmp/server.in"
ip netns exec "${prefix}aramis" env "${otlp_env[@]}" OTEL_SERVICE_NAME=aramis \
  "$service" serve "$tmp/port" "::" <"$tmp/server.in" &
server_pid=$!
pids+=($server_pid)
exec 4>"$tmp/server.in"
wait_for 10 "the server in aramis" test -s "$tmp/port"
port=$(cat "$tmp/port")

client=$(ip netns exec "${prefix}athos" env "${otlp_env[@]}" OTEL_SERVICE_NAME=athos \
  "$service" call-clt "http://[fd00:2::2]:$port/hello") || fail "the client in athos failed: $client"
echo "client: $client"
exec 4>&-  # the server flushes its spans and exits
wait "$server_pid" || fail "the server in aramis failed"
sleep 0.5
kill -INT "$dumpcap_pid"
wait "$dumpcap_pid" 2>/dev/null || true
"$clt" decode "$tmp/aramis.pcap" >"$tmp/decoded.jsonl"

/usr/bin/python3 - "$client" "$tmp/decoded.jsonl" "$tmp/received.jsonl" <<'PY'
import json, sys
client = json.loads(sys.argv[1])
def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)
if client["clt"] != "ok":
    fail("CLT was not enabled on the client socket: " + client["clt"])
packets = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
traced = [p for p in packets if p.get("trace_id") == client["traceId"] and p.get("span_id") == client["spanId"]]
if not traced:
    fail(f"no packet at aramis carries the client span's ids ({len(packets)} IOAM packets decoded)")
# Captured as the packet enters aramis, before aramis's own IOAM processing:
# the sender's own entry and the router's.
path = [n.get("id") for n in traced[0]["nodes"]]
if path != [1, 2]:
    fail(f"IOAM node path {path}, expected [1, 2] (athos, porthos) at aramis's ingress")
others = [p for p in packets if p.get("trace_id") not in (None, client["traceId"])]
if others:
    fail(f"{len(others)} packets carry other trace ids")
spans = []
for line in open(sys.argv[3]):
    if line.startswith("READY"):
        continue
    request = json.loads(line)["request"]
    for rs in request.get("resourceSpans", []):
        service = next(a["value"]["stringValue"] for a in rs["resource"]["attributes"] if a["key"] == "service.name")
        for ss in rs.get("scopeSpans", []):
            for s in ss.get("spans", []):
                spans.append((service, s))
server = [s for svc, s in spans if svc == "aramis" and s["name"] == "GET /hello"]
clients = [s for svc, s in spans if svc == "athos" and s["spanId"] == client["spanId"]]
if not clients or clients[0].get("kind") != 3:
    fail("the client span did not reach the OTLP endpoint as a client span")
if not server or server[0]["traceId"] != client["traceId"] or server[0].get("parentSpanId") != client["spanId"]:
    fail("the server span in aramis is not the child of the client span")
print(f"ok: {len(traced)} packets at aramis carry trace {client['traceId']} span {client['spanId']} "
      f"over nodes {path}; server span {server[0]['spanId']} is its child")
PY
