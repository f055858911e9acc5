#!/usr/bin/env bash
# The agent reports to `clt collector` over mutual TLS (certificates made
# with the openssl CLI now): the collector runs in aramis's namespace with
# --tls-cert/--tls-key/--tls-client-ca on 127.0.0.1 there, the agent on
# aramis eth0 with --tls-ca/--tls-cert/--tls-key; the records arrive, read
# back over HTTPS. An agent without a client certificate is refused (its
# connect_failures grow, the collector counts no_client_certificate).
TEST_NAME=agtls
source "$(dirname "$0")/agent_test_lib.sh"
"$(dirname "$0")/../support/make_test_certs.sh" "$tmp/certs"
c=$tmp/certs
topo_up
ioam=17123 query=17686  # inside aramis's own namespace: no other listener there
in_ns aramis "$clt" collector --ioam-grpc "127.0.0.1:$ioam" --otlp-grpc 0 --otlp-http 0 \
  --query-http "127.0.0.1:$query" --db "$tmp/c.db" --join-delay 100ms \
  --tls-cert "$c/server.crt" --tls-key "$c/server.key" --tls-client-ca "$c/ca.crt" \
  >"$tmp/collector.out" 2>&1 &
pids+=($!)
https() {
  in_ns aramis curl -sS --max-time 5 --cacert "$c/ca.crt" --cert "$c/client.crt" \
    --key "$c/client.key" "https://127.0.0.1:$query$1"
}
wait_for 10 "https /healthz >/dev/null 2>&1" || fail "clt collector did not start: $(cat "$tmp/collector.out")"

start_agent --report per-packet -c "127.0.0.1:$ioam" --tls-ca "$c/ca.crt" --tls-cert "$c/client.crt" --tls-key "$c/client.key"
trace=7bf92f3577b34da6a3ce929d0e0e4736 span=20f067aa0ba902b7
send 5 $trace $span 1 2000
records() {
  https "/api/ioam/records?traceID=$trace&spanID=$span" |
    jq '[.data[] | select([.nodes[].id] == [1, 2, 3] and .ids_intact)] | length'
}
wait_for 15 "[ \"\$(records 2>/dev/null)\" = 5 ]" || fail "collector has $(records) of 5 records over mutual TLS"
stop_agent
[ "$(stat .reports.sent)" = 5 ] || fail "reports.sent"
echo "ok: 5 records reported over mutual TLS"

refused() {
  https /metrics | awk '/^clt_collector_tls_refused_total\{listener="grpc",reason="no_client_certificate"\}/ {print $2}'
}
before=$(refused)
rm -f "$tmp/stats.json"
start_agent --report per-packet -c "127.0.0.1:$ioam" --tls-ca "$c/ca.crt"
send 1 $trace $span 1 2000
# With TLS 1.3 the client's side of the handshake completes before the
# collector checks its certificate: the refusal then breaks the stream.
failures() { jq '.collector.connect_failures + .collector.stream_failures' "$tmp/stats.json"; }
wait_for 15 "[ \"\$(failures)\" -gt 0 ]" ||
  fail "an agent without a client certificate was not refused"
wait_for 10 "[ \"\$(refused)\" -gt $before ]" || fail "the collector did not count no_client_certificate"
stop_agent
[ "$(stat .reports.sent)" = 0 ] || fail "reports were sent without a client certificate"
grep -q "refused a TLS connection on grpc: no_client_certificate" "$tmp/collector.out" ||
  fail "the refusal was not logged: $(cat "$tmp/collector.out")"
echo "PASS: the agent reports over mutual TLS; without a client certificate it is refused"
