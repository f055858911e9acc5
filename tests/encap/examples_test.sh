#!/usr/bin/env bash
# The C and Python (ctypes) examples against the real default topology: each
# sends a request from athos with its own trace/span ids; a capture at
# aramis's ingress, decoded by `clt decode`, must show those ids on the
# request's packets with athos's own entry and porthos's filled in.
#   examples_test.sh CLT LIBCLT C_EXAMPLE PY_EXAMPLE
set -euo pipefail
clt=$1 lib=$2 c_example=$3 py_example=$4
[ "$(id -u)" -eq 0 ] || { echo "FAIL: needs root (network namespaces)" >&2; exit 1; }
p="exa$$-"
tmp=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  "$clt" topo down --prefix "$p" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$clt" topo up --prefix "$p" >/dev/null
ip netns exec "${p}aramis" dumpcap -q -P -i eth0 -w "$tmp/cap.pcap" 2>"$tmp/dumpcap.log" &
pids+=($!)
for _ in $(seq 100); do grep -q "Capturing on" "$tmp/dumpcap.log" && break; sleep 0.05; done
grep -q "Capturing on" "$tmp/dumpcap.log" || fail "dumpcap did not start: $(cat "$tmp/dumpcap.log")"

port=$((20000 + $$ % 20000))
ip netns exec "${p}aramis" /usr/bin/python3 -c "
import socket, threading
def tcp():
    s = socket.socket(socket.AF_INET6); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('::', $port)); s.listen()
    while True:
        c, _ = s.accept(); c.sendall(b'echo ' + c.recv(1024)); c.close()
def udp():
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.bind(('::', $port))
    while True:
        d, a = s.recvfrom(1024); s.sendto(b'echo ' + d, a)
threading.Thread(target=udp, daemon=True).start()
tcp()" &
pids+=($!)
sleep 0.5

c_trace=0af7651916cd43dd8448eb211c80319c c_span=b7ad6b7169203331
py_trace=4bf92f3577b34da6a3ce929d0e0e4736 py_span=00f067aa0ba902b7
udp_trace=11112222333344445555666677778888 udp_span=9999aaaabbbbcccc

out=$(ip netns exec "${p}athos" "$c_example" fd00:2::2 "$port" "$c_trace" "$c_span" from-c)
echo "$out"
grep -q "^clt_enable: ok$" <<<"$out" || fail "C example did not enable CLT"
grep -q "^reply: echo from-c$" <<<"$out" || fail "C example got no reply"

out=$(ip netns exec "${p}athos" env CLT_LIBRARY="$lib" /usr/bin/python3 "$py_example" fd00:2::2 "$port" "$py_trace" "$py_span" from-python)
echo "$out"
grep -q "^clt_enable: ok$" <<<"$out" || fail "Python example did not enable CLT"
grep -q "^reply: echo from-python$" <<<"$out" || fail "Python example got no reply"

out=$(ip netns exec "${p}athos" env CLT_LIBRARY="$lib" /usr/bin/python3 "$py_example" --udp fd00:2::2 "$port" "$udp_trace" "$udp_span" from-udp)
grep -q "^reply: echo from-udp$" <<<"$out" || fail "Python UDP example got no reply"

sleep 0.5
kill -INT "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true
"$clt" decode "$tmp/cap.pcap" > "$tmp/decoded.jsonl"
for pair in "$c_trace $c_span" "$py_trace $py_span" "$udp_trace $udp_span"; do
  set -- $pair
  n=$(grep -c "\"trace_id\": \"$1\", \"span_id\": \"$2\"" "$tmp/decoded.jsonl" || true)
  [ "$n" -ge 1 ] || fail "no packet with trace $1 span $2 at aramis: $(head -c 2000 "$tmp/decoded.jsonl")"
  line=$(grep -m1 "\"trace_id\": \"$1\"" "$tmp/decoded.jsonl")
  grep -q '"nodes": \[{"hop_limit": 64, "id": 1, "ingress_id": 65535, "egress_id": 11, ' <<<"$line" || fail "athos's own entry is not first: $line"
  grep -q '"id": 2, "ingress_id": 21, "egress_id": 22, ' <<<"$line" || fail "porthos's entry missing: $line"
  echo "trace $1: $n packets with the ids at aramis"
done
echo PASS
