#!/usr/bin/env bash
# Collector ingest of clt.v1 span summaries on loopback, counted in packets
# represented: bench_collector_load's summary streams (10 packets per
# summary, 100 summaries per message, STREAMS streams) into the discard sink
# (the transport's ceiling, same run), then into `clt collector` (SQLite),
# once with one summary per span and once with SUMMARIES_PER_SPAN (several
# agents or flushes of one span). Each collector run prints what was
# acknowledged (= stored) and, after the load, how long until every span's
# network row was written. Several collector binaries (e.g. an earlier build
# as the baseline) are measured one after the other in the same run.
#   bench/collector_summaries_bench.sh BUILD_DIR [CLT_BINARY...]
# Environment: STREAMS (2), BATCHES (200), SUMMARIES_PER_SPAN (2).
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
shift || true
binaries=("$@")
[ ${#binaries[@]} -gt 0 ] || binaries=("$build/clt")
source "$(dirname "$0")/../tests/support/collector_ports.sh"
load="$build/bench/bench_collector_load"
streams=${STREAMS:-2} batches=${BATCHES:-200} per_span=${SUMMARIES_PER_SPAN:-2}
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

sink=$(port)
"$load" sink "$sink" & pids+=($!)
sleep 0.5
echo "-- discard sink"
"$load" summaries "127.0.0.1:$sink" "$streams" "$batches" 100 10 1
"$load" summaries "127.0.0.1:$sink" "$streams" "$batches" 100 10 "$per_span"

network_rows() {
  /usr/bin/python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM network").fetchone()[0])' "$1"
}
for clt in "${binaries[@]}"; do
  for k in 1 "$per_span"; do
    rm -f "$work"/bench.db*
    "$clt" collector --db "$work/bench.db" --ioam-grpc 0 --otlp-grpc off --otlp-http off \
      --query-http off --retention 0 --max-db-size 0 2>"$work/collector.log" &
    collector=$!
    pids+=("$collector")
    wait_collector_listening "$work/collector.log" 10 || { cat "$work/collector.log" >&2; exit 1; }
    ioam=$(collector_port "$work/collector.log" ioam)
    # The listening line may be read before its end is written.
    while [ -z "$ioam" ]; do sleep 0.05; ioam=$(collector_port "$work/collector.log" ioam); done
    echo "-- $clt, $k summaries per span"
    if ! "$load" summaries "127.0.0.1:$ioam" "$streams" "$batches" 100 10 "$k"; then
      echo "(run failed: not counted)"
      kill "$collector"
      wait "$collector" 2>/dev/null || true
      continue
    fi
    spans=$((streams * batches * 100 / k))
    start=$(date +%s.%N)
    until [ "$(network_rows "$work/bench.db")" -ge "$spans" ]; do
      if [ "$(echo "$(date +%s.%N) - $start > 30" | bc)" = 1 ]; then
        echo "network rows: only $(network_rows "$work/bench.db") of $spans after 30 s" >&2
        exit 1
      fi
      sleep 0.05
    done
    echo "all $spans network rows written $(echo "$(date +%s.%N) - $start" | bc | cut -c1-5) s after the last acknowledgement"
    grep -E 'VmHWM' "/proc/$collector/status"
    kill "$collector"
    wait "$collector" 2>/dev/null || true
    ls -l "$work"/bench.db* | awk '{s += $5} END {printf "database with WAL: %.1f MB\n", s / 1e6}'
  done
done
