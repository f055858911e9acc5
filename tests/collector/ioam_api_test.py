#!/usr/bin/python3
"""System test: an IOAM API client written from the published message table
(ioam_report_client.py, no generated code) reports to `clt collector`; the
Jaeger-compatible API then shows the network and hop spans under the
application span, the raw records, and bad input is refused with reasons.

usage: ioam_api_test.py CLT_BINARY"""
import json
import os
import shutil
import sys
import tempfile

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from collector_harness import Collector, check  # noqa: E402
from ioam_report_client import encode_trace  # noqa: E402

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN = "00f067aa0ba902b7"
OTHER_SPAN = "00f067aa0ba902b8"


def node(i, frac, queue=0):
    return {"HopLimit": 65 - i, "Id": i, "IngressId": 10 * i + 1, "EgressId": 10 * i + 2,
            "TimestampSecs": 1700000000, "TimestampFrac": frac, "QueueDepth": queue,
            "NamespaceData": "a000000%d" % i}


def report(span, fracs, queues=(0, 0, 0), trace=TRACE):
    return {"trace_id": trace, "span_id": span, "namespace": 123, "trace_type": "0xf60000",
            "nodes": [node(i + 1, f, q) for i, (f, q) in enumerate(zip(fracs, queues))]}


def send(target, messages):
    channel = grpc.insecure_channel(target)
    call = channel.stream_unary("/ioam_api.IOAMService/Report",
                                request_serializer=lambda b: b,
                                response_deserializer=lambda b: b)
    try:
        call(iter(messages), timeout=30)
        return grpc.StatusCode.OK, ""
    except grpc.RpcError as e:
        return e.code(), e.details()
    finally:
        channel.close()


def tags_of(span):
    return {t["key"]: t["value"] for t in span["tags"]}


