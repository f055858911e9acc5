#!/usr/bin/python3
"""Ids read on the wire, on the real kernel, through the default topology
(athos -> porthos -> aramis): `clt agent --encap eth0 --traceparent` on
athos, real `curl` (dropped to nobody, no capability, no library) sending
the traceparent header it was given to an HTTP/1.1 server on aramis, and a
capture at aramis's ingress decoded by `clt decode`.

    wire_kernel_test.py CLT

Checks: a sampled traceparent gives every client packet of the exchange
(request, body, ACKs) those ids with athos's and porthos's entries; a
1 MiB upload arrives byte-exact; two requests on one keep-alive connection
each carry their own ids; unsampled, absent and malformed values give no
CLT; the agent's counters say so; with the agent on aramis too, the
responses carry their requests' ids, with aramis's and porthos's entries.

Both directions in the collector: the agents also capture (athos sees the
responses, aramis the requests) and report to a real `clt collector`; each
client span (the traceparent's parent id) gets two network spans, tagged
ioam.direction request (athos > porthos > aramis) and response (aramis >
porthos > athos). Two requests on one keep-alive connection get a pair each
with their own ids, and so do two pipelined requests (the second sent before
the first answer is read).
Needs root: fails otherwise.
"""
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "collector"))
from collector_harness import Collector  # noqa: E402

CLT = os.path.abspath(sys.argv[1])
PREFIX = f"wire{os.getpid()}-"
SERVER = "fd00:2::2"
PORT = 8080
NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
          "--inh-caps=-all", "--bounding-set=-all"]
TRACE_A, PARENT_A = "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"
TRACE_B, PARENT_B = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
TMP = tempfile.mkdtemp(prefix="clt-wire-")
children = []
failures = []

# HTTP/1.1 with keep-alive; answers each request with the SHA-256 of its body.
SERVER_CODE = r"""
import hashlib, http.server, socket, sys
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = hashlib.sha256(self.rfile.read(n)).hexdigest().encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_GET = do_POST = answer
    def log_message(self, *args):
        pass
class Server(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6
server = Server((sys.argv[1], int(sys.argv[2])), Handler)
print("ready", flush=True)
server.serve_forever()
"""


def ns(name, *cmd):
    return ["ip", "netns", "exec", PREFIX + name, *cmd]


def check(condition, message):
    if not condition:
        failures.append(message)
        print(f"FAIL: {message}", flush=True)
    return condition


def spawn(cmd, **kw):
    p = subprocess.Popen(cmd, **kw)
    children.append(p)
    return p


def wait_line(stream, text, seconds=15):
    deadline = time.time() + seconds
    seen = []
    while time.time() < deadline:
        line = stream.readline()
        if not line:
            break
        seen.append(line)
        if text in line:
            return True
    raise SystemExit(f"did not see '{text}': {''.join(seen)}")


def traceparent(trace, parent, flags="01", version="00"):
    return f"traceparent: {version}-{trace}-{parent}-{flags}"


def curl(*args):
    """curl on athos as nobody; its output lines."""
    out = subprocess.run(ns("athos", *NOBODY, "curl", "-sS", "--max-time", "20", *args),
                         capture_output=True, text=True, timeout=60)
    check(out.returncode == 0, f"curl {args[:3]} failed: {out.stderr}")
    return out.stdout


def client_packets(run, node="aramis", direction="tcp.dstport"):
    """Packets athos sent to the server (captured on aramis), or with node
    "athos" and direction "tcp.srcport" those the server sent back: client
    port, TCP length, IOAM."""
    pcap = os.path.join(TMP, f"{node}.pcap")
    # No port in the capture filter: it would not look past a Hop-by-Hop header.
    dump = spawn(ns(node, "tcpdump", "-i", "eth0", "--immediate-mode", "-B", "65536",
                    "-w", pcap, "ip6"), stderr=subprocess.PIPE, text=True)
    wait_line(dump.stderr, "listening on")
    result = run()
    time.sleep(0.5)
    dump.send_signal(signal.SIGINT)
    tail = dump.stderr.read()
    dump.wait(10)
    check(re.search(r"^0 packets dropped by kernel", tail, re.M) is not None,
          f"the capture dropped packets: {tail}")
    fields = subprocess.run(
        ["tshark", "-r", pcap, "-Y", f"{direction} == {PORT}", "-T", "fields",
         "-E", "separator=,", "-e", "frame.number", "-e", "tcp.srcport", "-e", "tcp.len",
         "-e", "tcp.flags.syn", "-e", "tcp.flags.fin"],
        capture_output=True, text=True, check=True).stdout
    decoded = {}
    for line in subprocess.run([CLT, "decode", pcap], capture_output=True,
                               text=True).stdout.splitlines():
        d = json.loads(line)
        if "frame" in d and "trace_id" in d:
            decoded[d["frame"]] = d
    packets = []
    for line in fields.splitlines():
        frame, sport, tlen, syn, fin = (line.split(",") + [""] * 5)[:5]
        packets.append({"frame": int(frame), "sport": int(sport) if direction == "tcp.dstport" else 0, "len": int(tlen or 0),
                        "syn": syn in ("1", "True"), "fin": fin in ("1", "True"),
                        "ioam": decoded.get(int(frame))})
    return result, packets


