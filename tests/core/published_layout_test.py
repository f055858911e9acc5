#!/usr/bin/env python3
"""Traces in the published CLT kernel patch's layout, crafted with scapy
(independently of clt's own encoder), read by `clt decode` and `clt agent`.

That layout puts the trace and span ids right after the IOAM trace header,
as clt's does, but leaves them out of RemainingLen: the node data follows
the ids, and the nodes a path filled start 32 + RemainingLen*4 bytes past
the trace header. clt's layout counts the ids in RemainingLen instead, so
that stock kernels fill the slots after them.

    published_layout_test.py CLT
"""
import json
import os
import struct
import subprocess
import sys
import tempfile
import time

from scapy.all import Ether, IPv6, IPv6ExtHdrHopByHop, HBHOptUnknown, PadN, UDP, Raw, wrpcap, sendp

CLT = sys.argv[1]
TRACE_ID = bytes.fromhex("4bf92f3577b34da6a3ce929d0e0e4736")
SPAN_ID = bytes.fromhex("00f067aa0ba902b7")
TRACE_TYPE = 0xC00000  # hop limit + node id, ingress + egress ids: 8 bytes a node
NODE_LEN = 2
SLOTS = 3
# The path's nodes in order: (hop limit, node id, ingress id, egress id).
PATH = [(64, 0x0A, 0xFFFF, 11), (63, 0x0B, 21, 22)]
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def node_bytes(hop_limit, node_id, ingress, egress):
    return struct.pack("!I", hop_limit << 24 | node_id) + struct.pack("!HH", ingress, egress)


def ioam_option(namespace, published):
    """The Pre-allocated Trace option data after the path filled its nodes
    from the last slot backwards, as both kernels do."""
    slots = bytearray(SLOTS * NODE_LEN * 4)
    free = SLOTS
    for node in PATH:
        free -= 1
        slots[free * NODE_LEN * 4:(free + 1) * NODE_LEN * 4] = node_bytes(*node)
    remaining = free * NODE_LEN + (0 if published else 6)  # clt counts the 6 id words
    header = struct.pack("!HH", namespace, NODE_LEN << 11 | remaining) + struct.pack(
        "!I", TRACE_TYPE << 8)
    return bytes([0, 0]) + header + TRACE_ID + SPAN_ID + bytes(slots)  # reserved, type 0


def packet(namespace, published):
    hbh = IPv6ExtHdrHopByHop(
        options=[PadN(optdata=b""), HBHOptUnknown(otype=0x31, optdata=ioam_option(namespace, published))])
    return (Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") /
            IPv6(src="fd00:1::1", dst="fd00:2::2", hlim=62) / hbh /
            UDP(sport=40000, dport=8080) / Raw(b"x" * 32))


def decode(*args):
    out = subprocess.run([CLT, "decode", "-q", *args], capture_output=True, text=True, timeout=30)
    check(out.returncode == 0, f"clt decode {' '.join(args[:-1])} exits 0 ({out.stderr.strip()})")
    return [json.loads(line) for line in out.stdout.splitlines()]


def path_is_read(trace, what):
    check(trace.get("ids_intact") is True and trace.get("trace_id") == TRACE_ID.hex() and
          trace.get("span_id") == SPAN_ID.hex(), f"{what}: ids intact and right ({trace})")
    nodes = trace.get("nodes", [])
    got = [(n["hop_limit"], n["id"], n["ingress_id"], n["egress_id"]) for n in nodes]
    check(got == PATH, f"{what}: nodes in path order {got}")


def decode_tests(tmp):
    pcap = os.path.join(tmp, "layouts.pcap")
    wrpcap(pcap, [packet(7, True), packet(9, False)])

    published = decode("--layout", "published", pcap)
    check(len(published) == 2, f"two traces decoded: {len(published)}")
    path_is_read(published[0], "--layout published, published packet")
    check(published[0]["remaining_len"] == 2, "RemainingLen as the patch left it (2 words)")

    mixed = decode("--published-namespace", "7", pcap)
    path_is_read(mixed[0], "--published-namespace 7, namespace 7")
    path_is_read(mixed[1], "--published-namespace 7, namespace 9 (clt layout)")

    # Read as clt's layout, the published trace has lost its ids (RemainingLen
    # 2 < 6) and its nodes are read from the wrong place: the layout matters.
    as_clt = decode(pcap)
    check(as_clt[0].get("ids_intact") is False, "published packet read as clt: ids not intact")
    got = [(n["hop_limit"], n["id"]) for n in as_clt[0].get("nodes", [])]
    check(got != [(h, i) for h, i, _, _ in PATH], f"published packet read as clt: other nodes {got}")


def agent_test(tmp):
    """The agent captures crafted packets on a veth and reports them."""
    ns = f"cltpub{os.getpid()}"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        run = lambda *c: subprocess.run(["ip", "netns", "exec", ns, *c], check=True)
        run("ip", "link", "add", "pa", "type", "veth", "peer", "name", "pb")
        run("ip", "link", "set", "pa", "up")
        run("ip", "link", "set", "pb", "up")
        run("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=0")
        jsonl = os.path.join(tmp, "agent.jsonl")
        agent = subprocess.Popen(["ip", "netns", "exec", ns, CLT, "agent", "-i", "pb", "--no-events",
                                  "--layout", "published", "--jsonl", jsonl, "--duration", "6"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.5)  # the capture ring is open
        sender = subprocess.run(
            ["ip", "netns", "exec", ns, "/usr/bin/python3", "-c",
             "import sys; from scapy.all import rdpcap, sendp; "
             "sendp(rdpcap(sys.argv[1])[0], iface='pa', count=3, verbose=False)",
             os.path.join(tmp, "layouts.pcap")], capture_output=True, text=True, timeout=30)
        check(sender.returncode == 0, f"scapy sent the packets ({sender.stderr.strip()})")
        _, err = agent.communicate(timeout=30)
        check(agent.returncode == 0, f"agent exits 0 ({err.strip()[-300:]})")
        traces = [json.loads(l) for l in open(jsonl)] if os.path.exists(jsonl) else []
        check(len(traces) == 3, f"agent reported the 3 packets: {len(traces)}")
        for t in traces[:1]:
            path_is_read(t, "agent --layout published")
    finally:
        subprocess.run(["ip", "netns", "del", ns])


def main():
    if os.geteuid() != 0:
        print("FAIL: needs root (a network namespace for the agent)")
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        decode_tests(tmp)
        agent_test(tmp)
    print(f"published layout test: {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
