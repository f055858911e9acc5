#!/usr/bin/python3
"""Every capture in the test data decoded by `clt decode` and by tshark's own
IOAM dissector (an independent implementation), compared field by field.

usage: compare_with_tshark.py CLT_BINARY DATA_DIR
"""
import glob
import json
import os
import subprocess
import sys

# tshark field -> clt decode node field
NODE_FIELDS = {
    "ipv6.opt.ioam.trace.node.hlim": "hop_limit",
    "ipv6.opt.ioam.trace.node.id": "id",
    "ipv6.opt.ioam.trace.node.iif": "ingress_id",
    "ipv6.opt.ioam.trace.node.eif": "egress_id",
    "ipv6.opt.ioam.trace.node.tss": "timestamp_secs",
    "ipv6.opt.ioam.trace.node.tsf": "timestamp_frac",
    "ipv6.opt.ioam.trace.node.trdelay": "transit_delay",
    "ipv6.opt.ioam.trace.node.nsdata": "namespace_data",
    "ipv6.opt.ioam.trace.node.qdepth": "queue_depth",
    "ipv6.opt.ioam.trace.node.csum": "checksum_complement",
    "ipv6.opt.ioam.trace.node.id_wide": "id_wide",
    "ipv6.opt.ioam.trace.node.iif_wide": "ingress_id_wide",
    "ipv6.opt.ioam.trace.node.eif_wide": "egress_id_wide",
    "ipv6.opt.ioam.trace.node.nsdata_wide": "namespace_data_wide",
    "ipv6.opt.ioam.trace.node.bufoccup": "buffer_occupancy",
}
HEX_FIELDS = {"namespace_data", "namespace_data_wide"}


def as_list(x):
    return x if isinstance(x, list) else [x]


def flatten(node, out):
    """tshark nests some fields in subtrees; collect leaf fields."""
    for k, v in node.items():
        if isinstance(v, dict):
            if k == "Opaque State Snapshot":
                out["oss"] = {
                    "schema_id": int(v["ipv6.opt.ioam.trace.node.oss.scid"], 16),
                    "data": v.get("ipv6.opt.ioam.trace.node.oss.data", "").replace(":", ""),
                }
            else:
                flatten(v, out)
        elif k in NODE_FIELDS:
            name = NODE_FIELDS[k]
            if name in HEX_FIELDS:
                out[name] = v[2:] if v.startswith("0x") else v
            else:
                out[name] = int(v, 0)
    return out


def tshark_traces(path):
    """frame number -> list of IOAM trace dicts, as tshark dissects them."""
    raw = subprocess.run(
        ["tshark", "-r", path, "-T", "json", "--no-duplicate-keys", "-Y", "ipv6.opt.ioam.trace.ns"],
        check=True, capture_output=True, text=True).stdout
    result = {}
    for pkt in json.loads(raw or "[]"):
        layers = pkt["_source"]["layers"]
        frame = int(layers["frame"]["frame.number"])
        hopopts = layers["ipv6"]["ipv6.hopopts"]
        for opt in as_list(hopopts["ipv6.opt"]):
            if opt.get("ipv6.opt.type") != "0x31" or "Pre-allocated Trace" not in opt:
                continue
            pt = opt["Pre-allocated Trace"]
            flags = pt["ipv6.opt.ioam.trace.flags_tree"]
            data = pt.get("Trace Data", {})
            node_keys = sorted((k for k in data if k.startswith("Node ")), key=lambda k: int(k[5:]))
            nodes = [flatten(data[k], {}) for k in node_keys]
            nodes.reverse()  # tshark lists them in memory order: last node on the path first
            free = data.get("ipv6.opt.ioam.trace.free_space", "").replace(":", "")
            result.setdefault(frame, []).append({
                "namespace": int(pt["ipv6.opt.ioam.trace.ns"]),
                "node_len": int(pt["ipv6.opt.ioam.trace.nodelen"]),
                "remaining_len": int(pt["ipv6.opt.ioam.trace.remlen"]),
                "trace_type": "0x%06x" % int(pt["ipv6.opt.ioam.trace.type"], 16),
                "flags": {"overflow": flags["ipv6.opt.ioam.trace.flag.o"] == "1",
                          "loopback": flags["ipv6.opt.ioam.trace.flag.l"] == "1",
                          "active": flags["ipv6.opt.ioam.trace.flag.a"] == "1"},
                "free_space": free,
                "nodes": nodes,
            })
    return result


