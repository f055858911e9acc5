"""Checks the JSON summary of `clt demo --requests N --exit --json`.

Every request has its two sub-requests (/check, /validate); every sub-request
has network data whose hops are in path order (athos > porthos > aramis, hop
numbers increasing) with a delay on every hop after the first. With --slowest
LINK, that link is each request's slowest and its delay is at least
--min-delay-us on every sub-request. With --queue-at NODE, that node reports
a non-zero queue depth on every sub-request. With --zero-code, the run was
`--zero-code` and every sub-request also has its response path (aramis >
porthos > athos); with --slowest-back LINK, that link of the response path is
each request's slowest (direction response), at least --min-delay-us.
"""
import argparse
import json
import sys

PATH = ["athos", "porthos", "aramis"]
BACK = list(reversed(PATH))


def fail(msg):
    print("check_summary: " + msg, file=sys.stderr)
    sys.exit(1)


def check_path(where, hops, expected):
    nodes = [h.get("node") for h in hops]
    if nodes != expected:
        fail(where + ": hops %r, expected %r" % (nodes, expected))
    numbers = [h.get("hop") for h in hops]
    if numbers != sorted(numbers) or len(set(numbers)) != len(numbers):
        fail(where + ": hop numbers not in path order: %r" % numbers)
    for h in hops[1:]:
        if not isinstance(h.get("delay_us"), int) or h["delay_us"] < 0:
            fail(where + ": hop %s has no delay" % h.get("node"))


def check_slowest(where, hops, link_text, min_delay_us):
    frm, to = [x.strip() for x in link_text.split(">")]
    link = [h for i, h in enumerate(hops) if i > 0 and hops[i - 1]["node"] == frm and h["node"] == to]
    if not link:
        fail(where + ": no %s hop" % link_text)
    if link[0]["delay_us"] < min_delay_us:
        fail(where + ": %s delay %d us < %d us" % (link_text, link[0]["delay_us"], min_delay_us))
    others = [h["delay_us"] for h in hops[1:] if h is not link[0]]
    if any(d >= link[0]["delay_us"] for d in others):
        fail(where + ": %s is not the slowest hop: %r" % (link_text, [(h["node"], h["delay_us"]) for h in hops]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("summary")
    ap.add_argument("--requests", type=int, required=True)
    ap.add_argument("--slowest")
    ap.add_argument("--min-delay-us", type=int, default=0)
    ap.add_argument("--queue-at", help="node whose queue depth must be > 0 on every sub-request")
    ap.add_argument("--encap", default="ebpf", help="encapsulation path the demo must report")
    ap.add_argument("--zero-code", action="store_true", help="the run was --zero-code: responses too")
    ap.add_argument("--slowest-back", help="the response path's link that must be the slowest")
    args = ap.parse_args()

    with open(args.summary) as f:
        summary = json.load(f)
    if summary.get("ok") is not True:
        fail("summary says not ok: %s" % summary.get("error"))
    if bool(summary.get("zero_code")) != args.zero_code:
        fail("zero_code %r, expected %r" % (summary.get("zero_code"), args.zero_code))
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
            check_path(where, hops, PATH)
            if args.zero_code:
                back = (s.get("response") or {}).get("hops", [])
                check_path(where + " response", back, BACK)
                if args.slowest_back:
                    check_slowest(where + " response", back, args.slowest_back, args.min_delay_us)
            if args.queue_at:
                depth = [h.get("queue_depth") for h in hops if h["node"] == args.queue_at]
                if not depth or not isinstance(depth[0], int) or depth[0] <= 0:
                    fail(where + ": no queue at %s: %r" % (args.queue_at, depth))
            if args.slowest:
                check_slowest(where, hops, args.slowest, args.min_delay_us)
        for link, direction in ((args.slowest, "request"), (args.slowest_back, "response")):
            if not link:
                continue
            slowest = r.get("slowest_hop") or {}
            if slowest.get("link") != link or slowest.get("direction") != direction:
                fail("%s: slowest hop is %r (%s), expected %s (%s)" %
                     (tid, slowest.get("link"), slowest.get("direction"), link, direction))


main()
