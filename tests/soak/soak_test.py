#!/usr/bin/python3
"""Soak: `clt demo` (collector, both agents, the eBPF datapath, the traced
services and their steady client) runs for a bounded time while every
process it started is sampled. Passes when:

- memory (RSS) and open file descriptors of every process stay bounded:
  after a warm-up, the last third of the run holds no more than the first
  third plus a margin (the demo also keeps every request for its summary,
  and may grow by DEMO_KB_PER_REQUEST for each; the collector's SQLite page
  cache may fill up to its configured size);
- the counters add up: every request completed with its network data, the
  collector refused nothing and stored every span and report it accepted
  (as of its last sample, less what arrived since the one before), the
  datapath stamped packets and skipped none for errors.

    soak_test.py CLT [SECONDS] [RATE]

Needs root (network namespaces, BPF): fails otherwise.
"""
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

CLT = os.path.abspath(sys.argv[1])
SECONDS = int(sys.argv[2]) if len(sys.argv) > 2 else 60
RATE = float(sys.argv[3]) if len(sys.argv) > 3 else 20.0
HERE = os.path.dirname(os.path.abspath(__file__))
CHECK_SUMMARY = os.path.join(HERE, "..", "demo", "check_summary.py")
PREFIX = f"sk{os.getpid()}-"
RUN_DIR = f"/run/clt/soak-{os.getpid()}"
SAMPLE_EVERY = 2.0
RSS_MARGIN_KB = 16 * 1024
FD_MARGIN = 16
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAIL: " + message, flush=True)
    return condition