def from_first_data(pkts):
    """The handshake precedes the request: no ids yet. Every packet from the
    first data on carries them, up to the first FIN, which ends the binding."""
    first = next((i for i, p in enumerate(pkts) if p["len"] > 0), len(pkts))
    end = next((i for i, p in enumerate(pkts) if p["fin"]), len(pkts))
    return pkts[first:end]


def ids_of(p):
    t = p["ioam"]
    return (t["trace_id"], t["span_id"]) if t else None


def expect_path(p, what, path=(1, 2)):
    t = p["ioam"]
    nodes = [n["id"] for n in t["nodes"]]
    check(t["ids_intact"] and nodes == list(path),
          f"{what}: frame {p['frame']} path {nodes}, expected {list(path)}")


class Agent:
    """Stamps on eth0 and captures what arrives there for the collector."""

    def __init__(self, node, collector):
        self.stats = os.path.join(TMP, f"stats-{node}.json")
        self.proc = spawn(ns(node, CLT, "agent", "--encap", "eth0", "--traceparent",
                             "-i", "eth0", "-c", "unix:" + collector.unix,
                             "--span-quiet-ms", "100",
                             "--stats", self.stats, "--stats-interval-ms", "100"),
                          stderr=subprocess.PIPE, text=True)
        wait_line(self.proc.stderr, "datapath attached")

    def all_counters(self):
        time.sleep(0.3)
        with open(self.stats) as f:
            return json.load(f)

    def counters(self):
        return self.all_counters()["datapath"]


def sampled_upload():
    body = os.urandom(1 << 20)
    path = os.path.join(TMP, "body.bin")
    with open(path, "wb") as f:
        f.write(body)
    os.chmod(TMP, 0o755)
    os.chmod(path, 0o644)
    url = f"http://[{SERVER}]:{PORT}/upload"
    out, pkts = client_packets(lambda: curl("-H", traceparent(TRACE_A, PARENT_A),
                                            "--data-binary", "@" + path, url))
    check(out.strip() == hashlib.sha256(body).hexdigest(),
          f"the 1 MiB upload arrived altered: {out.strip()[:64]}")
    after = from_first_data(pkts)
    check(len(after) > 10, f"sampled upload: only {len(after)} client packets captured")
    for p in after:
        if not check(ids_of(p) == (TRACE_A, PARENT_A),
                     f"sampled upload: frame {p['frame']} (len {p['len']}) ids {ids_of(p)}"):
            break
        expect_path(p, "sampled upload")
    check(any(p["len"] == 0 for p in after), "sampled upload: no pure ACK captured")


def keep_alive_two_requests():
    url = f"http://[{SERVER}]:{PORT}/item"
    out, pkts = client_packets(lambda: curl("-H", traceparent(TRACE_A, PARENT_A), url,
                                            "--next", "-H", traceparent(TRACE_B, PARENT_B), url))
    ports = {p["sport"] for p in pkts}
    check(len(ports) == 1, f"keep-alive: curl used {len(ports)} connections, expected one")
    requests = [p for p in pkts if p["len"] > 0]
    check([ids_of(p) for p in requests] == [(TRACE_A, PARENT_A), (TRACE_B, PARENT_B)],
          f"keep-alive: request ids {[ids_of(p) for p in requests]}")
    for p in requests:
        expect_path(p, "keep-alive")