def main():
    clt = sys.argv[1]
    work = tempfile.mkdtemp(prefix="clt-collector-ioam-api-")
    col = Collector(clt, work, ["--max-request-size", "1"])
    try:
        col.start()
        # Reports first (TCP), then the application span over OTLP/HTTP JSON.
        msgs = [encode_trace(report(SPAN, (100, 300, 340), (0, 4, 1))),
                encode_trace(report(SPAN, (1000, 1100, 1150), (0, 9, 2))),
                encode_trace(report(SPAN, (2000, 2250, 2330), (0, 2, 0)))]
        code, details = send("127.0.0.1:%d" % col.ioam, msgs)
        check(code == grpc.StatusCode.OK, "3 reports accepted over TCP (%s %s)" % (code, details))
        # Another span of the same trace through the Unix socket.
        code, details = send("unix:" + col.unix, [encode_trace(report(OTHER_SPAN, (10, 20, 30)))])
        check(code == grpc.StatusCode.OK, "report accepted over the Unix socket (%s)" % details)

        otlp = {"resourceSpans": [{"resource": {"attributes": [
            {"key": "service.name", "value": {"stringValue": "athos-api"}}]},
            "scopeSpans": [{"scope": {"name": "t"}, "spans": [
                {"traceId": TRACE, "spanId": SPAN, "name": "GET /check", "kind": 3,
                 "startTimeUnixNano": "1699999999999000000", "endTimeUnixNano": "1700000000003000000"},
                {"traceId": TRACE, "spanId": OTHER_SPAN, "name": "GET /validate", "kind": 3,
                 "startTimeUnixNano": "1699999999999000000", "endTimeUnixNano": "1700000000003000000"}]}]}]}
        status, body, _ = col.post("/v1/traces", json.dumps(otlp).encode(), "application/json")
        check(status == 200, "OTLP/JSON export accepted (%d %s)" % (status, body))

        def trace_ready():
            t = col.get("/api/traces/" + TRACE)["data"][0]
            ops = {s["operationName"] for s in t["spans"]}
            return t if {"GET /check", "network path", "hop 3 aramis"} <= ops and \
                sum(1 for s in t["spans"] if s["operationName"] == "network path") == 2 else None
        trace = col.wait_for(trace_ready, "network spans of both application spans")
        spans = {s["spanID"]: s for s in trace["spans"]}
        nets = [s for s in trace["spans"] if s["operationName"] == "network path"]
        net = [n for n in nets if n["references"][0]["spanID"] == SPAN][0]
        check(trace["processes"][net["processID"]]["serviceName"] == "ioam", "network span service is ioam")
        nt = tags_of(net)
        check(nt["ioam.kind"] == "network" and nt["ioam.packets"] == 3, "network span: kind and 3 packets")
        check(nt["ioam.path"] == "athos > porthos > aramis", "path " + nt["ioam.path"])
        check(nt["ioam.slowest_hop"] == "porthos" and nt["ioam.slowest_hop_delay_us"] == 200,
              "slowest hop porthos, median 200 us (delays 200, 100, 250)")
        check(nt["ioam.overflow"] is False and nt["ioam.ids_lost"] is False, "flags false")
        hops = sorted((s for s in trace["spans"] if s["references"] and s["references"][0]["spanID"] == net["spanID"]),
                      key=lambda s: tags_of(s)["ioam.hop"])
        check([h["operationName"] for h in hops] == ["hop 1 athos", "hop 2 porthos", "hop 3 aramis"],
              "hop spans in path order under the network span")
        h2, h3 = tags_of(hops[1]), tags_of(hops[2])
        check(h2["ioam.queue_depth"] == 9 and h2["ioam.node_id"] == 2 and h2["ioam.ingress_id"] == 21
              and h2["ioam.namespace_data"] == "a0000002" and h2["ioam.namespace_id"] == 123
              and h2["net.node.name"] == "porthos" and h2["ioam.hop_limit"] == 63,
              "hop 2 tags (max queue 9, ids, namespace data)")
        check(h3["ioam.delay_us"] == 50, "hop 3 median delay 50 us (40, 50, 80)")
        check("ioam.delay_us" not in tags_of(hops[0]), "no delay on hop 1")
        check(spans[SPAN]["operationName"] == "GET /check", "application span present")

        recs = col.get("/api/ioam/records?traceID=%s&spanID=%s" % (TRACE, SPAN))["data"]
        check(len(recs) == 3 and recs[1]["nodes"][1]["queue_depth"] == 9
              and recs[0]["trace_id"] == TRACE, "3 raw records retrievable in arrival order")
        services = col.get("/api/services")["data"]
        check("ioam" in services and "athos-api" in services, "services listed: %s" % services)
        found = col.get('/api/traces?service=ioam&tags=%7B%22ioam.slowest_hop%22%3A%22porthos%22%7D')["data"]
        check(any(t["traceID"] == TRACE for t in found), "search by ioam.slowest_hop tag")

        # Id-less reports stay queryable as network-only traces.
        code, _ = send("127.0.0.1:%d" % col.ioam, [encode_trace(report("0" * 16, (1, 2, 3), trace="0" * 32))])
        check(code == grpc.StatusCode.OK, "id-less report accepted")
        def idless():
            for t in col.get("/api/traces?service=ioam&limit=50")["data"]:
                for s in t["spans"]:
                    if s["operationName"] == "network path" and tags_of(s)["ioam.ids_lost"] is True:
                        return t
        idless_trace = col.wait_for(idless, "an id-less network-only trace")
        check(idless_trace is not None, "network-only trace for reports without ids")

        # Bad input: malformed protobuf, oversized message, bad OTLP bodies.
        before = col.get("/api/traces/" + TRACE)["data"][0]
        code, details = send("127.0.0.1:%d" % col.ioam, [b"\x0a\xff\xff"])
        check(code == grpc.StatusCode.INVALID_ARGUMENT and "IOAMTrace" in details,
              "malformed report -> INVALID_ARGUMENT: " + details)
        code, details = send("127.0.0.1:%d" % col.ioam, [b"\x32" + b"\x80\x80\x80\x01" + b"\x00" * (2 << 20)])
        check(code == grpc.StatusCode.RESOURCE_EXHAUSTED, "2 MiB message -> RESOURCE_EXHAUSTED (%s)" % details)
        status, body, _ = col.post("/v1/traces", b"\xff\xff\xff", "application/x-protobuf")
        check(status == 400 and b"protobuf" in body, "malformed OTLP protobuf -> 400: %s" % body)
        status, body, _ = col.post("/v1/traces", b'{"resourceSpans": 5}', "application/json")
        check(status == 400, "malformed OTLP JSON -> 400: %s" % body)
        status, body, _ = col.post("/v1/traces", b"x" * (2 << 20), "application/x-protobuf")
        check(status == 413, "2 MiB body -> 413 (%d)" % status)
        after = col.get("/api/traces/" + TRACE)["data"][0]
        check(len(after["spans"]) == len(before["spans"]), "stored trace unaffected by bad input")
        check(col.metric("ioam_reports_rejected_total") >= 1, "rejected reports counted")
        check(col.metric("otlp_requests_rejected_total") >= 2, "rejected OTLP requests counted")
        check(col.metric("requests_too_large_total") >= 1, "oversized requests counted")
        status, _, _ = col.post("/v1/traces", b"{}", "text/plain")
        check(status == 415, "unknown content type -> 415")
        err = None
        try:
            col.get("/api/traces/zz")
        except Exception as e:  # noqa: BLE001
            err = e
        check(err is not None, "bad trace id refused")
        index = col.get("/", raw=True)
        check(col.get("/trace/" + TRACE, raw=True) == index and b"<html" in index.lower(),
              "UI served on / and for app paths such as /trace/<id>")
        print("PASS")
        return 0
    finally:
        col.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
