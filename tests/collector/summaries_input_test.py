#!/usr/bin/python3
"""System test: malformed clt.v1.TelemetryService/Summaries input into `clt
collector` (protobuf encoded by hand from proto/clt/v1/telemetry.proto, sent
with grpcio's generic stream-unary call). Every malformed message is refused
with INVALID_ARGUMENT saying what was wrong, and counted; nothing of a refused
message is stored, and nothing accepted before it, or on other streams, is
lost.

usage: summaries_input_test.py CLT_BINARY"""
import os
import shutil
import sys
import tempfile

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from collector_harness import Collector, check  # noqa: E402
from ioam_report_client import f_bytes, f_uint, key, varint  # noqa: E402

TRACE = "6bf92f3577b34da6a3ce929d0e0e4736"
METHOD = "/clt.v1.TelemetryService/Summaries"


def f_sint(field, v):
    return key(field, 0) + varint((v << 1) ^ (v >> 63)) if v else b""


def f_double(field, v):
    import struct
    return key(field, 1) + struct.pack("<d", v)


def sketch(keys, counts, lo, hi, accuracy=0.01):
    packed_keys = b"".join(varint((k << 1) ^ (k >> 31)) for k in keys)
    packed_counts = b"".join(varint(c) for c in counts)
    return (f_double(1, accuracy) + f_bytes(2, packed_keys) + f_bytes(3, packed_counts) +
            f_sint(4, lo) + f_sint(5, hi))


def hop(node_id, packets, delay=b""):
    return f_uint(1, node_id) + f_uint(6, packets) + f_bytes(7, delay)


def summary(span, packets, hops=None, trace=TRACE):
    if hops is None:
        hops = [hop(1, packets), hop(2, packets, sketch([1], [packets], 1, 1)), hop(3, packets)]
    return (f_bytes(1, bytes.fromhex(trace)) + f_bytes(2, bytes.fromhex(span)) +
            f_uint(4, 123) + f_uint(5, 0xf60000) + f_bytes(6, b"\xfd" + b"\0" * 14 + b"\1") +
            f_bytes(7, b"\xfd" + b"\0" * 14 + b"\2") + f_uint(8, packets) +
            f_sint(9, 1_700_000_000_000_000) + f_sint(10, 1_700_000_000_000_100) +
            b"".join(f_bytes(11, h) for h in hops))


def batch(*summaries):
    return b"".join(f_bytes(1, s) for s in summaries)


def send(target, messages):
    channel = grpc.insecure_channel(target)
    call = channel.stream_unary(METHOD, request_serializer=lambda b: b,
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


def refused(target, messages, reason, what):
    code, details = send(target, messages)
    check(code == grpc.StatusCode.INVALID_ARGUMENT and reason in details,
          "%s -> INVALID_ARGUMENT: %s" % (what, details))


def main():
    clt = sys.argv[1]
    work = tempfile.mkdtemp(prefix="clt-collector-summaries-")
    col = Collector(clt, work)
    try:
        col.start()
        target = "127.0.0.1:%d" % col.ioam
        # A good batch, then bytes that are no protobuf: the first stays.
        refused(target, [batch(summary("00000000000000a1", 5)), b"\xff\xff\xff\xff"],
                "message 2 is not a valid clt.v1.SummaryBatch protobuf message; "
                "the stream's earlier messages were accepted",
                "garbage after a good batch")
        # One bad summary beside a good one: none of the message is taken.
        refused(target, [batch(summary("00000000000000b1", 3),
                               summary("00000000000000b2", 3, trace="0011223344"))],
                "span summary 2: trace_id must have 16 bytes", "a 5-byte trace id")
        refused(target, [b"\x0a\x01"], "nothing of this stream was stored",
                "a truncated first message")
        refused(target, [batch(summary("00000000000000b3", 3, hops=[hop(1, 4)]))],
                "hop 1 counts more packets than the span", "a hop with more packets than its span")
        refused(target, [batch(summary("00000000000000b4", 3,
                                       hops=[hop(1, 3), hop(2, 3, sketch([1, 2], [3], 1, 1))]))],
                "delay_us has 2 keys and 1 counts", "a sketch with fewer counts than keys")
        refused(target, [batch(summary("00000000000000b5", 3,
                                       hops=[hop(1, 3), hop(2, 3, sketch([1], [3], 1, 1, 0.02))]))],
                "relative accuracy", "a sketch of another accuracy")
        refused(target, [batch(summary("00000000000000b6", 0))], "a summary of no packets",
                "a summary of no packets")
        # Another agent's stream meanwhile: a later flush of span a1 and span c1.
        code, details = send(target, [batch(summary("00000000000000a1", 2)),
                                      batch(summary("00000000000000c1", 7))])
        check(code == grpc.StatusCode.OK, "good batches accepted (%s %s)" % (code, details))

        check(col.metric("ioam_summaries_rejected_total") == 7, "7 refusals counted")
        check(col.metric("ioam_messages_received_total") == 3, "3 messages accepted")
        check(col.metric("ioam_packets_received_total") == 14, "14 packets represented (5 + 2 + 7)")

        def stored():
            spans = col.get("/api/traces/" + TRACE)["data"][0]["spans"]
            nets = {s["references"][0]["spanID"]: tags_of(s) for s in spans
                    if tags_of(s).get("ioam.kind") == "network"}
            return nets if len(nets) >= 2 else None
        nets = col.wait_for(stored, "network spans of a1 and c1")
        check(sorted(nets) == ["00000000000000a1", "00000000000000c1"],
              "network spans of a1 and c1 only, nothing of a refused message: %s" % sorted(nets))
        check(nets["00000000000000a1"]["ioam.packets"] == 7,
              "a1: 5 packets before the garbage and 2 from the other stream merged")
        check(nets["00000000000000c1"]["ioam.packets"] == 7, "c1: 7 packets")
        check(col.get("/healthz", raw=True) == b"ok\n", "the collector still serves")
        print("PASS")
    finally:
        col.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
