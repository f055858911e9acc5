#!/usr/bin/env bash
# `clt decode` as a user runs it: output format, error lines, exit statuses.
set -u
clt=$1
data=$2
fail=0
check() {  # check NAME COND...
  local name=$1; shift
  if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Every line is one JSON object; a valid reference frame and error lines.
"$clt" decode "$data/malformed.pcap" >"$tmp/out" 2>"$tmp/err"
check "malformed.pcap exits 0" test $? -eq 0
check "every line is JSON" /usr/bin/python3 -c '
import json,sys
for l in open(sys.argv[1]): json.loads(l)' "$tmp/out"
check "error line for the truncated IPv6 header" grep -q '{"frame": 10, "error": "truncated IPv6 header"}' "$tmp/out"
check "error line for the empty packet" grep -q '{"frame": 16, "error": "empty packet"}' "$tmp/out"
check "summary on stderr" grep -q '16 frames' "$tmp/err"

# Field set of a node follows the trace type (0xf60000 in basic-tcp.pcap).
"$clt" decode -q "$data/basic-tcp.pcap" >"$tmp/basic"
check "basic-tcp node fields" /usr/bin/python3 -c '
import json,sys
lines=[json.loads(l) for l in open(sys.argv[1])]
assert lines, "no traces"
want={"hop_limit","id","ingress_id","egress_id","timestamp_secs","timestamp_frac","namespace_data","queue_depth"}
for o in lines:
    assert o["trace_type"]=="0xf60000" and o["ids_intact"] and len(o["trace_id"])==32 and len(o["span_id"])==16, o
    for n in o["nodes"]: assert set(n)==want, n
    assert set(o)=={"frame","time","src","dst","namespace","trace_type","node_len","flags","remaining_len","trace_id","span_id","ids_intact","nodes"}, o.keys()
' "$tmp/basic"

# --layout plain: no ids.
"$clt" decode -q --layout plain "$data/basic-tcp.pcap" >"$tmp/plain"
check "--layout plain gives null ids" /usr/bin/python3 -c '
import json,sys
for l in open(sys.argv[1]):
    o=json.loads(l); assert o["trace_id"] is None and o["span_id"] is None and not o["ids_intact"]
' "$tmp/plain"

# A capture with a snap length: the same traces, the cut ones marked truncated.
if editcap -s 200 "$data/basic-tcp.pcap" "$tmp/snap.pcap" 2>/dev/null; then
  "$clt" decode -q "$tmp/snap.pcap" >"$tmp/snap"
  check "snap length: same traces, long frames truncated" /usr/bin/python3 -c '
import json,sys
whole=[json.loads(l) for l in open(sys.argv[1])]
cut=[json.loads(l) for l in open(sys.argv[2])]
assert len(cut)==len(whole) and cut, (len(cut), len(whole))
assert any(o.get("truncated") for o in cut), "nothing marked truncated"
for w,c in zip(whole,cut):
    assert "truncated" not in w, w
    c.pop("truncated", None)
    assert c==w, (c, w)
' "$tmp/basic" "$tmp/snap"
else
  check "editcap (wireshark-common) is installed" false
fi

# Files that cannot be read: non-zero status and a clear message.
"$clt" decode "$tmp/does-not-exist.pcap" >/dev/null 2>"$tmp/err1"; rc=$?
check "missing file exits non-zero" test $rc -ne 0
check "missing file says so" grep -q "cannot read" "$tmp/err1"
"$clt" decode "$data/manifest.json" >/dev/null 2>"$tmp/err2"; rc=$?
check "non-capture exits non-zero" test $rc -ne 0
check "non-capture says so" grep -q "as a capture" "$tmp/err2"
"$clt" decode --layout bogus "$data/basic-tcp.pcap" >/dev/null 2>&1; rc=$?
check "bad --layout exits non-zero" test $rc -ne 0
exit $fail
