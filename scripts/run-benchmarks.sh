#!/usr/bin/env bash
# Runs the benchmarks and prints their figures (docs/benchmarks.md keeps the
# reference figures). Each part appends its own section below.
#   scripts/run-benchmarks.sh [BUILD_DIR]
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$build" && pwd)
cd "$here"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== Core: decode / encode (Google Benchmark)"
"$build/bench/bench_core" --benchmark_min_time=2

echo "== Core: clt decode vs tshark on the same capture"
packets=${DECODE_BENCH_PACKETS:-1000000}
"$build/bench/make_capture" "$tmp/big.pcap" "$packets"
ls -l "$tmp/big.pcap" | awk '{printf "capture: %d packets, %.1f MB\n", '"$packets"', $5/1e6}'
t0=$(date +%s.%N)
"$build/clt" decode -q "$tmp/big.pcap" >/dev/null
t1=$(date +%s.%N)
# tshark's comparable work: dissect every IOAM trace and print its fields.
tshark_packets=${TSHARK_BENCH_PACKETS:-100000}
"$build/bench/make_capture" "$tmp/small.pcap" "$tshark_packets"
t2=$(date +%s.%N)
tshark -r "$tmp/small.pcap" -Y ipv6.opt.ioam.trace.ns -T json >/dev/null 2>&1
t3=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" -v n="$packets" -v m="$tshark_packets" 'BEGIN {
  printf "clt decode: %d packets in %.2f s = %.0f packets/s\n", n, b-a, n/(b-a);
  printf "tshark -T json: %d packets in %.2f s = %.0f packets/s\n", m, d-c, m/(d-c);
  printf "ratio: %.0fx\n", (n/(b-a))/(m/(d-c)) }'

echo "== Tracing: span start+end and OTLP export (ours, then the official Node.js SDK)"
"$build/bench/bench_tracing"
node bench/tracing_node_bench.js "$build/tests/tracing/tracing_test_receiver"

echo "== Encapsulation: enable+disable cost, request latency with and without CLT (root)"
"$build/bench/bench_encap"
"$build/bench/bench_encap_latency" 10000 0 100

echo "== eBPF datapath: tc program per packet, span edges through the hook, iperf3 throughput, latency (root)"
"$build/bench/bench_bpf"
"$build/bench/bench_encap_latency" --datapath 10000 0 100
"$build/bench/bench_datapath_throughput" 3 3

echo "== Agent: decode / pair / encode per core, live capture vs a bare capture loop (root)"
"$build/bench/bench_agent"
bench/agent_live.sh "$build" 3
bench/agent_summary_messages.sh "$build" 200

echo "== Zero-code: HTTP requests/s through the default topology, agents on vs off (root)"
bench/zero_code_bench.sh "$build" 10 3 4

echo "== Collector: IOAM reports/s, OTLP spans/s, trace-by-id latency with 1M spans, memory"
bench/collector_bench.sh "$build"

echo "== Soak: the demo's whole system for 10 minutes, memory and descriptors bounded (root)"
/usr/bin/python3 tests/soak/soak_test.py "$build/clt" 600 20
