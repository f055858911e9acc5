#!/usr/bin/python3
"""The eBPF datapath on the real kernel, through the default topology
(athos -> porthos -> aramis): `clt agent --encap eth0` on athos, senders
that hold no capability (dropped to nobody with setpriv) enabling CLT through
libclt.so, a capture at aramis's ingress decoded by `clt decode` and tshark.

    datapath_kernel_test.py CLT LIBCLT

Checks: every packet sent while enabled carries the ids, the sender's own
entry stamped per packet and porthos's entry; none after disable; a 4 MB TCP
transfer arrives byte-exact with segmentation offload on and off; UDP; a peer
outside the domain is untouched; without the datapath, today's socket-option
behaviour; SIGKILL of the agent leaves no program attached; a second agent on
the same interface is refused. Needs root: fails otherwise.
"""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

CLT, LIBCLT = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
PEER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dp_peer.py")
PREFIX = f"dpk{os.getpid()}-"
TRACE, SPAN = "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"
SERVER = "fd00:2::2"
NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
          "--inh-caps=-all", "--bounding-set=-all"]
TMP = tempfile.mkdtemp(prefix="clt-dp-")
children = []
failures = []


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


def wait_line(stream, text, seconds=10):
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


class Agent:
    def __init__(self, *extra):
        self.stats = os.path.join(TMP, "stats.json")
        self.proc = spawn(ns("athos", CLT, "agent", "--encap", "eth0", "--stats", self.stats,
                             "--stats-interval-ms", "100", *extra),
                          stderr=subprocess.PIPE, text=True)
        wait_line(self.proc.stderr, "datapath attached")

    def counters(self):
        time.sleep(0.3)
        with open(self.stats) as f:
            return json.load(f)["datapath"]

    def stop(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)
        self.proc.wait(10)


def capture_and_send(kind, phase1, phase2, sender_prefix, port):
    pcap = os.path.join(TMP, f"{kind}{port}.pcap")
    # No port in the capture filter: it would not look past a Hop-by-Hop header.
    dump = spawn(ns("aramis", "tcpdump", "-i", "eth0", "--immediate-mode", "-B", "131072", "-w", pcap, "ip6"),
                 stderr=subprocess.PIPE, text=True)
    wait_line(dump.stderr, "listening on")
    server = spawn(ns("aramis", "/usr/bin/python3", PEER, "serve", kind, str(port), str(phase1)),
                   stdout=subprocess.PIPE, text=True)
    wait_line(server.stdout, "ready")
    out = subprocess.run(ns("athos", *sender_prefix, "/usr/bin/python3", PEER, "send", kind,
                            LIBCLT, SERVER, str(port), TRACE, SPAN, str(phase1), str(phase2)),
                         capture_output=True, text=True, timeout=60)
    result = json.loads(out.stdout.strip().splitlines()[-1]) if out.stdout.strip() else {}
    if result.get("enable") == 0:
        server.wait(20)
    else:
        server.kill()  # the sender stopped at clt_enable
    time.sleep(0.5)
    dump.send_signal(signal.SIGINT)
    tail = dump.stderr.read()
    dump.wait(10)
    check(re.search(r"^0 packets dropped by kernel", tail, re.M) is not None,
          f"the capture dropped packets: {tail}")
    if not result:
        print(f"sender failed: {out.stderr[-500:]}", flush=True)
    if not result:
        print(out.stderr)
    return result, packets(pcap, port)


def packets(pcap, port):
    """Client-to-server packets: frame, ipv6 next header, lengths, and decoded IOAM."""
    fields = subprocess.run(
        ["tshark", "-r", pcap, "-Y", f"tcp.dstport == {port} or udp.dstport == {port}",
         "-T", "fields", "-E", "separator=,", "-e", "frame.number",
         "-e", "ipv6.src", "-e", "ipv6.nxt", "-e", "tcp.seq", "-e", "tcp.len", "-e", "udp.length",
         "-e", "frame.time_epoch"],
        capture_output=True, text=True, check=True).stdout
    decoded = {}
    for line in subprocess.run([CLT, "decode", pcap], capture_output=True, text=True).stdout.splitlines():
        d = json.loads(line)
        if "frame" in d and "trace_id" in d:
            decoded[d["frame"]] = d
    out = []
    for line in fields.splitlines():
        frame, src, nxt, seq, tlen, ulen, when = (line.split(",") + [""] * 7)[:7]
        if src != "fd00:1::1":
            continue
        out.append({"frame": int(frame), "nxt": int(nxt.split(";")[0] or -1),
                    "seq": int(seq or 0), "len": int(tlen or 0), "udp": int(ulen.split(";")[0] or 0),
                    "time": float(when or 0), "ioam": decoded.get(int(frame))})
    return out


