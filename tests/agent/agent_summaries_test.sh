#!/usr/bin/env bash
# The agent's default report, span summaries over clt.v1, into `clt collector`
# on a real kernel path: two spans of 10 packets each. Every packet is counted
# (agent stats, collector /metrics, the network span's ioam.packets and each
# hop's), far fewer messages than packets cross, and the first packets of
# each span are kept raw for the records dialog.
TEST_NAME=agsum
source "$(dirname "$0")/agent_test_lib.sh"
source "$(dirname "$0")/../support/collector_ports.sh"
topo_up
"$clt" collector --ioam-grpc "unix:$tmp/ioam.sock" --otlp-grpc off --otlp-http off \
  --query-http 127.0.0.1:0 --db "$tmp/c.db" --join-delay 100ms >"$tmp/collector.out" 2>&1 &
pids+=($!)
wait_collector_listening "$tmp/collector.out" 10 || fail "clt collector did not start: $(cat "$tmp/collector.out")"
port=$(collector_port "$tmp/collector.out" query)
start_agent -c "unix:$tmp/ioam.sock" --span-quiet-ms 300
trace=7bf92f3577b34da6a3ce929d0e0e4736
send 10 $trace 20f067aa0ba902b7 1 2000
send 10 $trace 30f067aa0ba902b7 1 2000
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
assert len(networks) == 2, f'{len(networks)} network spans'
for n in networks:
    assert int(n['ioam.packets']) == 10, n
assert len(hops) == 6, f'{len(hops)} hop spans'
for h in hops:
    assert int(h['ioam.packets']) == 10, h
    if int(h['ioam.hop']) > 1:
        assert 'ioam.delay_p99_us' in h and 'ioam.delay_us' in h, h
for span in ('20f067aa0ba902b7', '30f067aa0ba902b7'):
    records = json.loads(get(f'/api/ioam/records?traceID={trace}&spanID={span}'))['data']
    assert len(records) == 4, f'{len(records)} raw records of span {span}, want the first 4'
    assert all([n['id'] for n in r['nodes']] == [1, 2, 3] for r in records), records
metrics = {}
for line in get('/metrics').splitlines():
    if line and not line.startswith('#'):
        name, value = line.rsplit(' ', 1)
        metrics[name] = float(value)
packets = metrics['clt_collector_ioam_packets_received_total']
messages = metrics['clt_collector_ioam_messages_received_total']
assert packets == 20, f'{packets} packets received'
assert 1 <= messages <= 2, f'{messages} messages for 20 packets'
print('ok')
PY
}
wait_for 15 "[ \"\$(check 2>/dev/null)\" = ok ]" || fail "collector's view is wrong: $(check 2>&1 | tail -1)"
stop_agent
[ "$(stat .summaries.packets_aggregated)" = 20 ] || fail "summaries.packets_aggregated $(stat .summaries.packets_aggregated)"
[ "$(stat .summaries.packets_sent)" = 20 ] || fail "summaries.packets_sent $(stat .summaries.packets_sent)"
[ "$(stat .summaries.sent)" = 2 ] || fail "summaries.sent $(stat .summaries.sent)"
[ "$(stat .summaries.packets_dropped)" = 0 ] || fail "summaries.packets_dropped"
[ "$(stat .reports.sent)" = 0 ] || fail "per-packet reports were sent in summary mode"
echo "PASS: 20 packets in 2 span summaries, counted exactly at every step"
