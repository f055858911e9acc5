# Shared by the agent's system tests: the default topology under a unique
# prefix, a recording gRPC collector, the agent in aramis, and cleanup of all
# of it on exit (also on failure).
set -euo pipefail
clt=$1 sender=$2 collector_bin=$3
[ "$(id -u)" -eq 0 ] || { echo "FAIL: needs root (network namespaces, packet capture)" >&2; exit 1; }
p="${TEST_NAME:-agent}$$-"
tmp=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  "$clt" topo down --prefix "$p" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for f in "$tmp"/agent.err "$tmp"/stats.json; do [ -f "$f" ] && { echo "--- $f" >&2; cat "$f" >&2; }; done
  exit 1
}
in_ns() { ns=$1; shift; ip netns exec "$p$ns" "$@"; }

topo_up() { "$clt" topo up --prefix "$p" >/dev/null || fail "topology did not come up"; }

# start_collector OUT_FILE: a recording server on $tmp/c.sock (root namespace;
# the agent reaches it through the shared filesystem).
start_collector() {
  rm -f "$tmp/c.sock"
  "$collector_bin" "unix:$tmp/c.sock" "$1" &
  collector_pid=$!
  pids+=("$collector_pid")
  wait_for 5 "[ -S '$tmp/c.sock' ]" || fail "test collector did not start"
}
stop_collector() { kill -"${1:-TERM}" "$collector_pid"; wait "$collector_pid" 2>/dev/null || true; }

# start_agent ARGS...: clt agent on aramis eth0 with stats in $tmp/stats.json.
start_agent() {
  ip netns exec "${p}aramis" "$clt" agent -i eth0 --stats "$tmp/stats.json" --stats-interval-ms 100 "$@" \
    >"$tmp/agent.out" 2>"$tmp/agent.err" &
  agent_pid=$!
  pids+=("$agent_pid")
  wait_for 10 "[ -s '$tmp/stats.json' ]" || fail "agent did not start"
}
# stop_agent: SIGTERM, must exit 0 within the flush timeout plus a margin.
stop_agent() {
  kill -TERM "$agent_pid"
  local waited=0
  while kill -0 "$agent_pid" 2>/dev/null; do
    sleep 0.1
    waited=$((waited + 1))
    [ $waited -lt 60 ] || fail "agent did not stop within 6 s of SIGTERM"
  done
  wait "$agent_pid" || fail "agent exited with status $?"
}

# wait_for SECONDS CONDITION
wait_for() {
  local deadline=$((SECONDS + $1))
  while ! eval "$2"; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.1
  done
}
stat() { jq -r "$1" "$tmp/stats.json"; }
lines() { [ -f "$1" ] && wc -l <"$1" || echo 0; }
send() { in_ns athos "$sender" fd00:2::2 9999 "$@" || fail "sender failed"; }