def expect_stamped(p, what):
    t = p["ioam"]
    if not check(t is not None, f"{what}: frame {p['frame']} carries no IOAM trace"):
        return None
    check(t["trace_id"] == TRACE and t["span_id"] == SPAN and t["ids_intact"],
          f"{what}: frame {p['frame']} ids {t['trace_id']}/{t['span_id']}")
    ids = [n["id"] for n in t["nodes"]]
    check(ids == [1, 2], f"{what}: frame {p['frame']} path {ids}, expected athos(1) porthos(2)")
    own = t["nodes"][0]
    stamped_us = own["timestamp_secs"] * 1_000_000 + own["timestamp_frac"]
    # The wall clock when the packet left, as the capture a hop later saw it.
    check(abs(stamped_us - p["time"] * 1e6) < 100_000,
          f"{what}: frame {p['frame']} stamped {stamped_us} us, captured at {p['time']:.6f} s")
    return stamped_us


def tcp_transfer(offload):
    subprocess.run(ns("athos", "ethtool", "-K", "eth0", "gso", offload, "tso", offload),
                   check=True, capture_output=True)
    what = f"TCP, segmentation offload {offload}"
    phase1, phase2 = 4 << 20, 256 << 10
    result, pkts = capture_and_send("tcp", phase1, phase2, NOBODY, 9100 if offload == "on" else 9101)
    check(result.get("enable") == 0, f"{what}: clt_enable as nobody returned {result}")
    check(result.get("intact") is True, f"{what}: the transfer did not arrive byte-exact")
    enabled = [p for p in pkts if p["len"] > 0 and p["seq"] + p["len"] <= phase1 + 1]
    after = [p for p in pkts if p["len"] > 0 and p["seq"] > phase1 + 1]
    check(len(enabled) > 20 and len(after) > 0, f"{what}: {len(enabled)}/{len(after)} data packets")
    stamps = [expect_stamped(p, what) for p in enabled]
    check(len(set(s for s in stamps if s)) > 1, f"{what}: own entry not stamped per packet")
    check(all(p["ioam"] is None and p["nxt"] == 6 for p in after),
          f"{what}: packets sent after clt_disable carry IOAM")
    check(max(p["len"] for p in pkts) > 0, f"{what}: no data captured")


def udp_transfer():
    result, pkts = capture_and_send("udp", 20, 5, NOBODY, 9200)
    check(result.get("enable") == 0, f"UDP: clt_enable as nobody returned {result}")
    enabled = [p for p in pkts if p["udp"] == 108]
    after = [p for p in pkts if p["udp"] == 208]
    check(len(enabled) == 20 and len(after) == 5, f"UDP: {len(enabled)}/{len(after)} datagrams")
    stamps = [expect_stamped(p, "UDP") for p in enabled]
    check(len(set(s for s in stamps if s)) > 1, "UDP: own entry not stamped per packet")
    check(all(p["ioam"] is None for p in after), "UDP: datagrams after clt_disable carry IOAM")


def udp_beyond_the_mtu():
    """Datagrams that fit the MTU alone but not with the header: the kernel,
    which reserved the room, fragments them, and every fragment leaves with
    the header filled; each comes back whole."""
    size = 1500 - 40 - 8 - 100  # fits without the 136-byte header, not with it
    pcap = os.path.join(TMP, "big.pcap")
    dump = spawn(ns("aramis", "tcpdump", "-i", "eth0", "--immediate-mode", "-U", "-w", pcap, "ip6"),
                 stderr=subprocess.PIPE, text=True)
    wait_line(dump.stderr, "listening on")
    server = spawn(ns("aramis", "/usr/bin/python3", PEER, "serve", "udp", "9600", "5"),
                   stdout=subprocess.PIPE, text=True)
    wait_line(server.stdout, "ready")
    out = subprocess.run(["env", f"DP_PEER_UDP_SIZE={size}", *ns("athos", *NOBODY, "/usr/bin/python3",
                          PEER, "send", "udp", LIBCLT, SERVER, "9600", TRACE, SPAN, "5", "0")],
                         capture_output=True, text=True, timeout=60)
    result = json.loads(out.stdout.strip().splitlines()[-1]) if out.stdout.strip() else {}
    server.wait(20)
    time.sleep(0.3)
    dump.send_signal(signal.SIGINT)
    dump.wait(10)
    check(result.get("enable") == 0 and result.get("intact") is True,
          f"UDP beyond the MTU: {result} {out.stderr[-300:]}")
    decoded = [json.loads(l) for l in subprocess.run([CLT, "decode", pcap], capture_output=True,
                                                     text=True).stdout.splitlines()]
    stamped = [d for d in decoded if d.get("trace_id") == TRACE]
    check(len(stamped) >= 10, f"UDP beyond the MTU: {len(stamped)} stamped frames for 5 datagrams "
                              "of 2 fragments each")


def outside_domain():
    agent = Agent("--domain", "fd00:9::/32")
    result, pkts = capture_and_send("udp", 3, 0, NOBODY, 9300)
    counters = agent.counters()
    agent.stop()
    check(result.get("enable") == 0, f"outside domain: clt_enable returned {result}")
    check(all(p["ioam"] is None for p in pkts), "a peer outside the datapath's domain got IOAM")
    # The hook reserves no room towards a peer outside its domain, so
    # nothing is there for the tc program to fill.
    check(counters["socket_ids_set"] >= 1 and counters["room_reserved"] == 0
          and counters["stamped"] == 0, f"outside domain: {counters}")


