#!/usr/bin/env bash
# `clt topo` against the real kernel: the default topology comes up with the
# contract's addresses and IOAM settings, forwards IPv6 both ways, a second
# `up` changes nothing, `down` leaves nothing even after a simulated crash,
# a failing `up` leaves nothing, and shape/netem land on their interface.
set -euo pipefail
clt=$1 here=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" -eq 0 ] || { echo "FAIL: needs root (network namespaces)" >&2; exit 1; }
p="topo$$-"
tmp=$(mktemp -d)
cleanup() {
  "$clt" topo down --prefix "$p" >/dev/null 2>&1 || true
  "$clt" topo down "$tmp/netem.topo" --prefix "$p" >/dev/null 2>&1 || true
  "$clt" topo down "$tmp/shape.topo" --prefix "$p" >/dev/null 2>&1 || true
  "$clt" topo down "$tmp/broken.topo" --prefix "$p" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
names() { ip netns list | awk '{print $1}'; }
in_ns() { ip netns exec "$p$1" "${@:2}"; }
sys() { in_ns "$1" cat "/proc/sys/net/ipv6/$2"; }

"$clt" topo up --prefix "$p" | grep -q "^topology up: ${p}athos ${p}porthos ${p}aramis$" || fail "up output"
for n in athos porthos aramis; do names | grep -qx "$p$n" || fail "namespace $p$n missing"; done
[ "$(sys athos ioam6_id)" = 1 ] && [ "$(sys porthos ioam6_id)" = 2 ] && [ "$(sys aramis ioam6_id)" = 3 ] || fail "node ids"
[ "$(sys porthos conf/eth0/ioam6_id)" = 21 ] && [ "$(sys porthos conf/eth1/ioam6_id)" = 22 ] || fail "porthos interface ids"
[ "$(sys aramis conf/eth0/ioam6_id)" = 31 ] && [ "$(sys athos conf/eth0/ioam6_id)" = 11 ] || fail "interface ids"
for e in "porthos eth0" "porthos eth1" "aramis eth0" "athos eth0"; do
  set -- $e
  [ "$(sys "$1" "conf/$2/ioam6_enabled")" = 1 ] || fail "IOAM not enabled on $1 $2"
done
[ "$(sys porthos conf/all/forwarding)" = 1 ] || fail "porthos does not forward"
ip -n "${p}aramis" ioam namespace show | grep -q "namespace 123, data 0xa0000003" || fail "aramis IOAM namespace"
ip -n "${p}athos" -6 addr show dev eth0 | grep -q "fd00:1::1/64" || fail "athos address"
ip -n "${p}aramis" -6 route show | grep -q "fd00:1::/64 via fd00:2::1" || fail "aramis route"

# IPv6 both ways through porthos: a UDP datagram athos -> aramis and back.
port=$((20000 + $$ % 20000))
in_ns aramis /usr/bin/python3 -c "
import socket; s=socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.bind(('::', $port)); s.settimeout(5)
d,a=s.recvfrom(100); s.sendto(d[::-1], a)" &
server=$!
sleep 0.3
reply=$(in_ns athos /usr/bin/python3 -c "
import socket; s=socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.settimeout(5)
s.sendto(b'olleh', ('fd00:2::2', $port)); print(s.recv(100).decode())")
wait $server
[ "$reply" = hello ] || fail "no reply across the topology (got '$reply')"

"$clt" topo up --prefix "$p" | grep -q "^topology already up" || fail "second up is not idempotent"

# A crash mid-way: state lost, one namespace gone. down still cleans up.
rm -f "/run/clt/topo/${p}athos.plan"
ip netns del "${p}porthos"
"$clt" topo up --prefix "$p" | grep -q "^topology up" || fail "up after a crash does not rebuild"
[ "$(sys porthos ioam6_id)" = 2 ] || fail "rebuilt porthos"
in_ns aramis sleep 600 2>/dev/null &
"$clt" topo down --prefix "$p" | grep -q "stopped 1 processes" || fail "down did not stop the process left in aramis"
wait || true
if names | grep -q "^$p"; then fail "namespaces left behind: $(names | grep "^$p")"; fi
[ ! -e "/run/clt/topo/${p}athos.plan" ] || fail "state file left behind"
"$clt" topo down --prefix "$p" >/dev/null || fail "down of nothing must succeed"

# A step the kernel refuses (gateway not on any link): nothing left behind.
cat > "$tmp/broken.topo" <<'TOPO'
node a id 1
node b id 2
link a:eth0 fd00:7::1/64 b:eth0 fd00:7::2/64
route a fd00:8::/64 via fd00:9::1
TOPO
if "$clt" topo up "$tmp/broken.topo" --prefix "$p" 2>"$tmp/err"; then fail "broken topology came up"; fi
grep -q "broken.topo:4: .ip -n ${p}a -6 route add fd00:8::/64 via fd00:9::1. failed" "$tmp/err" || fail "error does not name the line: $(cat "$tmp/err")"
if names | grep -q "^$p"; then fail "failed up left namespaces behind"; fi

# Parse errors name the line, and nothing is created.
printf 'node a id 1\nlink a:eth0 fd00::1/64 z:eth0 fd00::2/64\n' > "$tmp/bad.topo"
if "$clt" topo up "$tmp/bad.topo" --prefix "$p" 2>"$tmp/err"; then fail "bad file accepted"; fi
grep -q "bad.topo:2: node 'z' is not declared" "$tmp/err" || fail "parse error: $(cat "$tmp/err")"

# A rate limit (tbf) on a link.
cat > "$tmp/shape.topo" <<'TOPO'
node a id 1
node b id 2
link a:eth0 fd00:7::1/64 b:eth0 fd00:7::2/64
shape b:eth0 rate 10mbit burst 16kb latency 50ms
TOPO
"$clt" topo up "$tmp/shape.topo" --prefix "$p" >/dev/null
tc -n "${p}b" qdisc show dev eth0 | grep -q "tbf.*rate 10Mbit burst 16Kb" || fail "shape: $(tc -n "${p}b" qdisc show dev eth0)"
"$clt" topo down "$tmp/shape.topo" --prefix "$p" >/dev/null

# netem on a link: applied where the kernel has it, otherwise refused with
# the reason, leaving nothing behind.
cat > "$tmp/netem.topo" <<'TOPO'
node a id 1
node b id 2
link a:eth0 fd00:7::1/64 b:eth0 fd00:7::2/64
netem b:eth0 delay 20ms rate 10mbit
TOPO
if "$clt" topo up "$tmp/netem.topo" --prefix "$p" >/dev/null 2>"$tmp/err"; then
  tc -n "${p}b" qdisc show dev eth0 | grep -q "netem.*delay 20ms.*rate 10Mbit" || fail "netem: $(tc -n "${p}b" qdisc show dev eth0)"
  "$clt" topo down "$tmp/netem.topo" --prefix "$p" >/dev/null
else
  grep -q "netem.topo:4: .*CONFIG_NET_SCH_NETEM" "$tmp/err" || fail "netem error: $(cat "$tmp/err")"
fi
if names | grep -q "^$p"; then fail "netem/shape topology left behind"; fi
echo "PASS"
