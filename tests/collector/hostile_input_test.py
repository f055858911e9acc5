#!/usr/bin/python3
"""System test: `clt collector` probed the way an attacker or a broken client
would probe it, on loopback. Every case checks the answer (status, reason),
that the collector is still alive (/healthz answers), that its peak resident
memory (VmHWM) stays under the bound docs/collector.md states, and that the
counter saying what happened moved.

usage: hostile_input_test.py CLT_BINARY"""
import asyncio
import gzip
import http.client
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
import urllib.parse
import zlib

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from collector_harness import Collector, check  # noqa: E402
from ioam_report_client import encode_trace  # noqa: E402
from otlp_proto import request, span, string_attribute  # noqa: E402

# docs/collector.md, "Limits and bounds": peak RSS with the default limits.
RSS_BOUND_MB = 512
MiB = 1024 * 1024
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
OTHER_TRACE = "5bf92f3577b34da6a3ce929d0e0e4736"
IOAM_METHOD = "/ioam_api.IOAMService/Report"
EXPORT_METHOD = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"
PROTOBUF = "application/x-protobuf"


def proc_status(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def span_id(n):
    return "%016x" % (0x1000 + n)


def small_request(service=b"hostile", n=0):
    return request(service, [span(TRACE, span_id(n), b"ok")])


def http_request(port, method, path, body=b"", headers=None, timeout=30):
    """(status, body, seconds); the body sent with Content-Length."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    start = time.time()
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.read(), time.time() - start
    finally:
        conn.close()


def raw_exchange(port, data, timeout=10):
    """Sends raw bytes; returns (status, whole answer, seconds)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    start = time.time()
    try:
        s.sendall(data)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = s.recv(65536)
            if not chunk:
                break
            answer += chunk
        status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0
        return status, answer, time.time() - start
    finally:
        s.close()


def gzip_stream(chunk, count, level=6):
    """gzip of chunk * count, compressed as it is produced."""
    z = zlib.compressobj(level, zlib.DEFLATED, 31)
    out = [z.compress(chunk) for _ in range(count)]
    out.append(z.flush())
    return b"".join(out)


class Suite:
    def __init__(self, col):
        self.col = col

    def counters(self):
        text = self.col.get("/metrics", raw=True).decode()
        values = {}
        for line in text.splitlines():
            if line.startswith("clt_collector_"):
                name, value = line.split()
                values[name[len("clt_collector_"):]] = int(value)
        return values

    def case(self, title, run, moved):
        """Runs one case; `moved` names counters that must have grown."""
        print("--", title)
        before = self.counters()
        run()
        self.check_alive(title)
        after = self.counters()
        for name in moved:
            check(after[name] > before[name],
                  "%s: %s moved (%d -> %d)" % (title, name, before[name], after[name]))

    def check_alive(self, title):
        check(self.col.proc.poll() is None, title + ": the collector is alive")
        check(self.col.get("/healthz", raw=True) == b"ok\n", title + ": /healthz answers")
        hwm = proc_status(self.col.proc.pid, "VmHWM") // 1024
        check(hwm < RSS_BOUND_MB, "%s: peak RSS %d MB < %d MB" % (title, hwm, RSS_BOUND_MB))


def deep_json(suite):
    col = suite.col
    depth = 100_000
    for form, body in (("[", '{"resourceSpans":' + "[" * depth + "]" * depth + "}"),
                       ('{"a":', '{"a":' * depth + "1" + "}" * depth)):
        status, answer, _ = http_request(col.otlp_http, "POST", "/v1/traces", body.encode(),
                                         {"Content-Type": "application/json"})
        check(status == 400 and b"nested deeper" in answer,
              "%s nested %d deep -> 400: %s" % (form, depth, answer[:120]))


def compression(suite):
    col = suite.col
    headers = {"Content-Type": PROTOBUF, "Content-Encoding": "gzip"}
    zeros = gzip_stream(b"\0" * MiB, 1024)
    status, answer, _ = http_request(col.otlp_http, "POST", "/v1/traces", zeros, headers)
    check(status == 413 and b"inflates to more than" in answer,
          "1 GiB zero bomb (%d KB of gzip) -> 413: %s" % (len(zeros) // 1024, answer[:100]))
    # 256 MiB of valid protobuf: 128 Mi empty ResourceSpans.
    valid = gzip_stream(b"\x0a\x00" * (MiB // 2), 256)
    status, answer, _ = http_request(col.otlp_http, "POST", "/v1/traces", valid, headers)
    check(status == 413, "gzip inflating to 256 MiB of valid protobuf -> 413 (%d)" % status)
    status, _, _ = http_request(col.otlp_http, "POST", "/v1/traces",
                                gzip.compress(small_request(n=1)), headers)
    check(status == 200, "a small gzip body is still accepted (%d)" % status)


def chunked(suite):
    col = suite.col
    s = socket.create_connection(("127.0.0.1", col.otlp_http), timeout=10)
    s.sendall(b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
              b"Transfer-Encoding: chunked\r\n\r\n")
    chunk = b"\x0a\x00" * (MiB // 2)
    sent = 0
    try:
        for _ in range(64):
            s.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
            sent += len(chunk)
        s.sendall(b"0\r\n\r\n")
    except OSError:
        pass  # refused mid-way: the answer is waiting
    answer = b""
    while b"\r\n\r\n" not in answer:
        data = s.recv(65536)
        if not data:
            break
        answer += data
    s.close()
    check(answer.startswith(b"HTTP/1.1 413"),
          "64 MiB chunked body -> 413 after %d MiB sent: %s" % (sent // MiB, answer[:40]))
    status, _, _ = http_request(col.otlp_http, "POST", "/v1/traces", b"\x0a\x00" * (4 * MiB),
                                {"Content-Type": PROTOBUF})
    check(status == 413, "8 MiB body with Content-Length -> 413 (%d)" % status)


def status_codes(suite):
    col = suite.col
    status, answer, _ = http_request(col.otlp_http, "POST", "/v1/traces", b"not gzip at all",
                                     {"Content-Type": PROTOBUF, "Content-Encoding": "gzip"})
    check(status == 400 and b"corrupt" in answer, "garbage gzip -> 400 with a reason: %s" % answer)
    status, answer, _ = http_request(col.otlp_http, "POST", "/v1/traces", b"x",
                                     {"Content-Type": PROTOBUF, "Content-Encoding": "br"})
    check(status == 415 and b"gzip" in answer, "Content-Encoding: br -> 415: %s" % answer)
    json_body = ('{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"%s","spanId":"%s",'
                 '"name":"json"}]}]}]}' % (TRACE, span_id(2))).encode()
    status, answer, _ = http_request(col.otlp_http, "POST", "/v1/traces", json_body,
                                     {"Content-Type": "Application/JSON; charset=utf-8"})
    check(status == 200, "Content-Type: Application/JSON accepted (%d %s)" % (status, answer))
    for param in ("maxDuration=nanms", "minDuration=99999999999999999999h", "maxDuration=infs"):
        status, answer, _ = http_request(col.query, "GET", "/api/traces?service=x&" + param)
        check(status == 400 and b"not a duration" in answer, param + " -> 400")
    head = (b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n")
    for title, extra in (("conflicting Content-Length", b"Content-Length: 2\r\nContent-Length: 3"),
                         ("Content-Length with Transfer-Encoding",
                          b"Content-Length: 3\r\nTransfer-Encoding: chunked"),
                         ("Content-Length: -1", b"Content-Length: -1")):
        status, answer, seconds = raw_exchange(col.otlp_http, head + extra + b"\r\n\r\nabc")
        check(status == 400 and seconds < 1,
              "%s -> 400 in %.3f s: %s" % (title, seconds, answer.split(b"\r\n\r\n")[-1][:80]))
    bad_utf8 = request(b"hostile", [span(TRACE, span_id(3), b"\xff\xfe not utf-8")])
    for _ in range(20):
        status, answer, _ = http_request(col.otlp_http, "POST", "/v1/traces", bad_utf8,
                                         {"Content-Type": PROTOBUF})
    check(status == 400 and b"UTF-8" in answer, "invalid UTF-8 string -> 400: %s" % answer)
    with open(os.path.join(col.workdir, "collector.log"), "rb") as f:
        log = f.read()
    check(b"libprotobuf" not in log, "no libprotobuf line in the log for 20 such requests")


def grpc_too_large(suite):
    col = suite.col
    channel = grpc.insecure_channel("127.0.0.1:%d" % col.ioam,
                                    options=[("grpc.max_send_message_length", -1)])
    identity = dict(request_serializer=lambda b: b, response_deserializer=lambda b: b)
    try:
        report = channel.stream_unary(IOAM_METHOD, **identity)
        try:
            report(iter([b"\x32\x80\x80\x80\x04" + b"\0" * (8 * MiB)]), timeout=30)
            code, details = grpc.StatusCode.OK, ""
        except grpc.RpcError as e:
            code, details = e.code(), e.details()
        check(code == grpc.StatusCode.RESOURCE_EXHAUSTED and "--max-request-size" in details,
              "8 MiB IOAM report -> RESOURCE_EXHAUSTED: " + details)
        export = channel.unary_unary(EXPORT_METHOD, **identity)
        try:
            export(b"\x0a\x80\x80\x80\x04" + b"\0" * (8 * MiB), timeout=30)
            code, details = grpc.StatusCode.OK, ""
        except grpc.RpcError as e:
            code, details = e.code(), e.details()
        check(code == grpc.StatusCode.RESOURCE_EXHAUSTED, "8 MiB OTLP export -> RESOURCE_EXHAUSTED")
    finally:
        channel.close()


def span_limits(suite):
    col = suite.col
    for n in range(6):
        attributes = [string_attribute(b"k%d" % i, b"v") for i in range(200_000)]
        body = request(b"wide", [span(TRACE, span_id(100 + n), b"wide", attributes)])
        status, answer, _ = http_request(col.otlp_http, "POST", "/v1/traces", body,
                                         {"Content-Type": PROTOBUF})
        check(status == 200, "span %d with 200000 attributes (%.1f MB) accepted"
              % (n, len(body) / 1e6))

    def stored():
        traces = col.get("/api/traces?service=wide&limit=20")["data"]
        spans = [s for t in traces for s in t["spans"] if s["operationName"] == "wide"]
        return spans if len(spans) == 6 else None
    spans = col.wait_for(stored, "the six wide spans")
    tags = {t["key"]: t["value"] for t in spans[0]["tags"]}
    check(len(spans[0]["tags"]) <= 130 and tags["otel.dropped_attributes_count"] == 200_000 - 128,
          "128 attributes kept, otel.dropped_attributes_count = %s"
          % tags.get("otel.dropped_attributes_count"))
    status, answer, _ = http_request(col.query, "GET", "/api/traces?service=wide&limit=20")
    check(status == 200 and len(answer) < MiB, "the query answers %d KB" % (len(answer) // 1024))
    results = []
    threads = [threading.Thread(target=lambda: results.append(
        http_request(col.query, "GET", "/api/traces?service=wide&limit=20")[0])) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(results == [200] * 4, "four such queries in parallel answered")


def slow_clients(suite, header_timeout):
    col = suite.col
    held = []
    stop = threading.Event()

    def open_slow(count):
        for _ in range(count):
            for port in (col.query, col.otlp_http):
                s = socket.create_connection(("127.0.0.1", port))
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
                held.append(s)

    def trickle():
        while not stop.wait(0.5):  # one header line each 0.5 s, never the end
            for s in list(held):
                try:
                    s.sendall(b"X-Slow: 1\r\n")
                except OSError:
                    pass

    trickler = threading.Thread(target=trickle)
    trickler.start()
    try:
        for count in (8, 200):
            open_slow(count - len(held) // 2)
            time.sleep(0.6)
            for title, port, method, path, body, headers in (
                    ("/healthz", col.query, "GET", "/healthz", b"", {}),
                    ("/api/services", col.query, "GET", "/api/services", b"", {}),
                    ("POST /v1/traces", col.otlp_http, "POST", "/v1/traces",
                     small_request(n=4), {"Content-Type": PROTOBUF})):
                status, _, seconds = http_request(port, method, path, body, headers, timeout=5)
                check(status == 200 and seconds < 1,
                      "%s answered in %.3f s while %d slow clients hold each port"
                      % (title, seconds, count))
        # Their header lines keep coming, yet the head deadline closes them.
        time.sleep(header_timeout + 1)
        closed = 0
        for s in held:
            s.settimeout(1)
            try:
                if s.recv(1) == b"":
                    closed += 1
            except OSError:
                closed += 1
        check(closed == len(held), "all %d slow connections closed by the %d s head deadline "
              "although they kept sending (%d closed)" % (len(held), header_timeout, closed))
    finally:
        stop.set()
        trickler.join()
        for s in held:
            s.close()


def connection_caps(small):
    col = small.col
    held = [socket.create_connection(("127.0.0.1", col.query)) for _ in range(4)]
    try:
        status, answer, _ = raw_exchange(col.query, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        check(status == 503 and b"too many connections" in answer,
              "a 5th connection from one address -> 503 (%d)" % status)
    finally:
        for s in held:
            s.close()
    time.sleep(0.2)
    check(small.col.get("/healthz", raw=True) == b"ok\n", "served again once they closed")


def response_budget(small):
    col = small.col
    # 12 spans of 128 values of 1 KiB (the limits of this collector): 1.6 MB.
    attributes = [string_attribute(b"k%d" % i, b"x" * 1024) for i in range(128)]
    body = request(b"big", [span(TRACE, span_id(200 + n), b"big", attributes) for n in range(12)])
    status, _, _ = http_request(col.otlp_http, "POST", "/v1/traces", body,
                                {"Content-Type": PROTOBUF})
    check(status == 200, "12 spans of 128 values of 1 KiB accepted (%d)" % status)
    col.wait_for(lambda: "big" in col.get("/api/services")["data"], "the big spans stored")
    status, answer, _ = http_request(col.query, "GET", "/api/traces?service=big&limit=20")
    check(status == 422 and b"--query-max-response" in answer,
          "search answer over 1 MiB -> 422: %s" % answer[:160])
    status, answer, _ = http_request(col.query, "GET", "/api/traces/" + TRACE)
    check(status == 422, "trace over 1 MiB -> 422 (%d)" % status)


def value_truncation(small):
    col = small.col
    attributes = [string_attribute(b"long", "é".encode() * 10_000)]
    body = request(b"long", [span(OTHER_TRACE, span_id(300), b"long", attributes)])
    status, _, _ = http_request(col.otlp_http, "POST", "/v1/traces", body,
                                {"Content-Type": PROTOBUF})
    check(status == 200, "a 20 KB value accepted")

    def stored():
        traces = col.get("/api/traces?service=long")["data"]
        return traces[0]["spans"][0] if traces else None
    tags = {t["key"]: t["value"] for t in col.wait_for(stored, "the long span")["tags"]}
    check(len(tags["long"].encode()) == 1024 and tags["long"] == "é" * 512,
          "value cut at 1024 bytes on a character boundary")


def stream_cap(small):
    col = small.col

    async def run():
        async with grpc.aio.insecure_channel("127.0.0.1:%d" % col.ioam) as channel:
            release = asyncio.Event()

            async def idle():
                await release.wait()
                if False:
                    yield b""
            call = channel.stream_unary(IOAM_METHOD, request_serializer=lambda b: b,
                                        response_deserializer=lambda b: b)
            calls = [call(idle()) for _ in range(10)]
            await asyncio.sleep(1)
            extra = call(idle())
            try:
                await asyncio.wait_for(extra, 5)
                code = grpc.StatusCode.OK
            except grpc.aio.AioRpcError as e:
                code = e.code()
            release.set()
            await asyncio.gather(*calls, return_exceptions=True)
            return code
    code = asyncio.run(run())
    check(code == grpc.StatusCode.RESOURCE_EXHAUSTED, "an 11th stream over --max-ioam-streams 10 "
          "-> RESOURCE_EXHAUSTED (%s)" % code)


def many_streams(suite):
    col = suite.col
    pid = col.proc.pid
    base_threads = proc_status(pid, "Threads")
    report = encode_trace({"trace_id": TRACE, "span_id": span_id(400), "namespace": 123,
                           "trace_type": "0xf60000", "nodes": [
                               {"HopLimit": 64, "Id": 1, "IngressId": 1, "EgressId": 2,
                                "TimestampSecs": 1700000000, "TimestampFrac": 1, "QueueDepth": 0,
                                "NamespaceData": "a0000001"}]})

    async def run():
        channels = [grpc.aio.insecure_channel("127.0.0.1:%d" % col.ioam) for _ in range(4)]
        release = asyncio.Event()

        async def idle():
            await release.wait()
            yield report
        calls = []
        for i in range(2000):
            call = channels[i % 4].stream_unary(IOAM_METHOD, request_serializer=lambda b: b,
                                                response_deserializer=lambda b: b)
            calls.append(call(idle(), timeout=60))
        deadline = time.time() + 20
        while suite.counters()["ioam_streams_open"] < 2000 and time.time() < deadline:
            await asyncio.sleep(0.2)
        open_streams = suite.counters()["ioam_streams_open"]
        threads = proc_status(pid, "Threads")
        async with grpc.aio.insecure_channel("127.0.0.1:%d" % col.ioam) as fresh:
            start = time.time()

            async def one():
                yield report
            await fresh.stream_unary(IOAM_METHOD, request_serializer=lambda b: b,
                                     response_deserializer=lambda b: b)(one(), timeout=10)
            served = time.time() - start
        release.set()
        results = await asyncio.gather(*calls, return_exceptions=True)
        for c in channels:
            await c.close()
        return open_streams, threads, served, sum(isinstance(r, Exception) for r in results)
    open_streams, threads, served, failed = asyncio.run(run())
    check(open_streams == 2000, "2000 idle IOAM streams open (gauge %d)" % open_streams)
    check(threads <= max(64, base_threads + 16),
          "collector threads with 2000 streams: %d (%d before)" % (threads, base_threads))
    check(served < 5, "a new stream served in %.3f s alongside them" % served)
    check(failed == 0, "then all 2000 streams acknowledged (%d failed)" % failed)


def main():
    clt = sys.argv[1]
    work = tempfile.mkdtemp(prefix="clt-collector-hostile-")
    header_timeout = 2
    col = Collector(clt, os.path.join(work, "main"), ["--http-header-timeout", "%ds" % header_timeout,
                                                       "--http-request-timeout", "10s"])
    small = Collector(clt, os.path.join(work, "small"),
                      ["--query-max-response", "1", "--http-max-connections-per-client", "4",
                       "--max-ioam-streams", "10", "--attribute-value-length-limit", "1024"])
    for c in (col, small):
        os.makedirs(c.workdir)
    try:
        col.start()
        small.start()
        s, t = Suite(col), Suite(small)
        s.case("deeply nested OTLP/JSON", lambda: deep_json(s), ["otlp_requests_rejected_total"])
        s.case("gzip bombs", lambda: compression(s), ["requests_too_large_total"])
        s.case("chunked body over the limit", lambda: chunked(s), ["requests_too_large_total"])
        s.case("status codes", lambda: status_codes(s),
               ["otlp_requests_rejected_total", "http_requests_malformed_total",
                "otlp_spans_received_total"])
        s.case("oversized gRPC messages", lambda: grpc_too_large(s), ["requests_too_large_total"])
        s.case("span limits", lambda: span_limits(s), ["otlp_attributes_dropped_total"])
        s.case("slow clients", lambda: slow_clients(s, header_timeout), ["http_timeouts_total"])
        s.case("many idle streams", lambda: many_streams(s), ["ioam_streams_total"])
        t.case("connection caps", lambda: connection_caps(t), ["http_connections_refused_total"])
        t.case("response budget", lambda: response_budget(t), ["query_responses_too_large_total"])
        t.case("value length", lambda: value_truncation(t), ["otlp_values_truncated_total"])
        t.case("stream cap", lambda: stream_cap(t), ["grpc_streams_refused_total"])
        print("PASS")
        return 0
    finally:
        for c in (col, small):
            c.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
