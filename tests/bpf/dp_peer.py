#!/usr/bin/python3
"""Both ends of the datapath kernel test's transfers, through libclt.so.

    dp_peer.py serve tcp|udp PORT PHASE1_BYTES|PHASE1_DATAGRAMS
    dp_peer.py send  tcp|udp LIBRARY ADDRESS PORT TRACE SPAN PHASE1 PHASE2

The sender enables CLT with clt_enable (C ABI), sends phase 1, waits until
the server has it, disables with clt_disable and sends phase 2. With
DP_PEER_PAUSE=FILE set, a UDP sender prints "paused" after phase 1 and waits
for FILE to exist before it disables. DP_PEER_UDP_SIZE=N makes the phase-1
datagrams N bytes long (default 100). TCP: the
server answers the SHA-256 of everything it received and the sender checks
it against what it sent. UDP: every datagram is echoed. Prints one JSON line.
"""
import ctypes
import hashlib
import json
import os
import socket
import sys
import time

SO_MAX_PACING_RATE = 47  # bytes per second


def serve_tcp(port, phase1):
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("::", port))
        s.listen(1)
        print("ready", flush=True)
        conn, _ = s.accept()
        digest, total, told = hashlib.sha256(), 0, False
        while True:
            chunk = conn.recv(1 << 16)
            if not chunk:
                break
            digest.update(chunk)
            total += len(chunk)
            if not told and total >= phase1:
                conn.sendall(b"A")
                told = True
        conn.sendall(digest.hexdigest().encode())
        conn.close()


def serve_udp(port, count):
    with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
        s.bind(("::", port))
        print("ready", flush=True)
        s.settimeout(20)
        while True:
            data, peer = s.recvfrom(65536)
            s.sendto(data, peer)
            if data[:4] == b"QUIT":
                return


def send(kind, library, address, port, trace, span, phase1, phase2):
    lib = ctypes.CDLL(library)
    lib.clt_enable.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_char_p]
    lib.clt_strerror.restype = ctypes.c_char_p
    sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM if kind == "tcp" else socket.SOCK_DGRAM)
    sock.settimeout(20)
    if kind == "tcp":
        # Paced, so the capture a hop later keeps up; TCP still sends
        # segmentation-offload packets at this rate.
        sock.setsockopt(socket.SOL_SOCKET, SO_MAX_PACING_RATE, 40_000_000)
    sock.connect((address, port))
    rc = lib.clt_enable(sock.fileno(), bytes.fromhex(trace), bytes.fromhex(span))
    if rc != 0:
        print(json.dumps({"enable": rc, "error": lib.clt_strerror(rc).decode()}))
        return 1
    result = {"enable": rc}
    if kind == "tcp":
        first, second = os.urandom(phase1), os.urandom(phase2)
        sock.sendall(first)
        if sock.recv(1) != b"A":
            raise SystemExit("server did not confirm phase 1")
        result["disable"] = lib.clt_disable(sock.fileno())
        sock.sendall(second)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while len(answer) < 64:
            chunk = sock.recv(64)
            if not chunk:
                break
            answer += chunk
        result["intact"] = answer.decode() == hashlib.sha256(first + second).hexdigest()
    else:
        size = int(os.environ.get("DP_PEER_UDP_SIZE", "100"))
        for payload in [b"x" * size] * phase1:
            sock.send(payload)
            if sock.recv(65536) != payload:
                raise SystemExit("a datagram came back changed")
        pause = os.environ.get("DP_PEER_PAUSE")
        if pause:
            print("paused", flush=True)
            for _ in range(2000):
                if os.path.exists(pause):
                    break
                time.sleep(0.01)
        result["disable"] = lib.clt_disable(sock.fileno())
        for payload in [b"y" * 200] * phase2:
            sock.send(payload)
            sock.recv(2048)
        sock.send(b"QUIT" + b"z" * 296)
        sock.recv(2048)
        result["intact"] = True
    print(json.dumps(result))
    return 0


def main():
    if sys.argv[1] == "serve":
        kind, port, phase1 = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
        (serve_tcp if kind == "tcp" else serve_udp)(port, phase1)
        return 0
    _, _, kind, library, address, port, trace, span, phase1, phase2 = sys.argv
    return send(kind, library, address, int(port), trace, span, int(phase1), int(phase2))


if __name__ == "__main__":
    sys.exit(main())
