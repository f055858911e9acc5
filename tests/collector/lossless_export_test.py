#!/usr/bin/python3
"""Runs lossless_export.js against a `clt collector` that stores the SDK's
spans and exports them again (--export-app-spans) to the script's receiver.
usage: lossless_export_test.py CLT_BINARY"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from collector_harness import Collector, free_port  # noqa: E402


def main():
    work = tempfile.mkdtemp(prefix="clt-collector-lossless-")
    receiver = free_port()
    col = Collector(sys.argv[1], work, ["--otlp-endpoint", "http://127.0.0.1:%d" % receiver,
                                        "--export-app-spans"])
    try:
        col.start()
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lossless_export.js")
        return subprocess.call(["node", script, str(col.otlp_http), str(receiver), str(col.query)],
                               timeout=120)
    finally:
        col.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
