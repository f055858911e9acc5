#!/usr/bin/env bash
# Telemetry lost on a live kernel path (root): CLT traffic over a veth pair
# into a namespace whose kernel fills IOAM and emits trace events, sent as
# fast as the generator can (or at the given rates), SPANS spans taking the
# packets in turn; `clt agent` on the receiving side reports to `clt
# collector` (SQLite). Per run it compares the packets the receiving
# interface's kernel counted (rx0 rx_packets) with the packets the
# collector stored: the sum of the network rows' packet counts for span
# summaries (--report summaries), the stored reports for --report
# per-packet (the baseline, same rates, same run). Lost = received - stored.
#   bench/agent_live_summaries.sh BUILD_DIR [SECONDS] [SPANS] [RATES...]
# A rate of 0 is "as fast as the generator can".
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
seconds=${2:-3}
spans=${3:-64}
shift $(( $# >= 3 ? 3 : $# ))
rates=("$@")
[ ${#rates[@]} -gt 0 ] || rates=(0)
[ "$(id -u)" -eq 0 ] || { echo "agent_live_summaries.sh: needs root (namespaces, capture)" >&2; exit 1; }
source "$(dirname "$0")/../tests/support/collector_ports.sh"
tx="agsum$$-tx" rx="agsum$$-rx"
tmp=$(mktemp -d)
pids=()
source "$(dirname "$0")/live_netns.sh"
trap live_netns_cleanup EXIT
live_netns_up

rx_packets() { ip netns exec "$rx" cat /sys/class/net/rx0/statistics/rx_packets; }
stored_packets() {
  /usr/bin/python3 - "$tmp/c.db" "$1" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
sql = ("SELECT coalesce(sum(packets), 0) FROM network" if sys.argv[2] == "summaries"
       else "SELECT coalesce(sum(count), 0) FROM ioam_records")
print(db.execute(sql).fetchone()[0])
PY
}

# One run: collector, agent, traffic; then the agent stops (flushing what it
# holds), the collector stops (writing what waits), and the counts are read.
run() {
  local mode=$1 rate=$2
  rm -f "$tmp"/c.db* "$tmp/ioam.sock" "$tmp/stats.json"
  "$build/clt" collector --ioam-grpc "unix:$tmp/ioam.sock" --otlp-grpc off --otlp-http off \
    --query-http 127.0.0.1:0 --db "$tmp/c.db" --retention 0 --max-db-size 0 \
    --join-delay 100ms >"$tmp/collector.out" 2>&1 &
  local col=$!
  pids+=("$col")
  wait_collector_listening "$tmp/collector.out" 10 || { cat "$tmp/collector.out" >&2; exit 1; }
  ip netns exec "$rx" "$build/clt" agent -i rx0 -c "unix:$tmp/ioam.sock" --report "$mode" \
    --stats "$tmp/stats.json" 2>"$tmp/agent.err" &
  local agent=$!
  pids+=("$agent")
  while [ ! -s "$tmp/stats.json" ]; do sleep 0.05; done
  sleep 0.3
  local r0 d0 r1 d1
  r0=$(rx_packets) d0=$(link_drops)
  local offered=$rate
  [ "$rate" = 0 ] && offered=100000000
  ip netns exec "$tx" "$build/bench/bench_agent_traffic" fd00:99::2 9999 "$offered" "$seconds" \
    "$spans" >"$tmp/gen.json"
  sleep 0.5
  r1=$(rx_packets) d1=$(link_drops)
  kill -TERM "$agent"
  wait "$agent" 2>/dev/null || true
  sleep 0.5
  kill -TERM "$col"
  wait "$col" 2>/dev/null || true
  local received=$((r1 - r0)) stored
  stored=$(stored_packets "$mode")
  local sent achieved
  sent=$(jq .sent "$tmp/gen.json") achieved=$(jq .rate "$tmp/gen.json")
  local s=$tmp/stats.json
  local agent_view
  if [ "$mode" = summaries ]; then
    agent_view="seen $(jq .packets_seen "$s"), ring drops $(jq .ring_drops "$s"), aggregated $(jq .summaries.packets_aggregated "$s"), sent $(jq .summaries.packets_sent "$s") in $(jq .summaries.sent "$s") summaries / $(jq .summaries.messages_sent "$s") messages, dropped $(jq .summaries.packets_dropped "$s")"
  else
    agent_view="seen $(jq .packets_seen "$s"), ring drops $(jq .ring_drops "$s"), reports sent $(jq .reports.sent "$s"), dropped $(jq .reports.dropped "$s")"
  fi
  printf '%-10s | %-10s | %9s pps | sent %9s | rx0 received %9s | stored %9s | lost %7s | link drops %s | agent: %s\n' \
    "$mode" "$rate" "$achieved" "$sent" "$received" "$stored" "$((received - stored))" \
    "$((d1 - d0))" "$agent_view"
}

for rate in "${rates[@]}"; do
  run per-packet "$rate"
  run summaries "$rate"
done
