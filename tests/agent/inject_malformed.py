"""Writes hand-made malformed IOAM frames straight onto a link (AF_PACKET raw
socket), as a broken or hostile neighbour would. Prints, per expected decode
error reason, how many frames were sent, as JSON."""
import json
import socket
import struct
import sys

iface, dst_mac, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
src_ip = socket.inet_pton(socket.AF_INET6, "fd00:1::1")
dst_ip = socket.inet_pton(socket.AF_INET6, "fd00:2::2")
UDP = 17
NS = 999  # unknown to every node: the kernels leave these options alone


def ipv6(payload, payload_len=None):
    plen = len(payload) if payload_len is None else payload_len
    return struct.pack("!IHBB", 0x60000000, plen, 0, 64) + src_ip + dst_ip + payload


def trace_option(node_len, remaining, trace_type=0xF60000, ioam_type=0, data_len=72):
    header = struct.pack("!HBBI", NS, node_len << 3, remaining, trace_type << 8)
    body = bytes([0, ioam_type]) + header + bytes(data_len)
    return bytes([0x31, len(body)]) + body


def hop_by_hop(options):
    body = bytes([1, 0]) + options  # PadN first, as stock-kernel CLT does
    pad = (-(len(body) + 2)) % 8
    if pad == 1:
        body += b"\x00"
    elif pad:
        body += bytes([1, pad - 2]) + bytes(pad - 2)
    return bytes([UDP, (len(body) + 2) // 8 - 1]) + body


udp = struct.pack("!HHHH", 4000, 9999, 8, 0)
cases = {
    "ioam_option_too_short": hop_by_hop(bytes([0x31, 4, 0, 0, 0, 0])) + udp,
    "incremental_trace": hop_by_hop(trace_option(6, 18, ioam_type=1)) + udp,
    "unsupported_ioam_type": hop_by_hop(trace_option(6, 18, ioam_type=7)) + udp,
    "node_len_mismatch": hop_by_hop(trace_option(3, 18)) + udp,
    "remaining_len_exceeds_data": hop_by_hop(trace_option(6, 127)) + udp,
    "node_data_not_multiple": hop_by_hop(trace_option(6, 17)) + udp,
    "option_exceeds_hop_by_hop": bytes([UDP, 0, 0x31, 200, 0, 0, 0, 0]) + udp,
}
frames = {reason: ipv6(payload) for reason, payload in cases.items()}
# Hdr Ext Len says 88 bytes; the packet ends after 16.
frames["hop_by_hop_exceeds_packet"] = ipv6(bytes([UDP, 10, 1, 0, 0, 0, 0, 0]) + udp)
# IPv6 payload length promises more than the frame holds.
frames["payload_length_exceeds_capture"] = ipv6(hop_by_hop(b"") + udp, payload_len=1000)
# Well-formed Hop-by-Hop without IOAM: not malformed, not IOAM.
not_ioam = ipv6(hop_by_hop(b"") + udp)

mac = bytes.fromhex(dst_mac.replace(":", ""))
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((iface, 0))
own = s.getsockname()[4]
for _ in range(repeat):
    for frame in list(frames.values()) + [not_ioam]:
        s.send(mac + own + b"\x86\xdd" + frame)
print(json.dumps({reason: repeat for reason in frames}, sort_keys=True))
