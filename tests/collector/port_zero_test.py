#!/usr/bin/python3
"""System test: `clt collector` with every listener on port 0 binds ports the
kernel picks and prints them on its `listening:` line; each printed port
answers its protocol (IOAM API and OTLP over gRPC, OTLP/HTTP, the query API).
Two collectors started at once get different ports, and `off` leaves a
listener out of the line.

usage: port_zero_test.py CLT_BINARY"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from collector_harness import Collector, check, listening_ports  # noqa: E402
from ioam_report_client import encode_trace  # noqa: E402


def grpc_call(port, method, request, streaming):
    channel = grpc.insecure_channel("127.0.0.1:%d" % port)
    try:
        if streaming:
            call = channel.stream_unary(method, request_serializer=lambda b: b,
                                        response_deserializer=lambda b: b)
            call(iter([request]), timeout=10)
        else:
            call = channel.unary_unary(method, request_serializer=lambda b: b,
                                       response_deserializer=lambda b: b)
            call(request, timeout=10)
        return grpc.StatusCode.OK
    except grpc.RpcError as e:
        return e.code()
    finally:
        channel.close()


def one_report():
    node = {"HopLimit": 64, "Id": 1, "IngressId": 11, "EgressId": 12, "TimestampSecs": 1700000000,
            "TimestampFrac": 1, "QueueDepth": 0, "NamespaceData": "a0000001"}
    return encode_trace({"trace_id": "8bf92f3577b34da6a3ce929d0e0e4736",
                         "span_id": "00f067aa0ba902b7", "namespace": 123,
                         "trace_type": "0xf60000", "nodes": [node]})


def check_listeners(col):
    for name in ("ioam", "otlp_grpc", "otlp_http", "query"):
        port = getattr(col, name)
        check(isinstance(port, int) and 0 < port < 65536, "%s bound port %s" % (name, port))
    check(len({col.ioam, col.otlp_grpc, col.otlp_http, col.query}) == 4,
          "four different ports: %s" % [col.ioam, col.otlp_grpc, col.otlp_http, col.query])
    check(col.get("/healthz", raw=True) == b"ok\n", "the query port answers /healthz")
    status, _, _ = col.post("/v1/traces", b"{}", "application/json")
    check(status == 200, "the OTLP/HTTP port accepts an empty export (%d)" % status)
    code = grpc_call(col.otlp_grpc, "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
                     b"", streaming=False)
    check(code == grpc.StatusCode.OK, "the OTLP/gRPC port accepts an empty export (%s)" % code)
    code = grpc_call(col.ioam, "/ioam_api.IOAMService/Report", one_report(), streaming=True)
    check(code == grpc.StatusCode.OK, "the IOAM gRPC port accepts a report (%s)" % code)
    col.wait_for(lambda: col.metric("ioam_reports_received_total") >= 1, "the report counted")


def check_off(clt, work):
    log = os.path.join(work, "off.log")
    with open(log, "wb") as out:
        proc = subprocess.Popen([clt, "collector", "--db", os.path.join(work, "off.db"),
                                 "--ioam-grpc", "0", "--otlp-grpc", "off", "--otlp-http", "off",
                                 "--query-http", "0"], stdout=out, stderr=out)
    try:
        deadline = time.time() + 20
        ports = None
        while ports is None and time.time() < deadline and proc.poll() is None:
            time.sleep(0.1)
            ports = listening_ports(log)
        check(ports is not None, "a collector with listeners off prints its listening line")
        check(set(ports) == {"ioam", "query"}, "only the listeners not off are listed: %s" % ports)
    finally:
        proc.terminate()
        proc.wait(10)


def main():
    clt = sys.argv[1]
    work = tempfile.mkdtemp(prefix="clt-collector-port0-")
    cols = []
    try:
        for name in ("a", "b"):
            col = Collector(clt, os.path.join(work, name))
            os.makedirs(col.workdir)
            cols.append(col.start())
        for col in cols:
            check_listeners(col)
        a, b = cols
        check(not {a.ioam, a.otlp_grpc, a.otlp_http, a.query} &
              {b.ioam, b.otlp_grpc, b.otlp_http, b.query},
              "two collectors on port 0 share no port")
        check_off(clt, work)
    finally:
        for col in cols:
            col.stop()
        shutil.rmtree(work, ignore_errors=True)
    print("PASS")


if __name__ == "__main__":
    main()
