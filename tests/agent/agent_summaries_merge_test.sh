#!/usr/bin/env bash
# Two agents capture the same spans (both on aramis eth0: each sees every
# packet) and send their summaries over clt.v1 to one `clt collector`. The
# collector merges them per span: each network span's and hop's ioam.packets
# is the sum of what the two agents counted, the hops' sketches hold both
# agents' delays, and /metrics counts every packet the summaries represent.
TEST_NAME=agmrg
source "$(dirname "$0")/agent_test_lib.sh"
source "$(dirname "$0")/../support/collector_ports.sh"
topo_up
"$clt" collector --ioam-grpc "unix:$tmp/ioam.sock" --otlp-grpc off --otlp-http off \
  --query-http 127.0.0.1:0 --db "$tmp/c.db" --join-delay 100ms >"$tmp/collector.out" 2>&1 &
pids+=($!)
wait_collector_listening "$tmp/collector.out" 10 || fail "clt collector did not start: $(cat "$tmp/collector.out")"
port=$(collector_port "$tmp/collector.out" query)
# The second agent, with its own stats file, beside the one start_agent runs.
ip netns exec "${p}aramis" "$clt" agent -i eth0 -c "unix:$tmp/ioam.sock" --span-quiet-ms 300 \
  --stats "$tmp/stats-b.json" --stats-interval-ms 100 >"$tmp/agent-b.out" 2>"$tmp/agent-b.err" &
agent_b=$!
pids+=("$agent_b")
wait_for 10 "[ -s '$tmp/stats-b.json' ]" || fail "second agent did not start: $(cat "$tmp/agent-b.err")"
start_agent -c "unix:$tmp/ioam.sock" --span-quiet-ms 300
trace=5bf92f3577b34da6a3ce929d0e0e4736
send 10 $trace 21f067aa0ba902b7 1 2000
send 10 $trace 31f067aa0ba902b7 1 2000
check() {
  /usr/bin/python3 - "$port" "$trace" <<'PY'
import json, sys, urllib.request
port, trace = sys.argv[1], sys.argv[2]
def get(path):
    return urllib.request.urlopen(f'http://127.0.0.1:{port}{path}', timeout=5).read().decode()
spans = json.loads(get(f'/api/traces/{trace}'))['data'][0]['spans']
def tags(s): return {t['key']: t['value'] for t in s['tags']}
networks = [tags(s) for s in spans if tags(s).get('ioam.kind') == 'network']
hops = [tags(s) for s in spans if tags(s).get('ioam.kind') == 'hop']
assert len(networks) == 2, f'{len(networks)} network spans, want one per span (merged)'
for n in networks:
    assert int(n['ioam.packets']) == 20, f"network span ioam.packets {n['ioam.packets']}, want 10 + 10"
assert len(hops) == 6, f'{len(hops)} hop spans, want 3 per span (merged)'
for h in hops:
    assert int(h['ioam.packets']) == 20, f"hop ioam.packets {h['ioam.packets']}, want 10 + 10"
    if int(h['ioam.hop']) > 1:
        assert 'ioam.delay_p99_us' in h and 'ioam.delay_us' in h, h
metrics = {}
for line in get('/metrics').splitlines():
    if line and not line.startswith('#'):
        name, value = line.rsplit(' ', 1)
        metrics[name] = float(value)
packets = metrics['clt_collector_ioam_packets_received_total']
messages = metrics['clt_collector_ioam_messages_received_total']
assert packets == 40, f'{packets} packets received, want 2 agents x 20'
assert 2 <= messages <= 4, f'{messages} messages from 2 agents for 40 packets'
print('ok')
PY
}
wait_for 15 "[ \"\$(check 2>/dev/null)\" = ok ]" || fail "collector's view is wrong: $(check 2>&1 | tail -1)"
stop_agent
kill -TERM "$agent_b"
wait "$agent_b" || fail "second agent exited with status $?"
for f in stats.json stats-b.json; do
  for field in packets_aggregated packets_sent; do
    got=$(jq -r ".summaries.$field" "$tmp/$f")
    [ "$got" = 20 ] || fail "$f: summaries.$field $got, want 20"
  done
  [ "$(jq -r .summaries.packets_dropped "$tmp/$f")" = 0 ] || fail "$f: summaries.packets_dropped"
done
echo "PASS: 2 agents x 2 spans x 10 packets merged into 2 network spans of 20 packets each"
