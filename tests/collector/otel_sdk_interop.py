#!/usr/bin/python3
"""Runs otel_sdk_interop.js against a fresh `clt collector`.
usage: otel_sdk_interop.py CLT_BINARY"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from collector_harness import Collector  # noqa: E402


def main():
    work = tempfile.mkdtemp(prefix="clt-collector-interop-")
    col = Collector(sys.argv[1], work)
    try:
        col.start()
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "otel_sdk_interop.js")
        rc = subprocess.call(["node", script, str(col.otlp_http), str(col.otlp_grpc), str(col.query)],
                             timeout=120)
        return rc
    finally:
        col.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
