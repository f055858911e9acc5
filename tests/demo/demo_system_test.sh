#!/usr/bin/env bash
# End-to-end: `clt demo --requests 5 --exit --json` on the real kernel, twice:
#   plain     every sub-request has its hops in path order, each with a delay
#   congested --congest porthos:200ms: the porthos > aramis hop is >= 200 ms
#             and is the slowest
# and after each run nothing is left behind (namespaces, processes, run dir).
# Usage: demo_system_test.sh CLT_BINARY [plain|congested|all]
set -uo pipefail
clt=${1:?usage: demo_system_test.sh CLT_BINARY [plain|congested|all]}
which=${2:-all}
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3

fail() { echo "FAIL: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "needs root (network namespaces, IOAM sysctls)"
[ -e /proc/sys/net/ipv6/ioam6_id ] || fail "kernel without IPv6 IOAM (net.ipv6.ioam6_id missing)"
[ -x "$py" ] || fail "$py is needed to check the JSON summary"

prefix="dt$$-"
run_dir="/run/clt/demo-test-$$"
out_dir=$(mktemp -d /tmp/clt-demo-test.XXXXXX)
demo_pid=

cleanup() {
  [ -n "$demo_pid" ] && kill -TERM "$demo_pid" 2>/dev/null && wait "$demo_pid" 2>/dev/null
  for ns in $(ip netns list | awk '{print $1}' | grep "^$prefix"); do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null
  done
  rm -rf "$run_dir" "$out_dir"
}
trap cleanup EXIT

# Four free TCP ports on 127.0.0.1 (never the defaults).
read -r p_ui p_grpc p_http p_ioam < <("$py" - <<'PY'
import socket
socks = []
for _ in range(4):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
)

nothing_left_behind() {
  local label=$1
  local left
  left=$(ip netns list | awk '{print $1}' | grep "^$prefix")
  [ -z "$left" ] || fail "$label: namespaces left behind: $left"
  left=$(ps -eo pid=,args= | grep -F -- "$run_dir" | grep -v grep)
  [ -z "$left" ] || fail "$label: processes left behind: $left"
  [ ! -e "$run_dir" ] || fail "$label: run directory left behind: $run_dir"
}

run_demo() {
  local label=$1; shift
  "$clt" demo --requests 5 --exit --json --prefix "$prefix" --run-dir "$run_dir" \
    --ui-port "$p_ui" --otlp-grpc-port "$p_grpc" --otlp-http-port "$p_http" \
    --ioam-port "$p_ioam" "$@" >"$out_dir/$label.json" 2>"$out_dir/$label.log" &
  demo_pid=$!
  wait "$demo_pid"
  local rc=$?
  demo_pid=
  if [ "$rc" -ne 0 ]; then
    cat "$out_dir/$label.log" >&2
    cat "$out_dir/$label.json" >&2
    fail "$label: clt demo exited with status $rc"
  fi
  nothing_left_behind "$label"
}

check_summary() {
  "$py" "$here/check_summary.py" "$@" || fail "summary check failed: $*"
}

if [ "$which" = plain ] || [ "$which" = all ]; then
  run_demo plain
  check_summary "$out_dir/plain.json" --requests 5
  echo "ok: plain run, 5 requests with hops in path order"
fi
if [ "$which" = congested ] || [ "$which" = all ]; then
  run_demo congested --congest porthos:200ms
  check_summary "$out_dir/congested.json" --requests 5 --slowest "porthos > aramis" --min-delay-us 200000
  echo "ok: congested run, porthos > aramis is the slowest hop at >= 200 ms"
fi
exit 0
