#!/usr/bin/python3
"""System test of the durability rule: what the collector acknowledged
survives `kill -9`. Several IOAM report streams, clt.v1 span summary
streams (each span summarized twice, as two agents do) and OTLP/HTTP
exports run concurrently; the collector is killed with SIGKILL mid-load and restarted on
the same database. Every acknowledged stream's reports and every
acknowledged export's spans must be there, network summaries included (the
restart writes the missing ones), and `PRAGMA integrity_check` must say ok.

usage: kill9_test.py CLT_BINARY"""
import json
import os
import shutil
import signal
import sqlite3
import sys
import tempfile
import threading
import time

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from collector_harness import Collector  # noqa: E402
from ioam_report_client import encode_trace  # noqa: E402
from summaries_input_test import batch, summary  # noqa: E402

REPORTS_PER_STREAM = 500
SPANS_PER_EXPORT = 50
SUMMARY_SPANS = 10  # per summary stream, each in two messages of 5 packets
SUMMARY_PACKETS = 5


def stream_trace_id(worker, n):
    return "%08x%08x%016x" % (0xc0ffee, worker, n)


def report(trace, span, i):
    return encode_trace({"trace_id": trace, "span_id": span, "namespace": 123, "trace_type": "0xf60000",
                         "nodes": [{"HopLimit": 64, "Id": 1, "TimestampSecs": 1700000000, "TimestampFrac": i},
                                   {"HopLimit": 63, "Id": 2, "TimestampSecs": 1700000000, "TimestampFrac": i + 100},
                                   {"HopLimit": 62, "Id": 3, "TimestampSecs": 1700000000, "TimestampFrac": i + 150}]})


def ioam_worker(col, worker, acked, stop):
    n = 0
    while not stop.is_set():
        n += 1
        trace = stream_trace_id(worker, n)
        msgs = [report(trace, "%016x" % (1 + i % 10), i) for i in range(REPORTS_PER_STREAM)]
        channel = grpc.insecure_channel("127.0.0.1:%d" % col.ioam)
        call = channel.stream_unary("/ioam_api.IOAMService/Report",
                                    request_serializer=lambda b: b, response_deserializer=lambda b: b)
        try:
            call(iter(msgs), timeout=10)
            acked.append(trace)
        except grpc.RpcError:
            pass
        finally:
            channel.close()


def summaries_worker(col, worker, acked, stop):
    n = 0
    while not stop.is_set():
        n += 1
        trace = "%08x%08x%016x" % (0x5a5a, worker, n)
        message = batch(*[summary("%016x" % (i + 1), SUMMARY_PACKETS, trace=trace)
                          for i in range(SUMMARY_SPANS)])
        channel = grpc.insecure_channel("127.0.0.1:%d" % col.ioam)
        call = channel.stream_unary("/clt.v1.TelemetryService/Summaries",
                                    request_serializer=lambda b: b, response_deserializer=lambda b: b)
        try:
            call(iter([message, message]), timeout=10)
            acked.append(trace)
        except grpc.RpcError:
            pass
        finally:
            channel.close()


def otlp_worker(col, acked, stop):
    n = 0
    while not stop.is_set():
        n += 1
        trace = "%016x%016x" % (0xfeed, n)
        spans = [{"traceId": trace, "spanId": "%016x" % (i + 1), "name": "op%d" % i,
                  "startTimeUnixNano": str(int(time.time() * 1e9)),
                  "endTimeUnixNano": str(int(time.time() * 1e9) + 1000)} for i in range(SPANS_PER_EXPORT)]
        body = json.dumps({"resourceSpans": [{"resource": {"attributes": [
            {"key": "service.name", "value": {"stringValue": "kill9"}}]},
            "scopeSpans": [{"spans": spans}]}]}).encode()
        try:
            status, _, _ = col.post("/v1/traces", body, "application/json")
            if status == 200:
                acked.append(trace)
        except Exception:  # noqa: BLE001 - connection refused after the kill
            pass


