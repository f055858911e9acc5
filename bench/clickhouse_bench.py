#!/usr/bin/python3
"""The ClickHouse store beside SQLite, in one run, on loopback:
  1. ingest: the same IOAM report streams and OTLP/gRPC exports
     (bench_collector_load) into a collector on SQLite and one on ClickHouse;
  2. disk bytes per span of what that ingest stored, in each;
  3. 2 M, then 10 M spans bulk-loaded into the ClickHouse database (INSERT ... SELECT
     from numbers(), 10 spans per trace, 20 services, 1 ms apart; each row
     carries the OTLP protobuf and tags of a span the collector stored, and
     every tenth span a network summary), then through the collector's query
     API: trace by id (random traces), search (a service and a time window,
     with and without a tag) and the path overview's search (service ioam:
     network summaries by time), p50 and p99 of each.
   The queries run at each of the sizes given (default: at 2 M, then at 10 M
   spans), the same query set at each, for a baseline in the same run.
usage: bench/clickhouse_bench.py BUILD_DIR [SPANS...]"""
import http.client
import json
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "tests", "support"))
sys.path.insert(0, os.path.join(here, "..", "tests", "collector"))
from clickhouse_server import ClickHouse  # noqa: E402
from collector_harness import listening_ports  # noqa: E402

# Spans stored at each round of queries: loaded up to each in turn.
STAGES = [int(a) for a in sys.argv[2:]] or [2_000_000, 10_000_000]
BASE_NS = 1_760_000_000_000_000_000  # the bulk spans' first start


def start_collector(clt, work, name, store_args):
    log = os.path.join(work, name + ".log")
    p = subprocess.Popen([clt, "collector", "--ioam-grpc", "0", "--otlp-grpc", "0",
                          "--otlp-http", "0", "--query-http", "0", "--retention", "0",
                          "--max-db-size", "0"] + store_args,
                         stdout=open(log, "ab"), stderr=subprocess.STDOUT)
    deadline = time.time() + 30
    while time.time() < deadline:
        ports = listening_ports(log)
        if ports:
            return p, ports
        if p.poll() is not None:
            raise RuntimeError(open(log).read())
        time.sleep(0.1)
    raise RuntimeError("collector %s did not start" % name)


def load(build, *args):
    out = subprocess.run([os.path.join(build, "bench", "bench_collector_load")] + list(args),
                         capture_output=True, text=True, timeout=900)
    if out.returncode != 0:
        raise RuntimeError(out.stderr)
    return out.stdout.strip() or out.stderr.strip()


def timed_gets(port, paths):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    times, sizes = [], []
    for path in paths:
        t = time.monotonic()
        conn.request("GET", path)
        r = conn.getresponse()
        body = r.read()
        times.append((time.monotonic() - t) * 1000)
        if r.status != 200:
            raise RuntimeError("%s: %d %s" % (path, r.status, body[:200]))
        sizes.append(len(json.loads(body)["data"]))
    times.sort()
    p = lambda q: times[min(len(times) - 1, int(q * len(times)))]  # noqa: E731
    return p(0.5), p(0.99), sum(sizes) / len(sizes)


def bulk_load(ch, db, first, count):
    """Spans first .. first + count - 1 (and their traces, summaries), each
    table written the way the collector writes it (network and
    network_by_time the same rows)."""
    numbers = "(SELECT number + %d AS n FROM numbers(%d))" % (first, count)
    sample_span = "(SELECT any(otlp) FROM %s.spans)" % db
    tid = ("toFixedString(concat(toFixedString(reinterpretAsString(toUInt64(intDiv(n, 10) + 1)), 8), "
           "toFixedString(reinterpretAsString(toUInt64(4242)), 8)), 16)")
    sid = "toFixedString(reinterpretAsString(toUInt64(n + 1)), 8)"
    start = "toInt64(%d + n * 1000000)" % BASE_NS
    t = time.monotonic()
    ch.query("INSERT INTO %s.spans SELECT %s, %s, toFixedString('', 8), concat('svc', toString(n %% 20)), "
             "concat('op', toString(n %% 50)), %s, toInt64(1000000 + (n %% 1000) * 1000), "
             "%s, toInt64(1) FROM %s" % (db, tid, sid, start, sample_span, numbers))
    ch.query("INSERT INTO %s.span_index SELECT concat('svc', toString(n %% 20)), "
             "concat('op', toString(n %% 50)), %s, toInt64(1000000 + (n %% 1000) * 1000), %s, %s, "
             "['http.method', 'http.status_code'], ['GET', toString(200 + (n %% 4) * 100)] "
             "FROM %s" % (db, start, tid, sid, numbers))
    # A stored summary with this row's ids in its JSON.
    sample = "(SELECT any(summary) FROM %s.network)" % db
    summary = ("concat('{\"trace_id\":\"', lower(hex(%s)), '\",\"span_id\":\"', lower(hex(%s)), "
               "substring(%s, position(%s, '\",\"ids_lost\"')))" % (tid, sid, sample, sample))
    summaries = ("SELECT %s, %s, intDiv(%s, 1000), toInt64(900), toUInt32(8), %s, intDiv(%s, 1000) "
                 "FROM %s WHERE n %% 10 = 0" % (tid, sid, start, summary, start, numbers))
    # (Once bulk summaries are stored, the sample may be one: same form.)
    # Requests (direction 0, the column's default), as most summaries are.
    columns = "(trace_id, span_id, start_us, duration_us, packets, summary, updated_us)"
    ch.query("INSERT INTO %s.network %s %s" % (db, columns, summaries))
    ch.query("INSERT INTO %s.network_by_time %s %s" % (db, columns, summaries))
    ch.query("OPTIMIZE TABLE %s.spans" % db)
    return time.monotonic() - t


