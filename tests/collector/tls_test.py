#!/usr/bin/python3
"""System test: TLS and mutual TLS on every listener of `clt collector`.

Certificates are made fresh with the openssl CLI (tests/support/make_test_certs.sh).
Over TLS, then over mutual TLS: IOAM reports (grpcio), spans over OTLP/gRPC
(grpcio), OTLP/HTTP (curl), the project's tracing SDK (OTEL_EXPORTER_OTLP_*
certificate variables) and the official OpenTelemetry JS SDK arrive, and
the query API answers over HTTPS (curl). A plaintext peer, a peer trusting
another CA, a client without a certificate and one with a certificate of
another CA are each refused, counted in clt_collector_tls_refused_total and
logged once. Bad TLS files stop the collector and the agent at start-up
with one line that names the file.

usage: tls_test.py CLT_BINARY TRACING_INTEROP_EMITTER"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import grpc

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
from collector_harness import Collector  # noqa: E402
from ioam_report_client import encode_trace  # noqa: E402
import otlp_proto  # noqa: E402

EXPORT = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"
REPORT = "/ioam_api.IOAMService/Report"


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)
    print("ok:", msg)


def report(trace, span):
    nodes = [{"HopLimit": 64 - i, "Id": i, "IngressId": 1, "EgressId": 2,
              "TimestampSecs": 1700000000, "TimestampFrac": 100 * i, "QueueDepth": 0,
              "NamespaceData": "a0000001"} for i in (1, 2, 3)]
    return encode_trace({"trace_id": trace, "span_id": span, "namespace": 123,
                         "trace_type": "0xf60000", "nodes": nodes})


def otlp_request(service, trace, span):
    return otlp_proto.request(service.encode(), [otlp_proto.span(trace, span, b"tls-span")])


class Certs:
    def __init__(self, work):
        self.dir = os.path.join(work, "certs")
        subprocess.check_call([os.path.join(here, "..", "support", "make_test_certs.sh"),
                               self.dir])

    def __getattr__(self, name):
        """certs.other_ca_crt is DIR/other-ca.crt."""
        base, ext = name.rsplit("_", 1)
        return os.path.join(self.dir, base.replace("_", "-") + "." + ext)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def credentials(ca, cert=None, key=None):
    return grpc.ssl_channel_credentials(root_certificates=read(ca),
                                        private_key=read(key) if key else None,
                                        certificate_chain=read(cert) if cert else None)


def grpc_call(target, creds, method, body, stream):
    """(code, details) of one call; creds None: plaintext."""
    channel = grpc.secure_channel(target, creds) if creds else grpc.insecure_channel(target)
    try:
        if stream:
            call = channel.stream_unary(method, request_serializer=lambda b: b,
                                        response_deserializer=lambda b: b)
            call(iter([body]), timeout=10)
        else:
            call = channel.unary_unary(method, request_serializer=lambda b: b,
                                       response_deserializer=lambda b: b)
            call(body, timeout=10)
        return grpc.StatusCode.OK, ""
    except grpc.RpcError as e:
        return e.code(), e.details()
    finally:
        channel.close()


def curl(url, *args, data=None):
    """(exit code, HTTP status or 0, body)."""
    cmd = ["curl", "-sS", "--max-time", "10", "-o", "-", "-w", "\n%{http_code}", url] + list(args)
    if data is not None:
        cmd += ["-X", "POST", "-H", "Content-Type: application/x-protobuf", "--data-binary", "@-"]
    p = subprocess.run(cmd, input=data, capture_output=True, timeout=20)
    body, _, status = p.stdout.rpartition(b"\n")
    return p.returncode, int(status or b"0"), body


def refused(col, listener, reason):
    text = col.get("/metrics", raw=True).decode()
    m = re.search(r'^clt_collector_tls_refused_total\{listener="%s",reason="%s"\} (\d+)$'
                  % (listener, reason), text, re.M)
    if not m:
        raise AssertionError("no tls_refused_total for %s/%s in /metrics" % (listener, reason))
    return int(m.group(1))


def expect_refusal(col, listener, reason, attempt, what):
    """Runs attempt() (which must fail) and waits for the counter to grow."""
    before = refused(col, listener, reason)
    failed = attempt()
    check(failed, what + ": refused")
    col.wait_for(lambda: refused(col, listener, reason) > before,
                 "clt_collector_tls_refused_total{listener=%s,reason=%s} to grow" % (listener, reason))
    print("ok: %s: counted as %s/%s" % (what, listener, reason))


def log_lines(col, needle):
    with open(os.path.join(col.workdir, "collector.log"), encoding="utf-8", errors="replace") as f:
        return [line for line in f if needle in line]


def spans_received(col):
    return col.metric("otlp_spans_received_total")


def wait_trace(col, trace):
    def found():
        try:
            data = col.get("/api/traces/" + trace)["data"]
        except Exception:  # noqa: BLE001 - 404 until stored
            return None
        return data and data[0]["spans"]
    return col.wait_for(found, "trace %s in the query API" % trace)


def sdk_export(emitter, endpoint, protocol, certs, mutual):
    """The project's tracing SDK, configured only by OTEL_* variables."""
    env = dict(os.environ, OTEL_EXPORTER_OTLP_ENDPOINT=endpoint, OTEL_EXPORTER_OTLP_PROTOCOL=protocol,
               OTEL_EXPORTER_OTLP_CERTIFICATE=certs.ca_crt, OTEL_SERVICE_NAME="tls-sdk")
    if mutual:
        env.update(OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE=certs.client_crt,
                   OTEL_EXPORTER_OTLP_CLIENT_KEY=certs.client_key)
    p = subprocess.run([emitter], env=env, capture_output=True, timeout=30)
    check(p.returncode == 0, "tracing SDK (%s) ran: %s" % (protocol, p.stderr.decode()[-300:]))


