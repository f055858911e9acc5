#!/usr/bin/env bash
# An agent sharding over two `clt collector`s that share one ClickHouse
# (-c A -c B): each trace id's summaries go to one collector by rendezvous
# hashing, both collectors get some, and every trace is complete from either
# collector's query API. Then one collector is stopped: the agent fails over
# to the other, counts it, and the traces sent since are complete too.
# Run under tests/support/clickhouse_server.py (CLT_CLICKHOUSE_URL).
TEST_NAME=agshard
source "$(dirname "$0")/agent_test_lib.sh"
source "$(dirname "$0")/../support/collector_ports.sh"
[ -n "${CLT_CLICKHOUSE_URL:-}" ] || fail "CLT_CLICKHOUSE_URL is not set: run under clickhouse_server.py"
topo_up
start_clt_collector() {  # NAME
  "$clt" collector --ioam-grpc "unix:$tmp/$1.sock" --otlp-grpc off --otlp-http off \
    --query-http 127.0.0.1:0 --store "$CLT_CLICKHOUSE_URL" --join-delay 100ms \
    >"$tmp/$1.out" 2>&1 &
  eval "${1}_pid=$!"
  pids+=($!)
  wait_collector_listening "$tmp/$1.out" 20 || fail "collector $1 did not start: $(cat "$tmp/$1.out")"
  eval "${1}_port=$(collector_port "$tmp/$1.out" query)"
}
start_clt_collector a
start_clt_collector b
trace_of() { printf '%08x7bf92f3577b34da6a3ce929d' "$1"; }
start_agent -c "unix:$tmp/a.sock" -c "unix:$tmp/b.sock" --span-quiet-ms 300
# The agent connects when it has something to send: a first trace, then both up.
send 5 "$(trace_of 0)" 20f067aa0ba902b7 1 2000
wait_for 10 "[ \"\$(stat .collector.connected_collectors)\" -ge 1 ]" || fail "agent connected to no collector"
for i in $(seq 1 12); do send 5 "$(trace_of "$i")" 20f067aa0ba902b7 1 2000; done

# complete PORT FIRST LAST: traces FIRST..LAST each have their network span
# (5 packets) and 3 hop spans from the collector at PORT.
complete() {
  /usr/bin/python3 - "$@" <<'PY'
import json, sys, urllib.request
port, first, last = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(first, last + 1):
    trace = '%08x7bf92f3577b34da6a3ce929d' % i
    data = json.loads(urllib.request.urlopen(
        f'http://127.0.0.1:{port}/api/traces/{trace}', timeout=5).read())['data']
    assert data, f'trace {i} not found'
    tags = [{t['key']: t['value'] for t in s['tags']} for s in data[0]['spans']]
    networks = [t for t in tags if t.get('ioam.kind') == 'network']
    hops = [t for t in tags if t.get('ioam.kind') == 'hop']
    assert len(networks) == 1 and int(networks[0]['ioam.packets']) == 5, f'trace {i}: {networks}'
    assert len(hops) == 3, f'trace {i}: {len(hops)} hop spans'
print('ok')
PY
}
received() {  # PORT: summarized packets the collector at PORT received
  curl -s "http://127.0.0.1:$1/metrics" | awk '$1 == "clt_collector_ioam_packets_received_total" {print $2}'
}
for port in $a_port $b_port; do
  wait_for 20 "[ \"\$(complete $port 0 12 2>/dev/null)\" = ok ]" ||
    fail "traces incomplete from the collector on port $port: $(complete "$port" 0 12 2>&1 | tail -1)"
done
ra=$(received "$a_port") rb=$(received "$b_port")
[ "${ra%.*}" -gt 0 ] && [ "${rb%.*}" -gt 0 ] ||
  fail "not sharded: collector a got $ra packets, b $rb ($(stat .collector.failovers) failovers)"
[ "$(( ${ra%.*} + ${rb%.*} ))" -eq 65 ] || fail "collectors got $ra + $rb packets, sent 65"
[ "$(stat .collector.connected_collectors)" = 2 ] || fail "connected to $(stat .collector.connected_collectors) collectors"
[ "$(stat .collector.failovers)" = 0 ] || fail "failovers with both collectors up"

# Collector b down: its traces go to a, counted. What the agent wrote into
# b's stream before seeing it gone is lost (gRPC does not say what the peer
# read: docs/agent.md); so first traces until the agent saw it, then the ones
# checked.
kill -TERM "$b_pid"
wait "$b_pid" 2>/dev/null || true
for i in $(seq 101 116); do send 5 "$(trace_of "$i")" 20f067aa0ba902b7 1 2000; done
wait_for 10 "[ \$(stat .collector.stream_failures) -ge 1 ] && [ \$(stat .collector.connected_collectors) -eq 1 ]" ||
  fail "the agent did not see collector b go"
for i in $(seq 13 24); do send 5 "$(trace_of "$i")" 20f067aa0ba902b7 1 2000; done
wait_for 20 "[ \"\$(complete $a_port 13 24 2>/dev/null)\" = ok ]" ||
  fail "traces sent with b down incomplete from a: $(complete "$a_port" 13 24 2>&1 | tail -1)"
failovers=$(stat .collector.failovers)
[ "$failovers" -gt 0 ] || fail "no failover counted with collector b down"
stop_agent
[ "$(stat .summaries.packets_sent)" = 205 ] || fail "summaries.packets_sent $(stat .summaries.packets_sent)"
[ "$(stat .summaries.packets_dropped)" = 0 ] || fail "summaries.packets_dropped $(stat .summaries.packets_dropped)"
echo "PASS: 25 traces over 2 collectors ($ra and $rb packets), complete from either; $failovers failovers with one down"
