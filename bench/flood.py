#!/usr/bin/env python3
"""Floods the release binary the ways a stranger or a careless client could, and prints, per
flood, the server's peak RSS and the slowest /_mock/health answer while it ran.

    bench/flood.py                      # every flood, against target/release/cloudpartner-mock
    CPPMOCK_BIN=path bench/flood.py     # another binary
    bench/flood.py headers events       # some floods only
    bench/flood.py --check              # exit 1 unless every flood stays under 256 MiB and 1 s

Each flood runs against a fresh server on 127.0.0.1 (traffic stays on loopback), bounded in
requests and in time. Peak RSS is the kernel's high-water mark (VmHWM) of the server process;
health is asked every 50 ms on a connection of its own while the flood runs.
"""
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
BIN = os.environ.get("CPPMOCK_BIN", os.path.join(ROOT, "target", "release", "cloudpartner-mock"))
Q = "api-version=2017-10-31"
GOLIVE = f"/api/publishers/contoso/offers/ready-to-go-live/golive?{Q}"
RSS_LIMIT_MIB = 256
HEALTH_LIMIT_S = 1.0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, *args):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="flood-")
        self.proc = subprocess.Popen(
            [BIN, "--port", str(self.port), "--ca-dir", os.path.join(self.dir, "ca"),
             "--log-level", "error", *args],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.url("/_mock/health"), timeout=1).read()
                return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("the server did not start")

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def peak_rss_mib(self):
        with open(f"/proc/{self.proc.pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class HealthWatch(threading.Thread):
    """Asks /_mock/health every 50 ms, each on a new connection, until stopped."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port, self.slowest, self.failed, self.asked = port, 0.0, 0, 0
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.is_set():
            started = time.monotonic()
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=5) as s:
                    s.sendall(b"GET /_mock/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    answer = s.recv(64)
                ok = answer.startswith(b"HTTP/1.1 200")
            except OSError:
                ok = False
            self.slowest = max(self.slowest, time.monotonic() - started)
            self.asked += 1
            self.failed += 0 if ok else 1
            self.stopping.wait(0.05)


def send(port, request, read=True):
    """One request on a connection of its own; the status line, or None."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(request)
            if not read:
                return None
            data = b""
            while b"\r\n" not in data:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            return data.split(b"\r\n", 1)[0].decode(errors="replace")
    except OSError:
        return None


def keep_alive(port, requests):
    """`requests` (raw bytes each) on one keep-alive connection; the statuses."""
    statuses = []
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        f = s.makefile("rb")
        for request in requests:
            s.sendall(request)
            status = f.readline().split(b" ")[1].decode()
            length = 0
            while True:
                line = f.readline()
                if line in (b"\r\n", b""):
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            f.read(length)
            statuses.append(status)
    return statuses


def told_503(sockets):
    """How many of `sockets` were answered 503 (without sending a request, or before the
    body they announced was read)."""
    told = 0
    for s in sockets:
        try:
            s.settimeout(0.01)
            told += s.recv(64).startswith(b"HTTP/1.1 503")
        except OSError:
            pass
    return told


def in_threads(n, work):
    results = [None] * n
    def run(i):
        results[i] = work(i)
    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def request(method, path, headers=(), body=b""):
    head = f"{method} {path} HTTP/1.1\r\nHost: x\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers)
    if body or method in ("PUT", "POST"):
        head += f"Content-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


def flood_headers(port):
    """1 000 unauthenticated requests with ~370 KiB of headers, then 1 000 with 60 KiB."""
    huge = request("POST", GOLIVE, [("X-Pad", "p" * 370_000)])
    big = request("POST", GOLIVE, [("X-Pad", "p" * 60_000)])
    a = in_threads(8, lambda i: [send(port, huge) for _ in range(125)])
    b = in_threads(8, lambda i: keep_alive(port, [big] * 125))
    return 2000, {"431": sum(s is not None and " 431 " in s + " " for s in sum(a, [])),
                  "401": sum(s == "401" for s in sum(b, []))}


def flood_worlds(port):
    """8 worlds made, then 8 000 signed-in requests over them with 60 KiB of headers."""
    for n in range(8):
        send(port, request("PUT", f"/_mock/worlds/w{n}"))
    big = lambda n: request("GET", f"/_world/w{n}/api/publishers?{Q}",
                            [("Authorization", "Bearer t"), ("X-Pad", "p" * 60_000)])
    statuses = in_threads(8, lambda i: keep_alive(port, [big(i)] * 1000))
    return 8000, {"200": sum(s == "200" for s in sum(statuses, []))}


def flood_events(port):
    """A catch-all fault rule, 8 event streams reading, 2 000 requests with 60 KB paths."""
    rule = json.dumps({"match": {"path": "/api/**"}, "respond": {"status": 503}}).encode()
    send(port, request("POST", "/_mock/faults", [("Content-Type", "application/json")], rule))
    readers = []
    for _ in range(8):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(request("GET", "/_mock/events?since=0"))
        readers.append(s)
    stop = threading.Event()
    def drain(s):
        s.settimeout(0.2)
        while not stop.is_set():
            try:
                if not s.recv(1 << 16):
                    return
            except OSError:
                pass
    drainers = [threading.Thread(target=drain, args=(s,), daemon=True) for s in readers]
    for t in drainers:
        t.start()
    long = request("GET", f"/api/publishers/{'p' * 60_000}/offers?{Q}", [("Authorization", "Bearer t")])
    statuses = in_threads(8, lambda i: keep_alive(port, [long] * 250))
    stop.set()
    for s in readers:
        s.close()
    return 2000, {"503": sum(s == "503" for s in sum(statuses, []))}


def flood_stalled_bodies(port):
    """500 connections each announcing a 2 MiB body, sending most of it, and stalling 5 s."""
    head = request("PUT", f"/api/publishers/contoso/offers/x?{Q}",
                   [("Authorization", "Bearer t"), ("Content-Length", str(2 << 20))])
    head = head.replace(b"Content-Length: 0\r\n", b"")
    chunk = b"x" * ((2 << 20) - 4096)
    def open_one(_):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        try:
            s.sendall(head)
            s.settimeout(0.5)
            s.sendall(chunk)
        except OSError:
            pass
        return s
    conns = sum(in_threads(50, lambda i: [open_one(i) for _ in range(10)]), [])
    refused = told_503(conns)
    time.sleep(5)
    for s in conns:
        s.close()
    return 500, {"503 at once": refused}


def flood_connections(port):
    """5 000 connections opened and held for 5 s, sending nothing."""
    held, failed = [], 0
    for _ in range(5000):
        try:
            held.append(socket.create_connection(("127.0.0.1", port), timeout=2))
        except OSError:
            failed += 1
    time.sleep(5)
    refused = told_503(held)
    for s in held:
        s.close()
    return 5000, {"told 503": refused, "not connected": failed}


FLOODS = {
    "headers": (flood_headers, []),
    "worlds": (flood_worlds, []),
    "events": (flood_events, []),
    "stalled-bodies": (flood_stalled_bodies, ["--request-timeout", "30"]),
    "connections": (flood_connections, []),
}


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    check = "--check" in sys.argv
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    print(f"{'flood':<16} {'requests':>8} {'peak RSS':>10} {'slowest health':>15} {'health failed':>14}  answers")
    ok = True
    for name in args or FLOODS:
        flood, extra = FLOODS[name]
        server = Server(*extra)
        watch = HealthWatch(server.port)
        watch.start()
        started = time.monotonic()
        count, answers = flood(server.port)
        watch.stopping.set()
        watch.join()
        rss = server.peak_rss_mib()
        server.stop()
        took = time.monotonic() - started
        print(f"{name:<16} {count:>8} {rss:>7.1f} MiB {watch.slowest * 1000:>12.0f} ms "
              f"{watch.failed:>5} of {watch.asked:<5}  {answers} ({took:.0f} s)", flush=True)
        ok &= rss < RSS_LIMIT_MIB and watch.slowest < HEALTH_LIMIT_S and watch.failed == 0
    if check and not ok:
        sys.exit(f"a flood went past {RSS_LIMIT_MIB} MiB or {HEALTH_LIMIT_S} s, or health failed")


if __name__ == "__main__":
    main()