def deliveries(col, certs, emitter, mutual):
    """Reports and spans over every listener, and the query API over HTTPS."""
    mode = "mutual TLS" if mutual else "TLS"
    client = (certs.client_crt, certs.client_key) if mutual else (None, None)
    creds = credentials(certs.ca_crt, *client)
    tag = "1" if mutual else "2"
    trace = ("5bf92f3577b34da6a3ce929d0e0e473" + tag)
    reports = col.metric("ioam_reports_received_total")
    code, details = grpc_call("127.0.0.1:%d" % col.ioam, creds, REPORT,
                              report(trace, "00f067aa0ba902b" + tag), True)
    check(code == grpc.StatusCode.OK and col.metric("ioam_reports_received_total") == reports + 1,
          "%s: IOAM report over gRPC accepted (%s)" % (mode, details))
    code, details = grpc_call("127.0.0.1:%d" % col.otlp_grpc, creds, EXPORT,
                              otlp_request("tls-grpc", trace, "00f067aa0ba902c" + tag), False)
    check(code == grpc.StatusCode.OK, "%s: OTLP/gRPC export accepted (%s)" % (mode, details))
    curl_tls = ["--cacert", certs.ca_crt] + (["--cert", certs.client_crt, "--key", certs.client_key]
                                             if mutual else [])
    rc, status, body = curl("https://127.0.0.1:%d/v1/traces" % col.otlp_http, *curl_tls,
                            data=otlp_request("tls-http", trace, "00f067aa0ba902d" + tag))
    check(rc == 0 and status == 200, "%s: OTLP/HTTP export with curl: %d %d %r" % (mode, rc, status, body))
    col.wait_for(lambda: len(wait_trace(col, trace)) >= 2, "both exports of trace " + trace)
    print("ok: %s: the OTLP/gRPC and OTLP/HTTP spans stored" % mode)
    rc, status, body = curl("https://127.0.0.1:%d/api/traces/%s" % (col.query, trace), *curl_tls)
    check(rc == 0 and status == 200 and json.loads(body)["data"][0]["traceID"] == trace,
          "%s: query API over HTTPS with curl" % mode)
    rc, status, body = curl("https://127.0.0.1:%d/" % col.query, *curl_tls)
    check(rc == 0 and status == 200 and b"<html" in body.lower(), "%s: the UI over HTTPS" % mode)

    for protocol, port in (("http/protobuf", col.otlp_http), ("grpc", col.otlp_grpc)):
        before = spans_received(col)
        sdk_export(emitter, "https://127.0.0.1:%d" % port, protocol, certs, mutual)
        col.wait_for(lambda: spans_received(col) > before, "the tracing SDK's spans (%s)" % protocol)
        print("ok: %s: tracing SDK over %s with OTEL_EXPORTER_OTLP_CERTIFICATE%s" %
              (mode, protocol, " and the client certificate" if mutual else ""))

    # The official OpenTelemetry JS SDK, over OTLP/HTTP and OTLP/gRPC.
    args = ["node", os.path.join(here, "otel_sdk_tls.js"), str(col.otlp_http), str(col.otlp_grpc),
            certs.ca_crt] + ([certs.client_crt, certs.client_key] if mutual else [])
    p = subprocess.run(args, capture_output=True, timeout=60)
    check(p.returncode == 0, "%s: JS SDK ran: %s" % (mode, p.stderr.decode()[-500:]))
    ids = json.loads(p.stdout.decode().strip().splitlines()[-1])
    for via, trace_id in ids.items():
        wait_trace(col, trace_id)
        print("ok: %s: the JS SDK's span over %s stored" % (mode, via))