def trace_hex(n):
    return (struct.pack("<Q", n + 1) + struct.pack("<Q", 4242)).hex()


def disk_per_span_clickhouse(ch, db):
    rows = int(ch.query("SELECT count() FROM %s.spans" % db))
    size = int(ch.query("SELECT sum(bytes_on_disk) FROM system.parts WHERE active AND database = '%s'" % db))
    return size, rows


def load_average():
    return " ".join(open("/proc/loadavg").read().split()[:3])


def queries(port, spans):
    """Through the collector's query API, with `spans` bulk spans stored."""
    rnd = random.Random(1)
    traces = spans // 10
    ids = ["/api/traces/" + trace_hex(rnd.randrange(traces)) for _ in range(300)]
    p50, p99, n = timed_gets(port, ids)
    print("trace by id: p50 %.1f ms, p99 %.1f ms (%.0f trace per answer)" % (p50, p99, n))
    end_us = (BASE_NS + spans * 1_000_000) // 1000
    # One hour, or half the stored time range when that is shorter.
    width_us = min(3_600_000_000, (end_us - BASE_NS // 1000) // 2)
    print("search window: %.0f s" % (width_us / 1e6))

    def window(extra):
        paths = []
        for _ in range(50):
            s = rnd.randrange(BASE_NS // 1000, end_us - width_us)
            paths.append("/api/traces?limit=20&start=%d&end=%d&%s" % (s, s + width_us, extra))
        return paths
    for what, extra in (("search service", "service=svc3"),
                        ("search service + operation", "service=svc3&operation=op13"),
                        ("search service + tag", "service=svc3&tags=" +
                         urllib.parse.quote(json.dumps({"http.status_code": "500"}))),
                        ("path overview (service ioam)", "service=ioam")):
        p50, p99, n = timed_gets(port, window(extra))
        print("%s: p50 %.1f ms, p99 %.1f ms (%.0f traces per answer)" % (what, p50, p99, n))


def main():
    build = os.path.abspath(sys.argv[1])
    clt = os.path.join(build, "clt")
    work = tempfile.mkdtemp(prefix="clt-clickhouse-bench-")
    ch = ClickHouse(work, database="clt")
    procs = []
    try:
        ch.start()
        print("ClickHouse", ch.query("SELECT version()").strip())
        sqlite_db = os.path.join(work, "bench.db")
        stores = [("SQLite", ["--db", sqlite_db]), ("ClickHouse", ["--store", ch.url])]
        run = int(time.time())
        for name, args in stores:
            p, ports = start_collector(clt, work, name, args)
            procs.append(p)
            print("-- ingest into %s" % name)
            print(load(build, "ioam", "127.0.0.1:%d" % ports["ioam"], "4", "25000", "8"))
            print(load(build, "otlp", "127.0.0.1:%d" % ports["otlp-grpc"], "4", "50", "1000", str(run)))
            time.sleep(1.5)
            p.terminate()
            p.wait()
        size = os.path.getsize(sqlite_db)
        import sqlite3
        spans = sqlite3.connect(sqlite_db).execute("SELECT count(*) FROM spans").fetchone()[0]
        print("SQLite disk: %d bytes, %d spans (+ reports): %.0f bytes/span" % (size, spans, size / spans))
        ch.query("OPTIMIZE TABLE clt.spans FINAL")
        size, spans = disk_per_span_clickhouse(ch, "clt")
        print("ClickHouse disk: %d bytes, %d spans (+ reports): %.0f bytes/span" % (size, spans, size / spans))

        p, ports = start_collector(clt, work, "ClickHouse-query", ["--store", ch.url])
        procs.append(p)
        loaded = 0
        for stage in STAGES:
            print("-- bulk load up to %d spans into ClickHouse" % stage)
            print("loaded %d spans in %.1f s; load average %s" % (
                stage - loaded, bulk_load(ch, "clt", loaded, stage - loaded), load_average()))
            loaded = stage
            size, spans = disk_per_span_clickhouse(ch, "clt")
            print("ClickHouse disk with the bulk spans: %.0f bytes/span (one OTLP blob repeated: "
                  "compresses better than real spans)" % (size / spans))
            queries(ports["query"], loaded)
            print("load average after the queries: %s" % load_average())
        return 0
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
                p.wait()
        ch.remove()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
