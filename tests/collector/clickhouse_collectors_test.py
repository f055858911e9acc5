#!/usr/bin/python3
"""System test of collectors sharing one ClickHouse (Debian's clickhouse-server,
started here with its own config, data directory and ports on 127.0.0.1):

1. bad --store URLs and an unreachable server are refused at start, saying why;
2. two collectors on one database: application spans (OTLP/HTTP) go to one,
   their IOAM reports (gRPC) to the other, and every trace is complete -- the
   application span, its network span and hop spans -- from either
   collector's query API;
3. kill -9 of the collector that took the reports, right after they were
   acknowledged: restarted, it writes the summaries it had not, and nothing
   acknowledged is missing;
4. ClickHouse down: both collectors refuse new data with a reason and count
   it; once it is back, they accept again and everything acknowledged
   before, during and after is there.

usage: clickhouse_collectors_test.py CLT_BINARY"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import grpc

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
sys.path.insert(0, os.path.join(here, "..", "support"))
from clickhouse_server import ClickHouse, free_port  # noqa: E402
from collector_harness import Collector, check  # noqa: E402
from ioam_report_client import encode_trace  # noqa: E402

SPANS_PER_TRACE = 2
REPORTS_PER_SPAN = 5


def trace_id(batch, n):
    return "%08x%08x%016x" % (0xc1c1c1, batch, n)


def span_id(i):
    return "%016x" % (0xa0 + i)


def report(trace, span, i):
    return encode_trace({"trace_id": trace, "span_id": span, "namespace": 123,
                         "trace_type": "0xf60000",
                         "nodes": [{"HopLimit": 64, "Id": 1, "TimestampSecs": 1700000000,
                                    "TimestampFrac": i},
                                   {"HopLimit": 63, "Id": 2, "TimestampSecs": 1700000000,
                                    "TimestampFrac": i + 100},
                                   {"HopLimit": 62, "Id": 3, "TimestampSecs": 1700000000,
                                    "TimestampFrac": i + 150}]})


def send_reports(col, traces):
    """One report stream with every span's reports; True once acknowledged."""
    msgs = [report(t, span_id(s), i) for t in traces for s in range(SPANS_PER_TRACE)
            for i in range(REPORTS_PER_SPAN)]
    channel = grpc.insecure_channel("127.0.0.1:%d" % col.ioam)
    call = channel.stream_unary("/ioam_api.IOAMService/Report",
                                request_serializer=lambda b: b, response_deserializer=lambda b: b)
    try:
        call(iter(msgs), timeout=15)
        return True, ""
    except grpc.RpcError as e:
        return False, "%s: %s" % (e.code(), e.details())
    finally:
        channel.close()


def send_spans(col, traces):
    """One OTLP/HTTP export; (status, body)."""
    now = int(time.time() * 1e9)
    spans = [{"traceId": t, "spanId": span_id(s), "name": "GET /item/%d" % s,
              "kind": 3, "startTimeUnixNano": str(now), "endTimeUnixNano": str(now + 2000000),
              "attributes": [{"key": "http.method", "value": {"stringValue": "GET"}}]}
             for t in traces for s in range(SPANS_PER_TRACE)]
    body = json.dumps({"resourceSpans": [{"resource": {"attributes": [
        {"key": "service.name", "value": {"stringValue": "shop"}}]},
        "scopeSpans": [{"spans": spans}]}]}).encode()
    status, answer, _ = col.post("/v1/traces", body, "application/json")
    return status, answer.decode(errors="replace")


def trace_complete(col, trace):
    """Why `trace` is not complete from col's query API, or None."""
    try:
        data = col.get("/api/traces/" + trace)["data"][0]
    except Exception as e:  # noqa: BLE001 - 404 until stored, 503 while down
        return "not served: %s" % e
    ops = [s["operationName"] for s in data["spans"]]
    apps = [o for o in ops if o.startswith("GET /item/")]
    nets = [s for s in data["spans"] if s["operationName"] == "network path"]
    hops = [o for o in ops if o.startswith("hop ")]
    if len(apps) != SPANS_PER_TRACE:
        return "%d application spans of %d" % (len(apps), SPANS_PER_TRACE)
    if len(nets) != SPANS_PER_TRACE:
        return "%d network spans of %d" % (len(nets), SPANS_PER_TRACE)
    if len(hops) != 3 * SPANS_PER_TRACE:
        return "%d hop spans of %d" % (len(hops), 3 * SPANS_PER_TRACE)
    packets = sum(next(t["value"] for t in s["tags"] if t["key"] == "ioam.packets") for s in nets)
    if packets != SPANS_PER_TRACE * REPORTS_PER_SPAN:
        return "%d packets of %d" % (packets, SPANS_PER_TRACE * REPORTS_PER_SPAN)
    by_id = {s["spanID"]: s for s in data["spans"]}
    for n in nets:
        parent = n["references"][0]["spanID"]
        if parent not in by_id or not by_id[parent]["operationName"].startswith("GET /item/"):
            return "a network span's parent %s is not an application span" % parent
    return None