def silent_peer(port):
    """A peer that connects and says nothing is closed by the collector
    (after --http-header-timeout, before this socket's own timeout)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        try:
            return s.recv(100) == b""
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False


def refusals_common(col, certs, client):
    """Plaintext peers, silent peers, and peers that do not trust the
    collector's CA."""
    ioam = "127.0.0.1:%d" % col.ioam
    expect_refusal(col, "query_http", "timeout", lambda: silent_peer(col.query),
                   "a peer that never starts the TLS handshake")
    for _ in range(3):
        expect_refusal(col, "otlp_http", "plaintext",
                       lambda: curl("http://127.0.0.1:%d/v1/traces" % col.otlp_http,
                                    data=b"")[1] != 200,
                       "plaintext OTLP/HTTP (curl http://)")
    said = log_lines(col, "refused a TLS connection on otlp_http: plaintext")
    check(len(said) == 1, "three plaintext refusals logged once: %r" % said)
    rc, status, body = curl("http://127.0.0.1:%d/api/services" % col.query)
    check(status == 400 and b"TLS" in body, "plaintext query API gets a plaintext 400 naming TLS")
    expect_refusal(col, "query_http", "plaintext", lambda: curl(
        "http://127.0.0.1:%d/api/services" % col.query)[1] != 200, "plaintext query API")
    expect_refusal(col, "grpc", "plaintext",
                   lambda: grpc_call(ioam, None, REPORT, report("6" * 32, "7" * 16), True)[0]
                   == grpc.StatusCode.UNAVAILABLE, "plaintext IOAM gRPC report")
    wrong = credentials(certs.other_ca_crt, *client)
    # grpcio closes without an alert: the collector sees a peer leave, not a refusal.
    code, _ = grpc_call(ioam, wrong, REPORT, report("6" * 32, "7" * 16), True)
    check(code == grpc.StatusCode.UNAVAILABLE, "gRPC client trusting another CA does not connect")
    extra = ["--cert", client[0], "--key", client[1]] if client[0] else []
    expect_refusal(col, "otlp_http", "peer_rejected_certificate", lambda: curl(
        "https://127.0.0.1:%d/v1/traces" % col.otlp_http, "--cacert", certs.other_ca_crt, *extra,
        data=b"")[0] != 0, "curl trusting another CA")


def refusals_mutual(col, certs):
    """mTLS: no client certificate, and one from another CA."""
    ioam = "127.0.0.1:%d" % col.ioam
    body = report("6" * 32, "7" * 16)
    expect_refusal(col, "grpc", "no_client_certificate",
                   lambda: grpc_call(ioam, credentials(certs.ca_crt), REPORT, body, True)[0]
                   == grpc.StatusCode.UNAVAILABLE, "gRPC report without a client certificate")
    expect_refusal(col, "grpc", "untrusted_client_certificate",
                   lambda: grpc_call(ioam, credentials(certs.ca_crt, certs.other_client_crt,
                                                       certs.other_client_key),
                                     REPORT, body, True)[0] == grpc.StatusCode.UNAVAILABLE,
                   "gRPC report with a client certificate of another CA")
    for listener, port, path in (("otlp_http", col.otlp_http, "/v1/traces"),
                                 ("query_http", col.query, "/api/services")):
        url = "https://127.0.0.1:%d%s" % (port, path)
        expect_refusal(col, listener, "no_client_certificate",
                       lambda: curl(url, "--cacert", certs.ca_crt)[1] != 200,
                       "curl without a client certificate to " + listener)
        expect_refusal(col, listener, "untrusted_client_certificate",
                       lambda: curl(url, "--cacert", certs.ca_crt, "--cert", certs.other_client_crt,
                                    "--key", certs.other_client_key)[1] != 200,
                       "curl with a client certificate of another CA to " + listener)
    said = log_lines(col, "refused a TLS connection on grpc: no_client_certificate")
    check(len(said) >= 1 and "signed by that CA" in said[0],
          "the refusal is logged with what to do: %r" % said[:1])