def response_path():
    """The server's response carries the request's ids, aramis then porthos."""
    url = f"http://[{SERVER}]:{PORT}/response"
    _, pkts = client_packets(lambda: curl("-H", traceparent(TRACE_B, PARENT_A), url),
                             node="athos", direction="tcp.srcport")
    after = from_first_data(pkts)
    check(len(after) > 0, "response: no response data captured")
    for p in after:
        if not check(ids_of(p) == (TRACE_B, PARENT_A),
                     f"response: frame {p['frame']} (len {p['len']}) ids {ids_of(p)}"):
            break
        expect_path(p, "response", path=(3, 2))


TRACE_C, PARENT_C = "5a1d0c0ffee0000000000000000000c1", "c1c1c1c1c1c1c1c1"
TRACE_D, PARENT_D = "5a1d0c0ffee0000000000000000000d1", "d1d1d1d1d1d1d1d1"
TRACE_E, PARENT_E = "5a1d0c0ffee0000000000000000000e1", "e1e1e1e1e1e1e1e1"
TRACE_F, PARENT_F = "5a1d0c0ffee0000000000000000000f1", "f1f1f1f1f1f1f1f1"
TRACE_G, PARENT_G = "5a1d0c0ffee000000000000000000071", "7171717171717171"
FORWARD, BACKWARD = ["athos", "porthos", "aramis"], ["aramis", "porthos", "athos"]


def network_spans(collector, trace, count):
    """The trace's network spans in the collector, once `count` of them are
    there: {direction: (parent span id, path, hop names in hop order)}."""
    def ready():
        data = collector.get(f"/api/traces/{trace}")["data"][0]["spans"]
        nets = [s for s in data if tag(s, "ioam.kind") == "network"]
        return (data, nets) if len(nets) >= count else None
    try:
        spans, nets = collector.wait_for(ready, f"{count} network spans of trace {trace}", 15)
    except AssertionError as e:
        check(False, str(e))
        return {}
    out = {}
    for n in nets:
        hops = sorted((s for s in spans if tag(s, "ioam.kind") == "hop"
                       and any(r["spanID"] == n["spanID"] for r in s["references"])),
                      key=lambda s: tag(s, "ioam.hop"))
        parents = [r["spanID"] for r in n["references"] if r["refType"] == "CHILD_OF"]
        check(tag(n, "ioam.direction") not in out,
              f"trace {trace}: two {tag(n, 'ioam.direction')} network spans for one span")
        out[tag(n, "ioam.direction")] = (parents[0] if parents else None, tag(n, "ioam.path"),
                                         [tag(h, "net.node.name") for h in hops])
    return out


def tag(span, key):
    return next((t["value"] for t in span["tags"] if t["key"] == key), None)


def expect_pair(collector, what, trace, parent):
    nets = network_spans(collector, trace, 2)
    check(set(nets) == {"request", "response"}, f"{what}: network span directions {sorted(nets)}")
    for direction, hops in (("request", FORWARD), ("response", BACKWARD)):
        if direction not in nets:
            continue
        got_parent, path, names = nets[direction]
        check(got_parent == parent, f"{what}: the {direction} span's parent is {got_parent}, "
              f"expected the client span {parent}")
        check(names == hops and path == " > ".join(hops),
              f"{what}: {direction} path {path!r}, hops {names}, expected {hops}")


def both_directions(collector):
    url = f"http://[{SERVER}]:{PORT}/both"
    curl("-H", traceparent(TRACE_C, PARENT_C), url)
    expect_pair(collector, "one request", TRACE_C, PARENT_C)


def keep_alive_pairs(collector):
    url = f"http://[{SERVER}]:{PORT}/again"
    out = subprocess.run(ns("athos", *NOBODY, "curl", "-sS", "--max-time", "20",
                            "-w", "%{num_connects}\n", "-o", "/dev/null",
                            "-H", traceparent(TRACE_D, PARENT_D), url, "--next",
                            "-w", "%{num_connects}\n", "-o", "/dev/null",
                            "-H", traceparent(TRACE_G, PARENT_G), url),
                         capture_output=True, text=True, timeout=60)
    check(out.stdout.split() == ["1", "0"],
          f"keep-alive: the second request opened a connection of its own: {out.stdout!r}")
    expect_pair(collector, "keep-alive first", TRACE_D, PARENT_D)
    expect_pair(collector, "keep-alive second", TRACE_G, PARENT_G)


