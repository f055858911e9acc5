#!/usr/bin/env bash
# End-to-end: `clt demo --requests 5 --exit --json` on the real kernel:
#   plain     every sub-request has its hops in path order, each with a delay
#             (CLT through the eBPF datapath, the API service without CAP_NET_RAW)
#   sockopt   the same with --encap sockopt (the sticky IPV6_HOPOPTS header)
#   congested --congest porthos:200ms: the porthos > aramis hop is >= 200 ms
#             and is the slowest
#   queue     --congest porthos:rate=1mbit: porthos reports a queue depth
#   zero_code --zero-code: the Node.js services (official OpenTelemetry SDK,
#             no capability, unprivileged uid): through the collector's query
#             API, every client span has a request path and a response path
#             (network spans tagged ioam.direction), each hop by hop in its order
#   zero_code_congested    --zero-code --congest porthos:200ms: porthos > aramis
#             is the slowest link, on the request path
#   zero_code_congested_back  --zero-code --congest porthos>athos:200ms: porthos >
#             athos is the slowest link, on the response path
# and after each run nothing is left behind (namespaces, processes, run dir).
# And (preflight) refusals with one clear message: not root, a busy port,
# leftovers of an earlier run; then --cleanup removes the leftovers.
# Usage: demo_system_test.sh CLT_BINARY [plain|sockopt|congested|queue|preflight|zero_code|
#                                        zero_code_congested|zero_code_congested_back|all]
set -uo pipefail
clt=${1:?usage: demo_system_test.sh CLT_BINARY [plain|congested|queue|preflight|all]}
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
  "$clt" demo --requests "${requests:-5}" --exit --json --prefix "$prefix" --run-dir "$run_dir" \
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

# The zero-code services are the Node.js processes in a node's namespace: each
# must run as a non-root user with no effective capability.
check_unprivileged_services() {
  local found=0 ns pid comm
  for ns in "${prefix}athos" "${prefix}aramis"; do
    for pid in $(ip netns pids "$ns"); do
      comm=$(cat "/proc/$pid/comm" 2>/dev/null) || continue
      [ "$comm" = node ] || [ "$comm" = MainThread ] || continue
      found=$((found + 1))
      local uid cap
      uid=$(awk '/^Uid:/ {print $3}' "/proc/$pid/status")
      cap=$(awk '/^CapEff:/ {print $2}' "/proc/$pid/status")
      [ "$uid" != 0 ] || fail "zero-code service $pid in $ns runs as root"
      [ "$cap" = 0000000000000000 ] || fail "zero-code service $pid in $ns has capabilities: CapEff $cap"
    done
  done
  [ "$found" -eq 2 ] || fail "expected the 2 Node.js services in the namespaces, found $found"
  echo "ok: the 2 Node.js services run as an unprivileged user, CapEff 0"
}

if [ "$which" = zero_code ] || [ "$which" = all ]; then
  # Not --exit: the collector stays up after the requests, to be queried.
  "$clt" demo --zero-code --requests 4 --prefix "$prefix" --run-dir "$run_dir" \
    --ui-port "$p_ui" --otlp-grpc-port "$p_grpc" --otlp-http-port "$p_http" \
    --ioam-port "$p_ioam" >"$out_dir/zero_code.lines" 2>"$out_dir/zero_code.log" &
  demo_pid=$!
  for _ in $(seq 1800); do
    grep -q "requests done" "$out_dir/zero_code.log" && break
    kill -0 "$demo_pid" 2>/dev/null || break
    sleep 0.1
  done
  if ! grep -q "requests done" "$out_dir/zero_code.log"; then
    cat "$out_dir/zero_code.log" "$out_dir/zero_code.lines" >&2
    fail "zero_code: the demo did not finish its 4 requests within 180 s"
  fi
  cat "$out_dir/zero_code.lines"
  check_unprivileged_services
  mapfile -t traces < <(grep -oE '^[0-9a-f]{32}' "$out_dir/zero_code.lines")
  [ "${#traces[@]}" -eq 4 ] || fail "zero_code: expected 4 request lines, got ${#traces[@]}"
  "$py" "$here/check_zero_code_traces.py" "$p_ui" "${traces[@]}"
  traces_ok=$?
  kill -INT "$demo_pid"
  wait "$demo_pid"
  rc=$?
  demo_pid=
  [ "$traces_ok" -eq 0 ] || fail "zero_code: the collector's traces lack paths (above)"
  [ "$rc" -eq 0 ] || { cat "$out_dir/zero_code.log" >&2; fail "zero_code: clt demo exited with status $rc"; }
  nothing_left_behind zero_code
