"""Checks, through the collector's query API, the traces of a zero-code run.

For each trace id given (those `clt demo --zero-code` printed), the trace
holds the Node.js services' spans as their OpenTelemetry SDK exported them
(service `api` with its server span and its two client spans, service
`backend` with a server span per client span), and every client span of the
`api` service has exactly two network spans as children: one tagged
`ioam.direction` = `request` whose hops are athos, porthos, aramis, and one
tagged `response` whose hops are aramis, porthos, athos, hop numbers
increasing along each path, every hop after the first with a delay.
usage: check_zero_code_traces.py QUERY_PORT TRACE_ID...
"""
import json
import sys
import urllib.request

REQUEST_PATH = ["athos", "porthos", "aramis"]
RESPONSE_PATH = list(reversed(REQUEST_PATH))
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg, file=sys.stderr)


def tags(span):
    return {t["key"]: t["value"] for t in span.get("tags", [])}


def parent(span):
    refs = span.get("references") or []
    return refs[0]["spanID"] if refs else ""


def check_path(where, network, spans, expected):
    hops = sorted((s for s in spans if parent(s) == network["spanID"] and tags(s).get("ioam.kind") == "hop"),
                  key=lambda s: tags(s)["ioam.hop"])
    nodes = [tags(h).get("net.node.name") for h in hops]
    if nodes != expected:
        fail("%s: hops %r, expected %r" % (where, nodes, expected))
        return
    numbers = [tags(h)["ioam.hop"] for h in hops]
    if len(set(numbers)) != len(numbers):
        fail("%s: repeated hop numbers %r" % (where, numbers))
    for h in hops[1:]:
        d = tags(h).get("ioam.delay_us")
        if not isinstance(d, int) or d < 0:
            fail("%s: hop %s has no delay" % (where, tags(h).get("net.node.name")))


def main():
    port = int(sys.argv[1])
    trace_ids = sys.argv[2:]
    if not trace_ids:
        fail("no trace id to check")
    client_spans = 0
    for tid in trace_ids:
        with urllib.request.urlopen("http://127.0.0.1:%d/api/traces/%s" % (port, tid), timeout=10) as r:
            trace = json.load(r)["data"][0]
        spans = trace["spans"]
        service = {s["spanID"]: trace["processes"][s["processID"]]["serviceName"] for s in spans}
        clients = [s for s in spans if service[s["spanID"]] == "api" and tags(s).get("span.kind") == "client"]
        servers = [s for s in spans if service[s["spanID"]] == "backend" and tags(s).get("span.kind") == "server"]
        if len(clients) != 2:
            fail("%s: %d client spans of the api service, expected 2 (/check, /validate)" % (tid, len(clients)))
        for c in clients:
            client_spans += 1
            where = "%s client span %s (%s)" % (tid, c["spanID"], tags(c).get("http.url"))
            if not any(parent(s) == c["spanID"] for s in servers):
                fail(where + ": no backend server span continues it (traceparent not propagated)")
            networks = [s for s in spans if parent(s) == c["spanID"] and tags(s).get("ioam.kind") == "network"]
            directions = sorted(str(tags(n).get("ioam.direction")) for n in networks)
            if directions != ["request", "response"]:
                fail("%s: network spans tagged ioam.direction %r, expected one request and one response"
                     % (where, directions))
            for n in networks:
                d = tags(n).get("ioam.direction")
                if n["traceID"] != c["traceID"]:
                    fail(where + ": network span in another trace")
                if d == "request":
                    check_path(where + " request", n, spans, REQUEST_PATH)
                elif d == "response":
                    check_path(where + " response", n, spans, RESPONSE_PATH)
                else:
                    # A collector that does not tell the directions apart
                    # keeps one of them: still one whole path, in its order.
                    first = [tags(s).get("net.node.name") for s in spans
                             if parent(s) == n["spanID"] and tags(s).get("ioam.hop") == 1]
                    check_path(where + " (no direction)", n, spans,
                               RESPONSE_PATH if first == ["aramis"] else REQUEST_PATH)
    if failures:
        sys.exit(1)
    print("ok: %d traces, %d client spans, each with its request and response path" %
          (len(trace_ids), client_spans))


main()