def fallback():
    result, _ = capture_and_send("udp", 3, 0, NOBODY, 9400)
    check(result.get("enable") == -1, f"without the datapath nobody must get -EPERM: {result}")
    result, pkts = capture_and_send("udp", 5, 2, [], 9401)
    check(result.get("enable") == 0, f"without the datapath root must get the sticky header: {result}")
    enabled = [p for p in pkts if p["udp"] == 108]
    stamps = [expect_stamped(p, "sticky fallback") for p in enabled]
    check(len(enabled) == 5 and len(set(stamps)) == 1,
          "the sticky fallback stamps its own entry once per span")


def agent_gone_mid_span():
    """The agent dies while a socket has its room reserved: clt_disable takes
    the placeholder off, so the socket's next datagrams arrive as before."""
    agent = Agent()
    port, resume = 9500, os.path.join(TMP, "resume")
    os.chmod(TMP, 0o755)  # the sender, as nobody, looks for the file
    pcap = os.path.join(TMP, "gone.pcap")
    dump = spawn(ns("aramis", "tcpdump", "-i", "eth0", "--immediate-mode", "-U", "-w", pcap, "ip6"),
                 stderr=subprocess.PIPE, text=True)
    wait_line(dump.stderr, "listening on")
    server = spawn(ns("aramis", "/usr/bin/python3", PEER, "serve", "udp", str(port), "3"),
                   stdout=subprocess.PIPE, text=True)
    wait_line(server.stdout, "ready")
    sender = spawn(["env", f"DP_PEER_PAUSE={resume}", *ns("athos", *NOBODY, "/usr/bin/python3", PEER,
                    "send", "udp", LIBCLT, SERVER, str(port), TRACE, SPAN, "3", "4")],
                   stdout=subprocess.PIPE, text=True)
    wait_line(sender.stdout, "paused", 20)
    agent.stop(signal.SIGKILL)
    open(resume, "w").close()
    out, _ = sender.communicate(timeout=40)
    result = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
    server.wait(20)
    time.sleep(0.3)
    dump.send_signal(signal.SIGINT)
    dump.wait(10)
    check(result.get("disable") == 0 and result.get("intact") is True,
          f"after the agent died, clt_disable and the echoes: {result}")
    after = [p for p in packets(pcap, port) if p["udp"] == 208]
    check(len(after) == 4 and all(p["nxt"] == 17 for p in after),
          f"datagrams after clt_disable still carry the reserved room: {after}")


def clt_programs():
    """Ids of the datapath programs loaded anywhere on the machine."""
    out = subprocess.run(["bpftool", "-j", "prog", "show"], capture_output=True, text=True).stdout
    return {p["id"] for p in json.loads(out or "[]") if p.get("name", "").startswith("clt_")}


def no_leftovers_after_sigkill():
    # Programs of other agents on the machine (another test's) are not ours.
    before = clt_programs()
    agent = Agent()
    ours = clt_programs() - before
    check(len(ours) == 3, f"expected 3 datapath programs loaded: {sorted(ours)}")
    agent.stop(signal.SIGKILL)
    deadline = time.time() + 5
    while clt_programs() & ours and time.time() < deadline:
        time.sleep(0.1)
    check(not clt_programs() & ours, f"programs left after kill -9: {sorted(clt_programs() & ours)}")


def second_agent_refused():
    first = Agent()
    second = subprocess.run(ns("athos", CLT, "agent", "--encap", "eth0"), capture_output=True,
                            text=True, timeout=20)
    check(second.returncode != 0 and "already stamps" in second.stderr,
          f"second agent not refused: {second.returncode} {second.stderr}")
    first.stop()


def main():
    if os.geteuid() != 0:
        print("FAIL: needs root (network namespaces, BPF)")
        return 1
    subprocess.run([CLT, "topo", "up", "--prefix", PREFIX], check=True, capture_output=True)
    try:
        agent = Agent()
        tcp_transfer("on")
        tcp_transfer("off")
        udp_transfer()
        udp_beyond_the_mtu()
        counters = agent.counters()
        check(counters["stamped"] > 0 and counters["skipped_error"] == 0,
              f"datapath counters: {counters}")
        # Every connected sender had the room reserved, so no packet grew;
        # a TCP socket keeps it after clt_disable, and the room is taken out
        # of what it sends then (checked above: no IOAM after clt_disable).
        check(counters["room_reserved"] >= 4 and counters["skipped_no_room"] == 0
              and counters["socket_ids_refused"] == 0, f"reserved room: {counters}")
        agent.stop()
        outside_domain()
        agent_gone_mid_span()
        fallback()
        no_leftovers_after_sigkill()
        second_agent_refused()
    finally:
        for p in children:
            if p.poll() is None:
                p.kill()
        subprocess.run([CLT, "topo", "down", "--prefix", PREFIX], capture_output=True)
        subprocess.run(["rm", "-rf", TMP])
    print(f"datapath kernel test: {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