fi
if [ "$which" = zero_code_congested ] || [ "$which" = all ]; then
  run_demo zero_code_congested --zero-code --congest porthos:200ms
  check_summary "$out_dir/zero_code_congested.json" --requests 5 --zero-code \
    --slowest "porthos > aramis" --min-delay-us 200000
  echo "ok: zero-code congested run, porthos > aramis is the slowest link at >= 200 ms"
fi
if [ "$which" = zero_code_congested_back ] || [ "$which" = all ]; then
  run_demo zero_code_congested_back --zero-code --congest 'porthos>athos:200ms'
  check_summary "$out_dir/zero_code_congested_back.json" --requests 5 --zero-code \
    --slowest-back "porthos > athos" --min-delay-us 200000
  echo "ok: zero-code run congested on the way back, porthos > athos is the slowest link"
fi

if [ "$which" = plain ] || [ "$which" = all ]; then
  run_demo plain
  check_summary "$out_dir/plain.json" --requests 5
  echo "ok: plain run, 5 requests with hops in path order"
fi
if [ "$which" = sockopt ] || [ "$which" = all ]; then
  run_demo sockopt --encap sockopt
  check_summary "$out_dir/sockopt.json" --requests 5 --encap sockopt
fi

if [ "$which" = congested ] || [ "$which" = all ]; then
  run_demo congested --congest porthos:200ms
  check_summary "$out_dir/congested.json" --requests 5 --slowest "porthos > aramis" --min-delay-us 200000
  echo "ok: congested run, porthos > aramis is the slowest hop at >= 200 ms"
fi
if [ "$which" = queue ] || [ "$which" = all ]; then
  run_demo queue --congest porthos:rate=1mbit
  check_summary "$out_dir/queue.json" --requests 5 --queue-at porthos
  echo "ok: rate-limited run, porthos reports a queue on every sub-request"
fi
if [ "$which" = preflight ] || [ "$which" = all ]; then
  common=(--requests 1 --exit --json --prefix "$prefix" --run-dir "$run_dir" --ui-port "$p_ui"
          --otlp-grpc-port "$p_grpc" --otlp-http-port "$p_http" --ioam-port "$p_ioam")
  expect_refusal() {  # label, expected text, command...
    local label=$1 text=$2; shift 2
    "$@" >"$out_dir/$label.json" 2>"$out_dir/$label.log"
    local rc=$?
    [ "$rc" -eq 1 ] || { cat "$out_dir/$label.log" >&2; fail "$label: exit status $rc, expected 1"; }
    grep -qF -- "$text" "$out_dir/$label.log" || { cat "$out_dir/$label.log" >&2; fail "$label: no '$text' in the message"; }
    "$py" -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["ok"] is False and d["error"] else 1)' \
      "$out_dir/$label.json" || fail "$label: JSON does not say ok=false with an error"
  }
  # Not root.
  expect_refusal not-root "must run as root" setpriv --reuid=65534 --regid=65534 --clear-groups \
    "$clt" demo "${common[@]}"
  # A port with a listener.
  "$py" -c 'import socket,sys,time; s=socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); time.sleep(60)' "$p_ui" &
  listener=$!
  for _ in $(seq 50); do ss -ltn "sport = :$p_ui" | grep -q LISTEN && break; sleep 0.1; done
  expect_refusal port-in-use "port $p_ui on 127.0.0.1" "$clt" demo "${common[@]}"
  kill "$listener"; wait "$listener" 2>/dev/null
  # Leftovers of an earlier run; nothing may be touched by the refusal.
  ip netns add "${prefix}athos" || fail "cannot create a leftover namespace"
  expect_refusal leftovers "--cleanup" "$clt" demo "${common[@]}"
  ip netns list | grep -q "^${prefix}athos" || fail "the refused run removed the leftover namespace"
  # --cleanup removes them and the run goes ahead.
  requests=1 run_demo cleanup --cleanup
  check_summary "$out_dir/cleanup.json" --requests 1
  echo "ok: preflight refusals (root, port, leftovers) and --cleanup"
fi
exit 0