def wait_complete(collectors, traces, what, timeout=30):
    deadline = time.time() + timeout
    pending = {(c.name, t) for c in collectors for t in traces}
    last = {}
    while pending and time.time() < deadline:
        for c in collectors:
            for t in traces:
                if (c.name, t) in pending:
                    why = trace_complete(c, t)
                    if why is None:
                        pending.discard((c.name, t))
                    else:
                        last[(c.name, t)] = why
        if pending:
            time.sleep(0.2)
    if pending:
        name, t = sorted(pending)[0]
        raise AssertionError("%s: trace %s from collector %s: %s (%d incomplete)"
                             % (what, t, name, last.get((name, t)), len(pending)))
    print("ok: %s: %d traces complete from each of %s"
          % (what, len(traces), ", ".join(c.name for c in collectors)))


def start_fails(clt, args, expect, workdir):
    p = subprocess.run([clt, "collector", "--query-http", "0", "--otlp-http", "0",
                        "--ioam-grpc", "0", "--otlp-grpc", "0"] + args,
                       capture_output=True, text=True, timeout=60, cwd=workdir)
    check(p.returncode != 0 and expect in p.stderr,
          "%s refused at start (%r)" % (" ".join(args), p.stderr.strip()[:200]))


def main():
    clt = sys.argv[1]
    work = tempfile.mkdtemp(prefix="clt-clickhouse-collectors-")
    ch = ClickHouse(work, database="clt")
    collectors = []
    try:
        start_fails(clt, ["--store", "clickhouse://127.0.0.1"], "names no database", work)
        start_fails(clt, ["--store", "clickhouse://127.0.0.1:99999/clt"], "is not 1-65535", work)
        start_fails(clt, ["--store", "mysql://x/y"], "neither sqlite:PATH nor clickhouse", work)
        start_fails(clt, ["--store", "clickhouse://127.0.0.1:%d/clt" % free_port()],
                    "cannot reach ClickHouse at 127.0.0.1", work)

        ch.start()
        for name in ("a", "b"):
            d = os.path.join(work, name)
            os.makedirs(d)
            c = Collector(clt, d, extra=["--store", ch.url])
            c.name = name
            collectors.append(c.start())
        spans_to, reports_to = collectors

        # 2. Spans to one, reports to the other.
        first = [trace_id(1, n) for n in range(20)]
        for i in range(0, len(first), 5):
            status, body = send_spans(spans_to, first[i:i + 5])
            check(status == 200, "spans of 5 traces acknowledged by collector a (%d %s)"
                  % (status, body[:100]))
            ok, why = send_reports(reports_to, first[i:i + 5])
            check(ok, "their reports acknowledged by collector b (%s)" % why)
        wait_complete(collectors, first, "spans to a, reports to b")

        # 3. kill -9 right after the acknowledgement: the summaries of these
        # reports are not written yet (the join waits for quiet spans).
        second = [trace_id(2, n) for n in range(10)]
        status, body = send_spans(spans_to, second)
        check(status == 200, "spans of 10 more traces acknowledged (%d)" % status)
        ok, why = send_reports(reports_to, second)
        check(ok, "their reports acknowledged (%s)" % why)
        reports_to.proc.send_signal(signal.SIGKILL)
        reports_to.proc.wait()
        reports_to.start()
        wait_complete(collectors, first + second, "after kill -9 and restart of collector b")

        # 4. ClickHouse down.
        ch.stop()
        third = [trace_id(3, n) for n in range(10)]
        status, body = send_spans(spans_to, third)
        check(status != 200 and "ClickHouse" in body,
              "spans refused while ClickHouse is down, saying why (%d %s)" % (status, body[:160]))
        ok, why = send_reports(reports_to, third)
        check(not ok, "reports refused while ClickHouse is down (%s)" % why[:160])
        check(spans_to.metric("store_errors_total") > 0 and reports_to.metric("store_errors_total") > 0,
              "both collectors counted the failed writes")
        ch.start()
        # Senders retry what was refused: acknowledged once ClickHouse is back.
        deadline = time.time() + 30
        while True:
            status, body = send_spans(spans_to, third)
            if status == 200 or time.time() > deadline:
                break
            time.sleep(0.5)
        check(status == 200, "spans acknowledged again once ClickHouse is back (%d %s)"
              % (status, body[:100]))
        while True:
            ok, why = send_reports(reports_to, third)
            if ok or time.time() > deadline:
                break
            time.sleep(0.5)
        check(ok, "reports acknowledged again once ClickHouse is back (%s)" % why)
        wait_complete(collectors, first + second + third, "after ClickHouse was down")
        print("PASS")
        return 0
    finally:
        for c in collectors:
            c.stop()
        ch.remove()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