# Two requests written one after the other on one connection, the answers
# read afterwards: HTTP/1.1 pipelining, by a client nobody runs as.
PIPELINE_CODE = r"""
import socket, sys, time
server, port = sys.argv[1], int(sys.argv[2])
s = socket.create_connection((server, port))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
for value in sys.argv[3:]:
    s.sendall(("GET /pipelined HTTP/1.1\r\nHost: x\r\ntraceparent: " + value +
               "\r\n\r\n").encode())
    time.sleep(0.05)
data = b""
while data.count(b"HTTP/1.1 200") < len(sys.argv) - 3:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
print(data.count(b"HTTP/1.1 200"))
"""


def pipelined(collector):
    values = [f"00-{TRACE_E}-{PARENT_E}-01", f"00-{TRACE_F}-{PARENT_F}-01"]
    out = subprocess.run(ns("athos", *NOBODY, "/usr/bin/python3", "-c", PIPELINE_CODE, SERVER,
                            str(PORT), *values), capture_output=True, text=True, timeout=60)
    check(out.stdout.strip() == "2", f"pipelined: answers {out.stdout!r} {out.stderr}")
    for trace, parent in ((TRACE_E, PARENT_E), (TRACE_F, PARENT_F)):
        nets = network_spans(collector, trace, 1)
        request = nets.get("request")
        check(request is not None and request[0] == parent and request[2] == FORWARD,
              f"pipelined: trace {trace} request span {request}, expected parent {parent}")


def no_clt(what, *headers):
    url = f"http://[{SERVER}]:{PORT}/none"
    args = []
    for h in headers:
        args += ["-H", h]
    _, pkts = client_packets(lambda: curl(*args, url))
    check(len(pkts) > 0, f"{what}: nothing captured")
    stamped = [p["frame"] for p in pkts if p["ioam"]]
    check(not stamped, f"{what}: frames {stamped} carry IOAM")


def main():
    if os.geteuid() != 0:
        print("FAIL: needs root (network namespaces, BPF)")
        return 1
    subprocess.run([CLT, "topo", "up", "--prefix", PREFIX], check=True, capture_output=True)
    collector = Collector(CLT, TMP)
    try:
        collector.start()
        server = spawn(ns("aramis", "/usr/bin/python3", "-c", SERVER_CODE, SERVER, str(PORT)),
                       stdout=subprocess.PIPE, text=True)
        wait_line(server.stdout, "ready")
        agent = Agent("athos", collector)
        server_agent = Agent("aramis", collector)
        sampled_upload()
        keep_alive_two_requests()
        response_path()
        both_directions(collector)
        keep_alive_pairs(collector)
        pipelined(collector)
        no_clt("unsampled", traceparent(TRACE_A, PARENT_A, flags="00"))
        no_clt("absent", "tracestate: congo=t61rcWkgMzE")
        malformed = [
            traceparent(TRACE_A[:-1] + "g", PARENT_A),  # bad hex
            traceparent(TRACE_A[:-1], PARENT_A),  # wrong length
            traceparent(TRACE_A, PARENT_A, version="ff"),
            traceparent("0" * 32, PARENT_A),  # all-zero trace id
        ]
        for value in malformed:
            no_clt(f"malformed '{value}'", value)
        c = agent.counters()
        check(c["http_requests_seen"] == 4 + 3 + 2 + 1 + 1 + len(malformed),
              f"requests seen: {c}")
        check(c["http_requests_bound"] == 4 + 3 + 2, f"requests bound: {c}")
        check(c["traceparent_unsampled"] == 1 and c["traceparent_absent"] == 1
              and c["traceparent_invalid"] == len(malformed), f"no-CLT counters: {c}")
        check(c["cloned_for_insert"] > 0 and c["skipped_error"] == 0, f"insertion: {c}")
        d = agent.all_counters()["direction"]
        check(d["responses"] > 0 and d["requests"] == 0 and d["listener_refresh_failures"] == 0,
              f"athos receives answers only: {d}")
        d = server_agent.all_counters()["direction"]
        check(d["requests"] > 0 and d["responses"] == 0 and d["listener_refresh_failures"] == 0,
              f"aramis receives requests only: {d}")
        s = server_agent.counters()
        check(s["http_requests_bound"] == 4 + 3 + 2 and s["traceparent_invalid"] == len(malformed)
              and s["cloned_for_insert"] > 0 and s["skipped_error"] == 0,
              f"server side: {s}")
    finally:
        for p in children:
            if p.poll() is None:
                p.kill()
        collector.stop()
        subprocess.run([CLT, "topo", "down", "--prefix", PREFIX], capture_output=True)
        subprocess.run(["rm", "-rf", TMP])
    print(f"wire kernel test: {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