def main():
    work = tempfile.mkdtemp(prefix="clt-collector-kill9-")
    col = Collector(sys.argv[1], work)
    try:
        col.start()
        stop = threading.Event()
        ioam_acked, otlp_acked, summaries_acked = [], [], []
        threads = [threading.Thread(target=ioam_worker, args=(col, w, ioam_acked, stop)) for w in range(3)]
        threads += [threading.Thread(target=summaries_worker, args=(col, w, summaries_acked, stop))
                    for w in range(2)]
        threads.append(threading.Thread(target=otlp_worker, args=(col, otlp_acked, stop)))
        for t in threads:
            t.start()
        deadline = time.time() + 30
        while ((len(ioam_acked) < 6 or len(otlp_acked) < 5 or len(summaries_acked) < 10)
               and time.time() < deadline):
            time.sleep(0.05)
        time.sleep(0.3)  # kill in the middle of streams, not between them
        col.proc.send_signal(signal.SIGKILL)
        col.proc.wait()
        stop.set()
        for t in threads:
            t.join(30)
        acked_reports = list(ioam_acked)
        acked_exports = list(otlp_acked)
        acked_summaries = list(summaries_acked)
        print("acknowledged before kill -9: %d streams (%d reports), %d summary streams (%d spans), "
              "%d exports (%d spans)"
              % (len(acked_reports), len(acked_reports) * REPORTS_PER_STREAM, len(acked_summaries),
                 len(acked_summaries) * SUMMARY_SPANS, len(acked_exports),
                 len(acked_exports) * SPANS_PER_EXPORT))
        if len(acked_reports) < 6 or len(acked_exports) < 5 or len(acked_summaries) < 10:
            raise AssertionError("not enough load was acknowledged before the kill")

        col.start()  # same database; recovery runs before it serves
        db = sqlite3.connect("file:%s?mode=ro" % col.db, uri=True)
        check = db.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise AssertionError("integrity_check: " + check)
        print("ok: PRAGMA integrity_check = ok")
        missing = 0
        for trace in acked_reports:
            n = db.execute("SELECT coalesce(sum(count), 0) FROM ioam_records WHERE trace_id = ?",
                           (bytes.fromhex(trace),)).fetchone()[0]
            if n != REPORTS_PER_STREAM:
                print("stream %s: %d of %d reports" % (trace, n, REPORTS_PER_STREAM))
                missing += 1
        for trace in acked_exports:
            n = db.execute("SELECT count(*) FROM spans WHERE trace_id = ?", (bytes.fromhex(trace),)).fetchone()[0]
            if n != SPANS_PER_EXPORT:
                print("export %s: %d of %d spans" % (trace, n, SPANS_PER_EXPORT))
                missing += 1
        if missing:
            raise AssertionError("%d acknowledged batches incomplete after kill -9" % missing)
        print("ok: every acknowledged report and span is stored")
        # Summaries: the restarted collector wrote those the killed one had not.
        for trace in acked_reports:
            try:
                t = col.get("/api/traces/" + trace)["data"][0]
            except Exception as e:
                raise AssertionError("trace %s: %s (db %s)" % (trace, e, col.db))
            nets = [s for s in t["spans"] if s["operationName"] == "network path"]
            packets = sum(next(x["value"] for x in s["tags"] if x["key"] == "ioam.packets") for s in nets)
            if len(nets) != 10 or packets != REPORTS_PER_STREAM:
                raise AssertionError("trace %s: %d network spans, %d packets" % (trace, len(nets), packets))
        print("ok: network spans complete for every acknowledged stream")
        # Span summaries: each span's network row counts both messages, the
        # restarted collector having written those the killed one had not.
        for trace in acked_summaries:
            t = col.get("/api/traces/" + trace)["data"][0]
            nets = [s for s in t["spans"] if s["operationName"] == "network path"]
            packets = sorted(next(x["value"] for x in s["tags"] if x["key"] == "ioam.packets")
                             for s in nets)
            if packets != [2 * SUMMARY_PACKETS] * SUMMARY_SPANS:
                raise AssertionError("summarized trace %s: network spans' packets %s" % (trace, packets))
        print("ok: network spans complete for every acknowledged summary stream")
        print("PASS")
        return 0
    finally:
        col.stop()
        if not os.environ.get("KEEP"):
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
