#!/usr/bin/env bash
# The agent against this project's own collector (`clt collector`), over its
# IOAM gRPC receiver on a Unix socket: the collector's raw records for the
# span have the ids and athos > porthos > aramis, one per packet.
TEST_NAME=agcol
source "$(dirname "$0")/agent_test_lib.sh"
source "$(dirname "$0")/../support/collector_ports.sh"
topo_up
"$clt" collector --ioam-grpc "unix:$tmp/ioam.sock" --otlp-grpc off --otlp-http off \
  --query-http 127.0.0.1:0 --db "$tmp/c.db" --join-delay 100ms >"$tmp/collector.out" 2>&1 &
pids+=($!)
wait_collector_listening "$tmp/collector.out" 10 || fail "clt collector did not start: $(cat "$tmp/collector.out")"
port=$(collector_port "$tmp/collector.out" query)
start_agent --report per-packet -c "unix:$tmp/ioam.sock"
trace=6bf92f3577b34da6a3ce929d0e0e4736 span=10f067aa0ba902b7
send 5 $trace $span 1 2000
records() {
  /usr/bin/python3 -c "
import json, urllib.request
url = 'http://127.0.0.1:$port/api/ioam/records?traceID=$trace&spanID=$span'
data = json.load(urllib.request.urlopen(url, timeout=5))['data']
print(len([r for r in data if [n['id'] for n in r['nodes']] == [1, 2, 3] and r['ids_intact']]))"
}
wait_for 15 "[ \"\$(records 2>/dev/null)\" = 5 ]" || fail "collector has $(records) of 5 records with ids and nodes 1 > 2 > 3"
stop_agent
[ "$(stat .reports.sent)" = 5 ] || fail "reports.sent"
echo "PASS: clt collector stored 5 records with the ids and every node"
