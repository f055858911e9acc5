#!/usr/bin/python3
"""System test of --auth-token-file: the query API and /metrics answer 401
(with WWW-Authenticate: Bearer) without the bearer token or with a wrong one,
200 with it; /healthz and the UI's files stay open. Token files that are
missing, empty or not one token are refused at start with the reason.
Requests are made with curl, as a user would.

usage: auth_test.py CLT_BINARY"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from collector_harness import Collector, free_port  # noqa: E402

TOKEN = "3f9c1e0b7a5d4c2e8f6a0b1c2d3e4f5a"


def curl(url, token=None, scheme="Bearer"):
    """(status, headers as lower-case text, body)."""
    args = ["curl", "-sS", "-o", "-", "-D", "/dev/stderr", "-w", "\n%{http_code}", url]
    if token is not None:
        args[1:1] = ["-H", "Authorization: %s %s" % (scheme, token)]
    out = subprocess.run(args, capture_output=True, timeout=20)
    body, status = out.stdout.rsplit(b"\n", 1)
    return int(status), out.stderr.decode(errors="replace").lower(), body.decode(errors="replace")


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok:", what)


def refused_start(clt, work, token_file, expect):
    """The collector must exit with status 2 and say `expect`."""
    out = subprocess.run([clt, "collector", "--db", os.path.join(work, "refused.db"),
                          "--ioam-grpc", "0", "--otlp-grpc", "0", "--otlp-http", "0",
                          "--query-http", str(free_port()), "--auth-token-file", token_file],
                         capture_output=True, text=True, timeout=20)
    check(out.returncode == 2 and expect in out.stderr,
          "a bad token file is refused at start: %s" % out.stderr.strip())


def main():
    clt = sys.argv[1]
    work = tempfile.mkdtemp(prefix="clt-collector-auth-")
    token_file = os.path.join(work, "token")
    with open(token_file, "w") as f:
        f.write(TOKEN + "\n")  # the trailing newline is not part of the token
    col = Collector(clt, work, ["--auth-token-file", token_file])
    try:
        col.start()
        base = col.url("")
        for path in ["/api/services", "/api/traces?service=x", "/api/traces/0af7651916cd43dd8448eb211c80319c",
                     "/api/nothing-here", "/metrics"]:
            status, headers, body = curl(base + path)
            check(status == 401 and "www-authenticate: bearer" in headers and "bearer token" in body,
                  "%s without a token: 401, WWW-Authenticate: Bearer, %s" % (path, body.strip()))
            status, headers, _ = curl(base + path, "not-" + TOKEN)
            check(status == 401 and 'error="invalid_token"' in headers, "%s with a wrong token: 401" % path)
            status, _, _ = curl(base + path, TOKEN[:-1])
            check(status == 401, "%s with a prefix of the token: 401" % path)
            status, _, _ = curl(base + path, TOKEN, scheme="Basic")
            check(status == 401, "%s with the token under another scheme: 401" % path)
        status, _, body = curl(base + "/api/services", TOKEN)
        check(status == 200 and '"data"' in body, "/api/services with the token: 200 %s" % body.strip())
        status, _, body = curl(base + "/api/services", TOKEN, scheme="bearer")
        check(status == 200, "the scheme is case-insensitive")
        status, _, body = curl(base + "/metrics", TOKEN)
        check(status == 200 and "clt_collector_query_requests_unauthorized_total 20" in body,
              "/metrics with the token: 200, and the 20 refusals are counted")
        status, _, body = curl(base + "/healthz")
        check(status == 200 and body == "ok\n", "/healthz stays open")
        status, _, body = curl(base + "/")
        check(status == 200 and "token-dialog" in body,
              "the UI's page is served without the token (it asks for it)")
    finally:
        col.stop()
    try:
        refused_start(clt, work, os.path.join(work, "missing"), "cannot read it")
        empty = os.path.join(work, "empty")
        with open(empty, "w") as f:
            f.write("\n")
        refused_start(clt, work, empty, "is empty")
        two = os.path.join(work, "two-lines")
        with open(two, "w") as f:
            f.write("abc\ndef\n")
        refused_start(clt, work, two, "may only hold")
        refused_start(clt, work, work, "is a directory")
        print("PASS")
        return 0
    finally:
        if not os.environ.get("KEEP"):
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
