#!/usr/bin/env bash
# On the default topology, CLT traffic from athos reaches a real gRPC server
# through the agent on aramis with the span's ids and every IOAM node of the
# path in order (athos when the sender fills its entry, porthos, aramis: the
# last one from the kernel's IOAM event). Traffic in a namespace configured
# as plain is reported without ids and counted.
TEST_NAME=agtopo
source "$(dirname "$0")/agent_test_lib.sh"
topo_up
start_collector "$tmp/got.jsonl"
start_agent --report per-packet -c "unix:$tmp/c.sock" --jsonl "$tmp/agent.jsonl" --plain-namespace 124 -o

trace=4bf92f3577b34da6a3ce929d0e0e4736
send 10 $trace 00000000000000a1 1 2000
send 10 $trace 00000000000000b2 0 2000
send 5 $trace 00000000000000c3 1 2000 124   # namespace 124: plain here, unknown to the routers
wait_for 10 "[ \$(lines '$tmp/got.jsonl') -ge 25 ]" || fail "collector got $(lines "$tmp/got.jsonl") of 25 traces"
stop_agent

check() {
  local span=$1 want_trace=$2 want_ids=$3 want_count=$4
  local got
  got=$(jq -c "select(.span_id == \"$span\") | [.trace_id, [.nodes[].id]]" "$tmp/got.jsonl" | sort | uniq -c)
  [ "$got" = "$(printf '%7d %s' "$want_count" "[\"$want_trace\",$want_ids]")" ] ||
    fail "span $span: expected $want_count x [$want_trace, $want_ids], got: $got"
}
check 00000000000000a1 $trace '[1,2,3]' 10
check 00000000000000b2 $trace '[2,3]' 10
check 0000000000000000 00000000000000000000000000000000 '[1]' 5

# Per-node data of one full trace: interface ids and namespace data per node.
all_true() { [ "$(sort -u)" = true ]; }
jq 'select(.span_id == "00000000000000a1") | .namespace == 123 and .bitfield == 4127195136
       and ([.nodes[] | [.ingress_id, .egress_id, .namespace_data]] ==
            [[0, 11, "a0000001"], [21, 22, "a0000002"], [31, 65535, "a0000003"]])
       and .nodes[1].hop_limit == .nodes[0].hop_limit - 1' "$tmp/got.jsonl" | all_true ||
  fail "node data of the athos > porthos > aramis trace"

[ "$(stat .traces_decoded)" = 25 ] || fail "traces_decoded"
[ "$(stat .match.capture_and_event)" = 20 ] || fail "capture_and_event"
[ "$(stat .match.capture_only)" = 5 ] || fail "capture_only (namespace 124 has no event)"
[ "$(stat .traces_plain_namespace)" = 5 ] || fail "traces_plain_namespace"
[ "$(stat .reports.sent)" = 25 ] || fail "reports.sent"
[ "$(stat .reports.dropped)" = 0 ] || fail "reports.dropped"
[ "$(stat .ring_drops)" = 0 ] || fail "ring drops"
[ "$(stat .decode_errors)" = 0 ] || fail "decode errors"

# --jsonl writes the same lines as `clt decode`, aramis's entry included.
[ "$(lines "$tmp/agent.jsonl")" = 25 ] || fail "jsonl lines"
jq 'select(.span_id == "00000000000000a1") | .trace_id == "'$trace'" and ([.nodes[].id] == [1,2,3])
       and .ids_intact and .src == "fd00:1::1" and .trace_type == "0xf60000"
       and .direction == "request"' "$tmp/agent.jsonl" |
  all_true || fail "jsonl content"
# -o: one readable line per trace with the ids, the direction (UDP: request)
# and the path.
[ "$(grep -c "span 00000000000000a1 fd00:1::1 -> fd00:2::2 request path 1 > 2 > 3 \[capture+event\]" "$tmp/agent.out")" = 10 ] ||
  fail "console output"
echo "PASS: 25 traces, ids and athos > porthos > aramis in path order"