def free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def descendants(root):
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def role(pid):
    """A stable name for a process the demo started (its command line)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            args = [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
    except OSError:
        return None
    if not args:
        return None
    # `ip netns exec NS CMD...` and `setpriv ... CMD` are wrappers: name the command.
    name = " ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(args))
    if "collector" in args:
        return "collector"
    if "agent" in args:
        return "agent --encap" if "--encap" in args else "agent --interface"
    if "demo" in args:
        return "demo"
    return re.sub(r"\s+", " ", name)[:80]


def sample(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            rss = next((int(l.split()[1]) for l in f if l.startswith("VmRSS:")), 0)
        fds = len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None
    return rss, fds


def metrics(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as r:
            text = r.read().decode()
    except OSError:
        return None
    out = {}
    for line in text.splitlines():
        m = re.match(r"^clt_collector_(\w+) (\d+(?:\.\d+)?)$", line)
        if m:
            out[m.group(1)] = float(m.group(2))
    return out


# The demo keeps every request it completed for its JSON summary: its memory
# may grow by this much per request, on top of the margin.
DEMO_KB_PER_REQUEST = 8
# The collector's SQLite page cache (cache_size=-65536 on the writer's
# connection) fills as the database grows: bounded by that setting.
COLLECTOR_PAGE_CACHE_KB = 64 * 1024


def bounded(name, series):
    """series: [(t, rss_kb, fds)] of one process over the run."""
    warm = [s for s in series if s[0] >= 0.2 * SECONDS]
    if not check(len(warm) >= 6, f"{name}: only {len(warm)} samples after warm-up"):
        return
    third = len(warm) // 3
    first, last = warm[:third], warm[-third:]
    rss_first = max(s[1] for s in first)
    rss_last = max(s[1] for s in last)
    allowed = max(RSS_MARGIN_KB, rss_first // 4)
    if name == "demo":
        allowed += int(DEMO_KB_PER_REQUEST * RATE * (last[-1][0] - first[0][0]))
    if name == "collector":
        allowed += COLLECTOR_PAGE_CACHE_KB
    check(rss_last <= rss_first + allowed,
          f"{name}: RSS grew from {rss_first} kB to {rss_last} kB (allowed {allowed} kB more)")
    fd_first = max(s[2] for s in first)
    fd_last = max(s[2] for s in last)
    check(fd_last <= fd_first + FD_MARGIN, f"{name}: open descriptors grew from {fd_first} to {fd_last}")
    print(f"  {name}: RSS {rss_first} -> {rss_last} kB, fds {fd_first} -> {fd_last}", flush=True)


def main():
    if os.geteuid() != 0:
        print("FAIL: needs root (network namespaces, BPF)")
        return 1
    ui, grpc, http, ioam = free_ports(4)
    requests = int(SECONDS * RATE)
    out_dir = tempfile.mkdtemp(prefix="clt-soak-")
    summary_path = os.path.join(out_dir, "summary.json")
    cmd = [CLT, "demo", "--prefix", PREFIX, "--run-dir", RUN_DIR, "--rate", str(RATE),
           "--requests", str(requests), "--exit", "--json", "--max-delay-ms", "20",
           "--ui-port", str(ui), "--otlp-grpc-port", str(grpc), "--otlp-http-port", str(http),
           "--ioam-port", str(ioam)]
    series, last_metrics, previous_metrics, datapath = {}, None, None, {}
    with open(summary_path, "w") as summary_file:
        demo = subprocess.Popen(cmd, stdout=summary_file, stderr=subprocess.PIPE, text=True,
                                stdin=subprocess.DEVNULL)
        start = time.time()
        try:
            while demo.poll() is None and time.time() - start < SECONDS + 120:
                now = time.time() - start
                for pid in descendants(demo.pid):
                    name, s = role(pid), sample(pid)
                    if name and s:
                        series.setdefault(name, []).append((now, *s))
                m = metrics(ui)
                if m:
                    previous_metrics, last_metrics = last_metrics, m
                try:
                    with open(os.path.join(RUN_DIR, "datapath-stats.json")) as f:
                        datapath = json.load(f).get("datapath", datapath)
                except (OSError, ValueError):
                    pass
                time.sleep(SAMPLE_EVERY)
        finally:
            if demo.poll() is None:
                demo.terminate()
                demo.wait(30)
                check(False, f"the demo did not finish within {SECONDS + 120} s")
    err = demo.stderr.read()
    check(demo.returncode == 0, f"demo exited {demo.returncode}: {err[-800:]}")
    checked = subprocess.run(["/usr/bin/python3", CHECK_SUMMARY, summary_path, "--requests",
                              str(requests)], capture_output=True, text=True)
    check(checked.returncode == 0, f"summary: {checked.stderr.strip()[-500:]}")

    print(f"soak: {SECONDS} s at {RATE} requests/s, {len(series)} processes sampled", flush=True)
    for name in ("collector", "agent --interface", "agent --encap", "demo"):
        check(name in series, f"no samples of the {name} process")
    for name, s in sorted(series.items()):
        if s[-1][0] - s[0][0] >= 0.8 * SECONDS:  # lived through the run
            bounded(name, s)

    if check(last_metrics is not None and previous_metrics is not None,
             "the collector's /metrics never answered twice"):
        m, p = last_metrics, previous_metrics
        for refused in ("otlp_spans_rejected_total", "otlp_requests_rejected_total",
                        "ioam_reports_rejected_total", "requests_refused_overload_total",
                        "store_errors_total"):
            check(m.get(refused, -1) == 0, f"collector {refused} = {m.get(refused)}")
        # Stored everything accepted, except what arrived since the sample before.
        for got, stored in (("otlp_spans_received_total", "store_spans_written_total"),
                            ("ioam_reports_received_total", "store_records_written_total")):
            check(p[got] <= m[stored] <= m[got],
                  f"collector {stored} = {m[stored]}, {got} = {m[got]} (before: {p[got]})")
        print(f"  collector gauges at the end: join_pending_keys {m.get('join_pending_keys')}, "
              f"ingest_queue_bytes {m.get('ingest_queue_bytes')}", flush=True)
        print(f"  collector: {m['otlp_spans_received_total']:.0f} spans and "
              f"{m['ioam_reports_received_total']:.0f} IOAM reports accepted, "
              f"{m['store_spans_written_total']:.0f} and {m['store_records_written_total']:.0f} "
              f"stored at the last sample", flush=True)
        check(m["otlp_spans_received_total"] >= 4 * requests * 0.9,
              f"collector received {m['otlp_spans_received_total']} spans for {requests} requests")
    check(datapath.get("stamped", 0) > 0 and datapath.get("skipped_error", -1) == 0
          and datapath.get("skipped_no_room", -1) == 0, f"datapath counters: {datapath}")
    subprocess.run(["rm", "-rf", out_dir])
    print(f"soak test: {len(failures)} failures", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
