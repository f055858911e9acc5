"""Starting and stopping a `clt collector` for the tests. It listens on port 0
(a free port the kernel picks) and the harness reads the ports it bound from
its `listening:` line, so parallel tests never race for a port."""
import json
import os
import re
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)
    print("ok:", msg)


def listening_ports(log_path, offset=0):
    """The TCP ports of the collector's `listening:` line in its log, by
    receiver name (the first of each); None before the line is written."""
    with open(log_path, "rb") as f:
        f.seek(offset)
        text = f.read().decode(errors="replace")
    for line in text.splitlines():
        if line.startswith("clt collector: listening:"):
            ports = {}
            for name, port in re.findall(r"(\S+)=\S*:(\d+)(?:\s|$)", line):
                ports.setdefault(name, int(port))
            return ports
    return None


class Collector:
    # tls: for a collector started with --tls-*, how this client speaks to it:
    # {"ca": CA_FILE, "cert": CLIENT_CERT, "key": CLIENT_KEY} (cert and key
    # for mutual TLS only).
    def __init__(self, clt, workdir, extra=(), tls=None):
        self.clt = clt
        self.tls = tls
        self.workdir = workdir
        self.db = os.path.join(workdir, "collector.db")
        self.ioam = self.otlp_grpc = self.otlp_http = self.query = None  # set by start()
        self.unix = os.path.join(workdir, "ioam.sock")
        self.extra = list(extra)
        self.proc = None

    def start(self):
        args = [self.clt, "collector", "--db", self.db,
                "--ioam-grpc", "0", "--ioam-grpc", "unix:" + self.unix,
                "--otlp-grpc", "0", "--otlp-http", "0", "--query-http", "0",
                "--join-delay", "100ms",
                # Test data is timestamped in 2023: keep it whatever its age.
                "--retention", "0",
                "--node-name", "1=athos", "--node-name", "2=porthos", "--node-name", "3=aramis",
                ] + self.extra
        log_path = os.path.join(self.workdir, "collector.log")
        self.log = open(log_path, "ab")
        start_offset = self.log.tell()
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=self.log)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("collector exited with %d; see %s/collector.log"
                                   % (self.proc.returncode, self.workdir))
            ports = listening_ports(log_path, start_offset)
            if ports:
                self.ioam = ports["ioam"]
                self.otlp_grpc = ports["otlp-grpc"]
                self.otlp_http = ports["otlp-http"]
                self.query = ports["query"]
                if self.get("/healthz", raw=True) == b"ok\n":
                    return self
            time.sleep(0.1)
        raise RuntimeError("collector did not print its ports; see %s/collector.log" % self.workdir)

    def stop(self, sig=15):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def url(self, path, port=None):
        scheme = "https" if self.tls else "http"
        return "%s://127.0.0.1:%d%s" % (scheme, port or self.query, path)

    def ssl_context(self):
        if not self.tls:
            return None
        context = ssl.create_default_context(cafile=self.tls["ca"])
        if self.tls.get("cert"):
            context.load_cert_chain(self.tls["cert"], self.tls["key"])
        return context

    def get(self, path, raw=False):
        with urllib.request.urlopen(self.url(path), timeout=10, context=self.ssl_context()) as r:
            body = r.read()
        return body if raw else json.loads(body)

    def post(self, path, body, content_type, port=None):
        req = urllib.request.Request(self.url(path, port or self.otlp_http), data=body,
                                     headers={"Content-Type": content_type}, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=30, context=self.ssl_context()) as r:
                return r.status, r.read(), dict(r.headers)
        except urllib.error.HTTPError as e:
            return e.code, e.read(), dict(e.headers)

    def wait_for(self, predicate, what, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                v = predicate()
                if v:
                    return v
            except (urllib.error.URLError, KeyError, IndexError):
                pass
            time.sleep(0.1)
        raise AssertionError("timed out waiting for " + what)

    def metric(self, name):
        text = self.get("/metrics", raw=True).decode()
        for line in text.splitlines():
            if line.startswith("clt_collector_" + name + " "):
                return int(line.split()[1])
        raise KeyError(name)