def collector_exports(col, certs, clt, work):
    """Another collector exports to this one (--export-app-spans) over
    mutual TLS, with --otlp-tls-ca/--otlp-tls-cert/--otlp-tls-key."""
    for n, (protocol, port) in enumerate((("http/protobuf", col.otlp_http),
                                          ("grpc", col.otlp_grpc))):
        exporter = Collector(clt, os.path.join(work, "exporter-%d" % n), [
            "--otlp-endpoint", "https://127.0.0.1:%d" % port, "--otlp-protocol", protocol,
            "--otlp-tls-ca", certs.ca_crt, "--otlp-tls-cert", certs.client_crt,
            "--otlp-tls-key", certs.client_key, "--export-app-spans"])
        os.makedirs(exporter.workdir)
        try:
            exporter.start()
            trace = "9af7651916cd43dd8448eb211c80319%d" % n
            status, body, _ = exporter.post("/v1/traces", otlp_request("relayed", trace, "1" * 16),
                                            "application/x-protobuf")
            check(status == 200, "span sent to the exporting collector (%d %r)" % (status, body))
            wait_trace(col, trace)
            print("ok: a collector's export (%s, --otlp-tls-*) arrives over mutual TLS" % protocol)
        finally:
            exporter.stop()


def bad_config(clt, certs, work):
    """One line at start-up naming the file and what to do."""
    not_pem = os.path.join(work, "not-pem.txt")
    with open(not_pem, "w") as f:
        f.write("a CA, one would think\n")
    base = [clt, "collector", "--db", os.path.join(work, "bad.db"), "--ioam-grpc", "0",
            "--otlp-grpc", "0", "--otlp-http", "0", "--query-http", "0"]
    cases = [
        (["--tls-cert", "/nonexistent/server.crt", "--tls-key", certs.server_key],
         "--tls-cert /nonexistent/server.crt: cannot read"),
        (["--tls-cert", certs.server_crt, "--tls-key", certs.client_key],
         "is not the key of the certificate"),
        (["--tls-cert", certs.server_crt], "give both"),
        (["--tls-cert", certs.server_key, "--tls-key", certs.server_key], "holds no PEM certificate"),
        (["--tls-client-ca", certs.ca_crt], "--tls-client-ca needs --tls-cert"),
        (["--tls-cert", certs.server_crt, "--tls-key", certs.server_key, "--tls-client-ca",
          not_pem], "--tls-client-ca %s: not a PEM file" % not_pem),
        (["--otlp-endpoint", "https://127.0.0.1:1", "--otlp-tls-ca", "/nonexistent/ca.crt"],
         "--otlp-tls-ca /nonexistent/ca.crt: cannot read"),
    ]
    for args, expected in cases:
        p = subprocess.run(base + args, capture_output=True, timeout=20, text=True)
        lines = p.stderr.strip().splitlines()
        check(p.returncode != 0 and len(lines) == 1 and expected in lines[0],
              "collector %s: exits with one line %r (%r)" % (" ".join(args[:2]), expected, lines))
    agent = [clt, "agent", "-i", "lo", "-c", "127.0.0.1:7123"]
    for args, expected in [(["--tls-ca", "/nonexistent/ca.crt"], "--tls-ca /nonexistent/ca.crt"),
                           (["--tls-ca", certs.ca_crt, "--tls-cert", certs.client_crt,
                             "--tls-key", certs.server_key], "is not the key of the certificate")]:
        p = subprocess.run(agent + args, capture_output=True, timeout=20, text=True)
        lines = p.stderr.strip().splitlines()
        check(p.returncode != 0 and len(lines) == 1 and expected in lines[0],
              "agent %s: exits with one line %r (%r)" % (args[0], expected, lines))


def main():
    clt, emitter = sys.argv[1], sys.argv[2]
    work = tempfile.mkdtemp(prefix="clt-collector-tls-")
    certs = Certs(work)
    server = ["--tls-cert", certs.server_crt, "--tls-key", certs.server_key,
              "--http-header-timeout", "2s"]
    try:
        bad_config(clt, certs, work)

        col = Collector(clt, os.path.join(work, "tls"), server, tls={"ca": certs.ca_crt})
        os.makedirs(col.workdir)
        try:
            col.start()
            deliveries(col, certs, emitter, mutual=False)
            refusals_common(col, certs, (None, None))
            # The Unix socket stays plaintext (its permissions decide).
            code, details = grpc_call("unix:" + col.unix, None, REPORT,
                                      report("8" * 32, "9" * 16), True)
            check(code == grpc.StatusCode.OK, "plaintext IOAM report over the Unix socket (%s)" % details)
        finally:
            col.stop()

        mutual = {"ca": certs.ca_crt, "cert": certs.client_crt, "key": certs.client_key}
        col = Collector(clt, os.path.join(work, "mtls"), server + ["--tls-client-ca", certs.ca_crt],
                        tls=mutual)
        os.makedirs(col.workdir)
        try:
            col.start()
            deliveries(col, certs, emitter, mutual=True)
            refusals_common(col, certs, (certs.client_crt, certs.client_key))
            refusals_mutual(col, certs)
            collector_exports(col, certs, clt, work)
        finally:
            col.stop()
        print("PASS")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
