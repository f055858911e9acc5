#!/usr/bin/python3
"""An IOAM API client written from the published message table (CLT.md
section 5), independent of the agent's code: protobuf encoded by hand, sent
with grpcio's generic stream-unary call to ioam_api.IOAMService/Report.

usage: ioam_report_client.py TARGET SCENARIO.json
SCENARIO: {"reports": [{"trace_id": "32hex", "span_id": "16hex",
           "namespace": 123, "trace_type": "0xf60000",
           "nodes": [{"HopLimit":..,"Id":..,"IngressId":..,"EgressId":..,
                      "TimestampSecs":..,"TimestampFrac":..,"QueueDepth":..,
                      "NamespaceData": "hex"}]}], "raw_bytes": "hex (optional:
           send these bytes as one message instead, to test malformed input)"}
Prints the gRPC status code name and details; exit 0 when the call succeeded.
"""
import json
import struct
import sys

import grpc


def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def key(field, wire_type):
    return varint((field << 3) | wire_type)


def f_uint(field, v):
    return key(field, 0) + varint(v) if v else b""


def f_fixed64(field, v):
    return key(field, 1) + struct.pack("<Q", v) if v else b""


def f_fixed32(field, v):
    return key(field, 5) + struct.pack("<I", v) if v else b""


def f_bytes(field, b):
    return key(field, 2) + varint(len(b)) + b if b else b""


# IOAMNode field numbers, as published.
NODE_UINT_FIELDS = {
    "HopLimit": 1, "Id": 2, "IngressId": 3, "EgressId": 4, "TimestampSecs": 5,
    "TimestampFrac": 6, "TransitDelay": 7, "QueueDepth": 8, "CsumComp": 9,
    "BufferOccupancy": 10, "IngressIdWide": 11, "EgressIdWide": 12, "IdWide": 13,
}


def encode_node(n):
    out = b""
    for name, num in NODE_UINT_FIELDS.items():
        out += f_uint(num, int(n.get(name, 0)))
    out += f_bytes(14, bytes.fromhex(n.get("NamespaceData", "")))
    out += f_bytes(15, bytes.fromhex(n.get("NamespaceDataWide", "")))
    return out


def encode_trace(r):
    tid = bytes.fromhex(r.get("trace_id", "0" * 32))
    sid = bytes.fromhex(r.get("span_id", "0" * 16))
    out = f_fixed64(1, int.from_bytes(tid[:8], "big"))
    out += f_fixed64(2, int.from_bytes(tid[8:], "big"))
    out += f_fixed64(3, int.from_bytes(sid, "big"))
    out += f_uint(4, int(r.get("namespace", 123)))
    out += f_fixed32(5, int(str(r.get("trace_type", "0xf60000")), 0) << 8)
    for n in r.get("nodes", []):
        out += f_bytes(6, encode_node(n))
    return out


def main():
    target, scenario_path = sys.argv[1], sys.argv[2]
    with open(scenario_path) as f:
        scenario = json.load(f)
    messages = [encode_trace(r) for r in scenario.get("reports", [])]
    if "raw_bytes" in scenario:
        messages.append(bytes.fromhex(scenario["raw_bytes"]))
    channel = grpc.insecure_channel(target)
    report = channel.stream_unary(
        "/ioam_api.IOAMService/Report",
        request_serializer=lambda b: b,
        response_deserializer=lambda b: b,
    )
    try:
        reply = report(iter(messages), timeout=30)
        print("OK", len(reply))
        return 0
    except grpc.RpcError as e:
        print(e.code().name, e.details())
        return 1


if __name__ == "__main__":
    sys.exit(main())
