"""Checks the JSON summary of `clt demo --requests N --exit --json`.

Every request has its two sub-requests (/check, /validate); every sub-request
has network data whose hops are in path order (athos > porthos > aramis, hop
numbers increasing) with a delay on every hop after the first. With --slowest
LINK, that link is each request's slowest and its delay is at least
--min-delay-us on every sub-request. With --queue-at NODE, that node reports
a non-zero queue depth on every sub-request.
"""
import argparse
import json
import sys

PATH = ["athos", "porthos", "aramis"]


def fail(msg):
    print("check_summary: " + msg, file=sys.stderr)
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("summary")
    ap.add_argument("--requests", type=int, required=True)
    ap.add_argument("--slowest")
    ap.add_argument("--min-delay-us", type=int, default=0)
    ap.add_argument("--queue-at", help="node whose queue depth must be > 0 on every sub-request")
    ap.add_argument("--encap", default="ebpf", help="encapsulation path the demo must report")
    args = ap.parse_args()

    with open(args.summary) as f:
        summary = json.load(f)
    if summary.get("ok") is not True:
        fail("summary says not ok: %s" % summary.get("error"))
    if summary.get("encap") != args.encap:
        fail("encapsulation %r, expected %r" % (summary.get("encap"), args.encap))
    requests = summary.get("requests", [])
    if len(requests) != args.requests:
        fail("expected %d requests, got %d" % (args.requests, len(requests)))
    trace_ids = set()
    for r in requests:
        tid = r.get("trace_id", "")
        if len(tid) != 32 or tid in trace_ids:
            fail("bad or repeated trace id %r" % tid)
        trace_ids.add(tid)
        subs = r.get("sub_requests", [])
        if [s.get("name") for s in subs] != ["/check", "/validate"]:
            fail("%s: sub-requests %r" % (tid, [s.get("name") for s in subs]))
        for s in subs:
            where = "%s %s" % (tid, s["name"])
            if not s.get("has_network"):
                fail(where + ": no network data")
            if s.get("duration_ms", 0) <= 0:
                fail(where + ": no duration")
            hops = s.get("hops", [])
            nodes = [h.get("node") for h in hops]
            if nodes != PATH:
                fail(where + ": hops %r, expected %r" % (nodes, PATH))
            numbers = [h.get("hop") for h in hops]
            if numbers != sorted(numbers) or len(set(numbers)) != len(numbers):
                fail(where + ": hop numbers not in path order: %r" % numbers)
            for h in hops[1:]:
                if not isinstance(h.get("delay_us"), int) or h["delay_us"] < 0:
                    fail(where + ": hop %s has no delay" % h.get("node"))
            if args.queue_at:
                depth = [h.get("queue_depth") for h in hops if h["node"] == args.queue_at]
                if not depth or not isinstance(depth[0], int) or depth[0] <= 0:
                    fail(where + ": no queue at %s: %r" % (args.queue_at, depth))
            if args.slowest:
                frm, to = [x.strip() for x in args.slowest.split(">")]
                link = [h for i, h in enumerate(hops) if i > 0 and hops[i - 1]["node"] == frm and h["node"] == to]
                if not link:
                    fail(where + ": no %s hop" % args.slowest)
                if link[0]["delay_us"] < args.min_delay_us:
                    fail(where + ": %s delay %d us < %d us" % (args.slowest, link[0]["delay_us"], args.min_delay_us))
                others = [h["delay_us"] for h in hops[1:] if h is not link[0]]
                if any(d >= link[0]["delay_us"] for d in others):
                    fail(where + ": %s is not the slowest hop: %r" % (args.slowest, [(h["node"], h["delay_us"]) for h in hops]))
        if args.slowest:
            slowest = r.get("slowest_hop") or {}
            if slowest.get("link") != args.slowest:
                fail("%s: slowest hop is %r, expected %s" % (tid, slowest.get("link"), args.slowest))


main()