def clt_traces(clt, path, layout):
    out = subprocess.run([clt, "decode", "-q", "--layout", layout, path], check=True,
                         capture_output=True, text=True).stdout
    result, errors = {}, {}
    for line in out.splitlines():
        obj = json.loads(line)
        if "error" in obj:
            errors[obj["frame"]] = obj["error"]
        else:
            result.setdefault(obj["frame"], []).append(obj)
    return result, errors


def main():
    clt, data_dir = sys.argv[1], sys.argv[2]
    manifest = {m["pcap"]: m for m in json.load(open(os.path.join(data_dir, "manifest.json")))}
    failures, compared_traces, compared_nodes = [], 0, 0
    for path in sorted(glob.glob(os.path.join(data_dir, "*.pcap"))):
        name = os.path.basename(path)
        layout = manifest.get(name, {}).get("layout", "clt")
        theirs = tshark_traces(path)
        ours, errors = clt_traces(clt, path, layout)
        if name != "malformed.pcap" and set(theirs) != set(ours):
            failures.append(f"{name}: frames with IOAM differ: tshark {sorted(theirs)} clt {sorted(ours)}")
        for frame, tlist in theirs.items():
            if frame in errors:
                continue  # malformed: tshark shows what it can, clt reports the error
            olist = ours.get(frame, [])
            if len(olist) != len(tlist):
                failures.append(f"{name} frame {frame}: {len(tlist)} traces in tshark, {len(olist)} in clt")
                continue
            for t, o in zip(tlist, olist):
                compared_traces += 1
                where = f"{name} frame {frame}"
                for key in ("namespace", "node_len", "remaining_len", "trace_type", "flags"):
                    if t[key] != o[key]:
                        failures.append(f"{where}: {key} tshark={t[key]} clt={o[key]}")
                # The CLT ids are the first 24 bytes of the trace data, which
                # tshark shows as free space while RemainingLen >= 6.
                if layout == "clt" and t["remaining_len"] >= 6:
                    if o["trace_id"] != t["free_space"][:32] or o["span_id"] != t["free_space"][32:48]:
                        failures.append(f"{where}: ids tshark={t['free_space'][:48]} clt={o['trace_id']}{o['span_id']}")
                    if not o["ids_intact"]:
                        failures.append(f"{where}: ids_intact false with RemainingLen >= 6")
                elif o["trace_id"] is not None or o["ids_intact"]:
                    failures.append(f"{where}: ids reported although lost or plain")
                if len(t["nodes"]) != len(o["nodes"]):
                    failures.append(f"{where}: {len(t['nodes'])} nodes in tshark, {len(o['nodes'])} in clt")
                    continue
                for i, (tn, on) in enumerate(zip(t["nodes"], o["nodes"])):
                    compared_nodes += 1
                    if set(tn) != set(on):
                        failures.append(f"{where} node {i}: fields tshark={sorted(tn)} clt={sorted(on)}")
                    for k, v in tn.items():
                        if on.get(k) != v:
                            failures.append(f"{where} node {i}: {k} tshark={v} clt={on.get(k)}")
    for f in failures[:50]:
        print("MISMATCH", f)
    print(f"compared {compared_traces} traces and {compared_nodes} nodes; {len(failures)} mismatches")
    if compared_traces == 0:
        print("nothing compared: is tshark's IOAM dissector missing?")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
