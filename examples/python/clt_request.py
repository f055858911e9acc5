#!/usr/bin/python3
"""Sends one request with CLT on, through libclt.so with ctypes.

The request's packets carry the given OpenTelemetry trace and span ids in
their IOAM option, so the IOAM nodes on the path report them.

    clt_request.py [--udp] [--library PATH] ADDRESS PORT TRACE_ID SPAN_ID [MESSAGE]

Needs CAP_NET_RAW. The library is found through --library, $CLT_LIBRARY, or
the dynamic loader's path (libclt.so).
"""
import argparse
import ctypes
import os
import socket
import sys


class Clt:
    """Thin wrapper over the C ABI of include/clt.h."""

    OK = 0
    OUTSIDE_DOMAIN = 1

    def __init__(self, path):
        self._lib = ctypes.CDLL(path, use_errno=True)
        self._lib.clt_enable.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_char_p]
        self._lib.clt_disable.argtypes = [ctypes.c_int]
        self._lib.clt_strerror.argtypes = [ctypes.c_int]
        self._lib.clt_strerror.restype = ctypes.c_char_p

    def _check(self, rc, what):
        if rc < 0:
            raise OSError(-rc, f"{what}: {self._lib.clt_strerror(rc).decode()}")
        return rc

    def enable(self, sock, trace_id: bytes, span_id: bytes):
        if len(trace_id) != 16 or len(span_id) != 8:
            raise ValueError("trace id is 16 bytes, span id 8")
        return self._check(self._lib.clt_enable(sock.fileno(), trace_id, span_id), "clt_enable")

    def disable(self, sock):
        return self._check(self._lib.clt_disable(sock.fileno()), "clt_disable")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--udp", action="store_true")
    parser.add_argument("--library", default=os.environ.get("CLT_LIBRARY", "libclt.so"))
    parser.add_argument("address")
    parser.add_argument("port", type=int)
    parser.add_argument("trace_id")
    parser.add_argument("span_id")
    parser.add_argument("message", nargs="?", default="hello")
    args = parser.parse_args()

    clt = Clt(args.library)
    kind = socket.SOCK_DGRAM if args.udp else socket.SOCK_STREAM
    with socket.socket(socket.AF_INET6, kind) as sock:
        sock.settimeout(5)
        sock.connect((args.address, args.port))
        rc = clt.enable(sock, bytes.fromhex(args.trace_id), bytes.fromhex(args.span_id))
        print("clt_enable:", "outside-domain" if rc == Clt.OUTSIDE_DOMAIN else "ok")
        try:
            sock.sendall((args.message + "\n").encode())
            print("reply:", sock.recv(1024).decode(), end="")
        finally:
            clt.disable(sock)
    return 0


if __name__ == "__main__":
    sys.exit(main())
