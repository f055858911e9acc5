#!/usr/bin/python3
"""System test of --otlp-endpoint: collector A exports its network and hop
spans (and, with --export-app-spans, the application's span) to collector B,
a real OTLP receiver, over OTLP/HTTP protobuf and over OTLP/gRPC; B's query
API must show them with the data model's tags. A third collector exporting to
a closed port counts failures and retries instead of blocking ingestion.

usage: export_test.py CLT_BINARY"""
import json
import os
import shutil
import sys
import tempfile

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from collector_harness import Collector, check, free_port  # noqa: E402
from ioam_report_client import encode_trace  # noqa: E402


def send_reports(col, trace, span):
    msgs = [encode_trace({"trace_id": trace, "span_id": span, "namespace": 123, "trace_type": "0xf60000",
                          "nodes": [{"HopLimit": 64, "Id": 1, "TimestampSecs": 1700000000, "TimestampFrac": 10 * i},
                                    {"HopLimit": 63, "Id": 2, "TimestampSecs": 1700000000, "TimestampFrac": 10 * i + 70, "QueueDepth": i},
                                    {"HopLimit": 62, "Id": 3, "TimestampSecs": 1700000000, "TimestampFrac": 10 * i + 90}]})
            for i in range(5)]
    ch = grpc.insecure_channel("127.0.0.1:%d" % col.ioam)
    ch.stream_unary("/ioam_api.IOAMService/Report", request_serializer=lambda b: b,
                    response_deserializer=lambda b: b)(iter(msgs), timeout=10)
    ch.close()


def app_span(col, trace, span):
    body = {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "client"}}]},
                               "scopeSpans": [{"spans": [{"traceId": trace, "spanId": span, "name": "GET /check",
                                                          "startTimeUnixNano": "1699999999999000000",
                                                          "endTimeUnixNano": "1700000000001000000"}]}]}]}
    status, _, _ = col.post("/v1/traces", json.dumps(body).encode(), "application/json")
    check(status == 200, "application span accepted by the exporting collector")


def verify_backend(backend, trace, span, with_app):
    def ready():
        t = backend.get("/api/traces/" + trace)["data"][0]
        return t if len(t["spans"]) >= (5 if with_app else 4) else None
    t = backend.wait_for(ready, "exported spans at the backend", timeout=15)
    by_op = {s["operationName"]: s for s in t["spans"]}
    net = by_op["network path"]
    tags = {x["key"]: x["value"] for x in net["tags"]}
    check(t["processes"][net["processID"]]["serviceName"] == "ioam", "backend: network span of service ioam")
    check(net["references"][0]["spanID"] == span, "backend: network span is the child of the application span")
    check(tags["ioam.path"] == "athos > porthos > aramis" and tags["ioam.packets"] == 5,
          "backend: path and packet count tags")
    hop2 = {x["key"]: x["value"] for x in by_op["hop 2 porthos"]["tags"]}
    check(hop2["ioam.delay_us"] == 70 and hop2["ioam.queue_depth"] == 4, "backend: hop 2 delay and queue depth")
    if with_app:
        check("GET /check" in by_op, "backend: application span exported too")


def main():
    clt = sys.argv[1]
    work = tempfile.mkdtemp(prefix="clt-collector-export-")
    cols = []
    try:
        backend = Collector(clt, os.path.join(work, "b"), [])
        os.makedirs(backend.workdir)
        cols.append(backend.start())
        names = ["--node-name", "1=athos", "--node-name", "2=porthos", "--node-name", "3=aramis"]

        http_exp = Collector(clt, os.path.join(work, "h"), ["--otlp-endpoint", "http://127.0.0.1:%d" % backend.otlp_http,
                                                           "--export-app-spans"])
        os.makedirs(http_exp.workdir)
        cols.append(http_exp.start())
        trace, span = "5bf92f3577b34da6a3ce929d0e0e4736", "10f067aa0ba902b7"
        app_span(http_exp, trace, span)
        send_reports(http_exp, trace, span)
        verify_backend(backend, trace, span, True)
        http_exp.wait_for(lambda: http_exp.metric("export_spans_sent_total") >= 5, "sent counter")
        check(http_exp.metric("export_spans_dropped_total") == 0, "nothing dropped")

        grpc_exp = Collector(clt, os.path.join(work, "g"), ["--otlp-endpoint", "127.0.0.1:%d" % backend.otlp_grpc,
                                                           "--otlp-protocol", "grpc"])
        os.makedirs(grpc_exp.workdir)
        cols.append(grpc_exp.start())
        trace2 = "6bf92f3577b34da6a3ce929d0e0e4736"
        send_reports(grpc_exp, trace2, span)
        verify_backend(backend, trace2, span, False)

        dead = Collector(clt, os.path.join(work, "d"), ["--otlp-endpoint", "http://127.0.0.1:%d" % free_port()])
        os.makedirs(dead.workdir)
        cols.append(dead.start())
        send_reports(dead, "7bf92f3577b34da6a3ce929d0e0e4736", span)
        dead.wait_for(lambda: dead.metric("export_retries_total") >= 1, "a retry against a closed port", timeout=15)
        check(dead.metric("export_failures_total") >= 1, "failed export attempts counted")
        t = dead.get("/api/traces/7bf92f3577b34da6a3ce929d0e0e4736")["data"][0]
        check(any(s["operationName"] == "network path" for s in t["spans"]),
              "local storage unaffected by the unreachable backend")
        print("PASS")
        return 0
    finally:
        for c in cols:
            c.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
