#!/usr/bin/env bash
# Malformed IOAM frames written straight onto aramis's link: each is counted
# under its reason, nothing else is reported, the agent keeps running and
# still reports good traffic afterwards.
TEST_NAME=agmal
source "$(dirname "$0")/agent_test_lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
topo_up
start_collector "$tmp/got.jsonl"
start_agent --report per-packet -c "unix:$tmp/c.sock"
mac=$(in_ns aramis cat /sys/class/net/eth0/address)
expected=$(in_ns porthos /usr/bin/python3 "$here/inject_malformed.py" eth1 "$mac" 3) ||
  fail "could not inject frames"
sleep 0.5
kill -0 "$agent_pid" 2>/dev/null || fail "agent died on malformed frames"
send 5 5bf92f3577b34da6a3ce929d0e0e4736 00f067aa0ba902b7 1 2000
wait_for 10 "[ \$(lines '$tmp/got.jsonl') -ge 5 ]" || fail "good traffic not reported after malformed frames"
stop_agent

got=$(jq -cS .decode_errors_by_reason "$tmp/stats.json")
[ "$got" = "$(echo "$expected" | jq -cS .)" ] || fail "errors by reason: expected $expected, got $got"
[ "$(stat .decode_errors)" = "$(echo "$expected" | jq 'add')" ] || fail "decode_errors total"
[ "$(stat .not_ioam)" -ge 3 ] || fail "Hop-by-Hop without IOAM not counted"
[ "$(stat .traces_decoded)" = 5 ] || fail "only the 5 good traces are traces"
[ "$(lines "$tmp/got.jsonl")" = 5 ] || fail "malformed frames reached the collector"
[ "$(stat .packets_seen)" = "$(stat '.rings[0].seen')" ] || fail "per-ring count"
# Every captured packet is exactly one of: a trace, not IOAM, malformed.
[ "$(stat .packets_seen)" = $(( $(stat .traces_decoded) + $(stat .not_ioam) + $(stat .decode_errors) )) ] ||
  fail "packets_seen != traces + not_ioam + malformed"
[ "$(stat .packets_seen)" = "$(stat '.rings[0].kernel_packets')" ] || fail "kernel and agent counts differ"
echo "PASS: $(stat .decode_errors) malformed frames counted by reason, agent alive"
