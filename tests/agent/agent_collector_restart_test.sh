#!/usr/bin/env bash
# A collector that is down, then up, then killed and restarted: the agent
# keeps capturing, drops what does not fit its queue (counted), sends what was
# queued once the collector is back, reconnects after the loss, and the
# counters add up.
TEST_NAME=agrestart
source "$(dirname "$0")/agent_test_lib.sh"
topo_up
start_agent --report per-packet -c "unix:$tmp/c.sock" --queue 8 --flush-timeout-ms 1000
trace=0af7651916cd43dd8448eb211c80319c
send 20 $trace 1111111111111111 1 1000
matched() { echo $(( $(stat .match.capture_and_event) + $(stat .match.capture_only) + $(stat .match.event_only) )); }
wait_for 5 "[ \$(matched) -eq 20 ]" || fail "agent did not report 20 traces while the collector was down"
wait_for 5 "[ \$(stat .collector.connect_failures) -ge 1 ]" || fail "no connect failure counted"
[ "$(stat .reports.dropped_queue_full)" = 12 ] || fail "expected 12 drops with a queue of 8"
[ "$(stat .reports.queued)" = 8 ] || fail "expected 8 queued"

start_collector "$tmp/got1.jsonl"
wait_for 15 "[ \$(lines '$tmp/got1.jsonl') -ge 8 ]" || fail "queued traces not sent after the collector came up"
# Batches that must arrive whole are spaced 20 ms apart: the queue holds 8,
# so only a reporting thread stalled for 160 ms could drop one.
send 10 $trace 2222222222222222 1 20000
wait_for 10 "[ \$(lines '$tmp/got1.jsonl') -ge 18 ]" || fail "new traces not sent"
[ "$(jq -r .span_id "$tmp/got1.jsonl" | sort | uniq -c | tr -s ' ')" = " 8 1111111111111111
 10 2222222222222222" ] || fail "collector content after first connection"

stop_collector KILL
send 5 $trace 3333333333333333 1 1000
sleep 1
start_collector "$tmp/got2.jsonl"
# Writes into a stream whose peer just died can still succeed (buffered); the
# loss is noticed on a later write. A few more traces make sure it is.
send 3 $trace 3333333333333333 1 1000
wait_for 15 "[ \$(stat .collector.reconnects) -ge 1 ] && [ \$(stat .reports.queued) -eq 0 ]" ||
  fail "no reconnect after the collector restarted"
send 10 $trace 4444444444444444 1 20000
wait_for 15 "[ \$(jq -r .span_id '$tmp/got2.jsonl' 2>/dev/null | grep -c 4444444444444444) -eq 10 ]" ||
  fail "traces not sent after the collector restarted"
[ "$(stat .collector.stream_failures)" -ge 1 ] || fail "lost stream not counted"

# Shutdown with the collector gone and traces queued: the agent still exits
# within its flush timeout (1 s here), and what it could not send is counted.
stop_collector KILL
send 5 $trace 5555555555555555 1 1000
wait_for 5 "[ \$(matched) -eq 53 ]" || fail "last traces not reported"
stop_agent

total=$(matched)
[ "$total" = 53 ] || fail "expected 53 traces, stats say $total"
[ $(( $(stat .reports.queued_total) + $(stat .reports.dropped_queue_full) )) = "$total" ] ||
  fail "queued + dropped != traces"
[ $(( $(stat .reports.sent) + $(stat .reports.dropped_at_exit) )) = "$(stat .reports.queued_total)" ] ||
  fail "sent + dropped at exit != queued"
echo "PASS: drops counted while down, queue flushed on connect, reconnect after a kill"
