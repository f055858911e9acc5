#!/usr/bin/python3
"""System test of a full disk: the collector's database is on a small tmpfs
that a filler file and the load itself fill. While it is full the collector
must refuse new data with a reason (IOAM gRPC and OTLP gRPC: UNAVAILABLE,
OTLP/HTTP: 503 with Retry-After), count the refusals, and keep answering
queries. Once the filler is deleted it must accept data again by itself.
Afterwards every acknowledged report and span is in the database and
`PRAGMA integrity_check` says ok. Needs root (mount).

usage: disk_full_test.py CLT_BINARY"""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from collector_harness import Collector  # noqa: E402
from ioam_report_client import encode_trace  # noqa: E402
import otlp_proto  # noqa: E402

TMPFS_MIB = 16
LEFT_FREE_MIB = 3  # what the filler leaves for the load to fill
REPORTS_PER_STREAM = 200
SPANS_PER_EXPORT = 20
PADDING = b"x" * 2000  # per span: fills the disk in a few hundred requests
OTLP_METHOD = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"


def report(trace, i):
    return encode_trace({"trace_id": trace, "span_id": "%016x" % (1 + i % 4), "namespace": 123,
                         "trace_type": "0xf60000",
                         "nodes": [{"HopLimit": 64, "Id": 1, "TimestampSecs": 1700000000, "TimestampFrac": i},
                                   {"HopLimit": 63, "Id": 2, "TimestampSecs": 1700000000,
                                    "TimestampFrac": i + 100}]})


class Load:
    """Sends with real clients and remembers what was acknowledged and how
    refusals read."""

    def __init__(self, col):
        self.col = col
        self.n = 0
        self.ioam_acked, self.spans_acked = [], []  # trace ids
        self.refusals = {"ioam": [], "otlp-grpc": [], "otlp-http": []}
        self.ioam_channel = grpc.insecure_channel("127.0.0.1:%d" % col.ioam)
        self.otlp_channel = grpc.insecure_channel("127.0.0.1:%d" % col.otlp_grpc)

    def close(self):
        self.ioam_channel.close()
        self.otlp_channel.close()

    def next_trace(self, kind):
        self.n += 1
        return "%08x%08x%016x" % (0xd15cf011, kind, self.n)

    def ioam_stream(self):
        trace = self.next_trace(1)
        call = self.ioam_channel.stream_unary("/ioam_api.IOAMService/Report",
                                              request_serializer=lambda b: b,
                                              response_deserializer=lambda b: b)
        try:
            call(iter([report(trace, i) for i in range(REPORTS_PER_STREAM)]), timeout=30)
            self.ioam_acked.append(trace)
            return True
        except grpc.RpcError as e:
            self.refusals["ioam"].append((e.code().name, e.details()))
            return False

    def spans(self, trace):
        return [otlp_proto.span(trace, "%016x" % (i + 1), b"fill",
                                [otlp_proto.string_attribute(b"padding", PADDING)])
                for i in range(SPANS_PER_EXPORT)]

    def otlp_grpc(self):
        trace = self.next_trace(2)
        call = self.otlp_channel.unary_unary(OTLP_METHOD, request_serializer=lambda b: b,
                                             response_deserializer=lambda b: b)
        try:
            call(otlp_proto.request(b"diskfull", self.spans(trace)), timeout=30)
            self.spans_acked.append(trace)
            return True
        except grpc.RpcError as e:
            self.refusals["otlp-grpc"].append((e.code().name, e.details()))
            return False

    def otlp_http(self):
        """curl, as a third-party OTLP/HTTP client."""
        trace = self.next_trace(3)
        body = otlp_proto.request(b"diskfull", self.spans(trace))
        out = subprocess.run(
            ["curl", "-sS", "-o", "-", "-D", "/dev/stderr", "-w", "\n%{http_code}",
             "-H", "Content-Type: application/x-protobuf", "--data-binary", "@-",
             "http://127.0.0.1:%d/v1/traces" % self.col.otlp_http],
            input=body, capture_output=True, timeout=60)
        lines = out.stdout.rsplit(b"\n", 1)
        status = int(lines[-1]) if lines[-1].isdigit() else 0
        if status == 200:
            self.spans_acked.append(trace)
            return True
        headers = out.stderr.decode(errors="replace").lower()
        self.refusals["otlp-http"].append((status, lines[0].decode(errors="replace").strip(),
                                           "retry-after:" in headers))
        return False

    def round(self):
        return [self.ioam_stream(), self.otlp_grpc(), self.otlp_http()]


