#!/usr/bin/env bash
# Messages per packet on a real kernel path (default topology, root): SPANS
# spans of 10 packets each from athos, captured by `clt agent` on aramis and
# sent to `clt collector`; once with span summaries (--report summaries, the
# default), once per packet (--report per-packet) as the baseline, same run.
# Prints the agent's and the collector's counts.
# usage: bench/agent_summary_messages.sh BUILD_DIR [SPANS]
build=$(cd "${1:-build}" && pwd)
spans=${2:-200}
TEST_NAME=bmsg
source "$(dirname "$0")/../tests/agent/agent_test_lib.sh" "$build/clt" \
  "$build/tests/agent/clt_udp_sender" "$build/tests/agent/ioam_test_collector"
source "$(dirname "$0")/../tests/support/collector_ports.sh"
topo_up
run() {
  local mode=$1
  rm -f "$tmp/ioam.sock" "$tmp/c.db" "$tmp/stats.json"
  "$clt" collector --ioam-grpc "unix:$tmp/ioam.sock" --otlp-grpc off --otlp-http off \
    --query-http 127.0.0.1:0 --db "$tmp/c.db" --join-delay 100ms >"$tmp/collector.out" 2>&1 &
  local col=$!
  pids+=($col)
  wait_collector_listening "$tmp/collector.out" 10 || fail "collector did not start"
  local port
  port=$(collector_port "$tmp/collector.out" query)
  start_agent -c "unix:$tmp/ioam.sock" --report "$mode"
  for i in $(seq "$spans"); do
    send 10 4bf92f3577b34da6a3ce929d0e0e4736 "$(printf '%016x' "$i")" 1 100
  done
  sleep 1.5
  stop_agent
  sleep 0.5
  local m
  m=$(curl -s "127.0.0.1:$port/metrics")
  local cpk cms
  cpk=$(awk '/^clt_collector_ioam_packets_received_total/ {print $2}' <<<"$m")
  cms=$(awk '/^clt_collector_ioam_messages_received_total/ {print $2}' <<<"$m")
  if [ "$mode" = summaries ]; then
    echo "summaries: agent aggregated $(stat .summaries.packets_aggregated) packets, sent" \
      "$(stat .summaries.packets_sent) in $(stat .summaries.sent) summaries and" \
      "$(stat .summaries.messages_sent) messages; collector: $cpk packets in $cms messages" \
      "= $(awk -v a="$cms" -v b="$cpk" 'BEGIN {printf "%.4f", a / b}') messages/packet"
  else
    echo "per-packet: agent sent $(stat .reports.sent) reports; collector: $cpk packets in" \
      "$cms messages = $(awk -v a="$cms" -v b="$cpk" 'BEGIN {printf "%.4f", a / b}') messages/packet"
  fi
  ls -l "$tmp"/c.db* | awk '{s += $5} END {printf "database: %d bytes\n", s}'
  kill "$col"
  wait "$col" 2>/dev/null || true
}
run per-packet
run summaries