def free_mib(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize / (1 << 20)


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok:", what)


def run(clt, mnt, work):
    col = Collector(clt, work)
    col.db = os.path.join(mnt, "collector.db")
    load = None
    try:
        col.start()
        load = Load(col)
        check(load.round() == [True, True, True], "data is accepted before the disk fills")
        filler = os.path.join(mnt, "filler")
        with open(filler, "wb") as f:
            f.write(b"\0" * int((free_mib(mnt) - LEFT_FREE_MIB) * (1 << 20)))
        print("filler written: %.1f MiB left on the tmpfs" % free_mib(mnt))

        deadline = time.time() + 90
        while time.time() < deadline and not all(load.refusals.values()):
            load.round()
        print("acknowledged until full: %d streams, %d exports; refusals: %s; %.1f MiB free"
              % (len(load.ioam_acked), len(load.spans_acked),
                 {k: len(v) for k, v in load.refusals.items()}, free_mib(mnt)))
        check(all(load.refusals.values()), "every receiver refused data once the disk was full")
        for code, details in load.refusals["ioam"] + load.refusals["otlp-grpc"]:
            if code != "UNAVAILABLE" or "cannot store data" not in details or "full" not in details:
                raise AssertionError("unclear gRPC refusal: %s %s" % (code, details))
        print("ok: gRPC refusals are UNAVAILABLE and say why, e.g. %r" % load.refusals["ioam"][-1][1])
        for status, message, retry_after in load.refusals["otlp-http"]:
            if status != 503 or not retry_after or "cannot store data" not in message:
                raise AssertionError("unclear OTLP/HTTP refusal: %s %s (Retry-After: %s)"
                                     % (status, message, retry_after))
        print("ok: OTLP/HTTP refusals are 503 with Retry-After and say why")
        # More attempts while full: refused at once and counted. (A small
        # write, such as a summary, may still fit into the space a failed
        # one left, and end a refusal for a moment.)
        refusing = []
        for _ in range(5):
            load.round()
            refusing.append(col.metric("store_refusing"))
        check(1 in refusing, "/metrics says new data is refused (store_refusing %s)" % refusing)
        check(col.metric("requests_refused_storage_total") > 0,
              "refusals are counted in /metrics (%d)" % col.metric("requests_refused_storage_total"))
        check(col.metric("store_errors_total") > 0, "failed writes are counted")

        services = col.get("/api/services")["data"]
        check("diskfull" in services, "queries answer while the disk is full (services %s)" % services)
        trace = col.get("/api/traces/" + load.spans_acked[0])["data"][0]
        check(len(trace["spans"]) == SPANS_PER_EXPORT, "a stored trace is read while the disk is full")

        os.unlink(filler)
        print("filler deleted: %.1f MiB free" % free_mib(mnt))
        deadline = time.time() + 30
        resumed = [False, False, False]
        while time.time() < deadline and not all(resumed):
            resumed = [a or b for a, b in zip(resumed, load.round())]
            time.sleep(0.2)
        check(all(resumed), "every receiver accepts data again once space returns")
        check(col.metric("store_refusing") == 0, "/metrics says data is accepted again")
        for _ in range(3):
            check(load.round() == [True, True, True], "data is accepted after the disk was full")
    finally:
        if load:
            load.close()
        col.stop()
    check(col.proc.returncode == 0, "the collector stopped cleanly (exit %s)" % col.proc.returncode)
    with open(os.path.join(work, "collector.log"), errors="replace") as f:
        log = f.read()
    said = log.count("cannot store received data")
    check(0 < said < 20, "the reason is logged, rate-limited (%d lines)" % said)

    db = sqlite3.connect("file:%s?mode=ro" % col.db, uri=True)
    check(db.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "PRAGMA integrity_check = ok")
    missing = []
    for trace in load.ioam_acked:
        n = db.execute("SELECT coalesce(sum(count), 0) FROM ioam_records WHERE trace_id = ?",
                       (bytes.fromhex(trace),)).fetchone()[0]
        if n != REPORTS_PER_STREAM:
            missing.append("stream %s: %d of %d reports" % (trace, n, REPORTS_PER_STREAM))
    for trace in load.spans_acked:
        n = db.execute("SELECT count(*) FROM spans WHERE trace_id = ?",
                       (bytes.fromhex(trace),)).fetchone()[0]
        if n != SPANS_PER_EXPORT:
            missing.append("export %s: %d of %d spans" % (trace, n, SPANS_PER_EXPORT))
    db.close()  # before the tmpfs is unmounted
    if missing:
        raise AssertionError("acknowledged data lost:\n" + "\n".join(missing))
    print("ok: all %d acknowledged streams and %d acknowledged exports are stored"
          % (len(load.ioam_acked), len(load.spans_acked)))


def main():
    if os.geteuid() != 0:
        print("FAIL: this test mounts a tmpfs and needs root", file=sys.stderr)
        return 1
    work = tempfile.mkdtemp(prefix="clt-collector-diskfull-")
    mnt = os.path.join(work, "data")
    os.mkdir(mnt)
    mounted = False
    try:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%dm,mode=0700" % TMPFS_MIB,
                        "clt-diskfull", mnt], check=True)
        mounted = True
        run(sys.argv[1], mnt, work)
        print("PASS")
        return 0
    finally:
        if mounted:
            subprocess.run(["umount", mnt], check=False)
            if os.path.ismount(mnt):
                subprocess.run(["umount", "-l", mnt], check=False)
        if not os.environ.get("KEEP"):
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
