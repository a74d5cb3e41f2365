#!/usr/bin/env python3
"""The cost of a writing request with --state-file, by how many operations the state keeps.

    python3 bench/state_file.py target/release/cloudpartner-mock 1000000 [WRITES]

Starts the binary on bench/fixtures (time scale 0, a state file in a temporary directory, a
free loopback port) and makes the state hold N operations: go-lives of bench/golive-loop
(each fails at once, so the next is accepted), sent on 8 connections. Then, one request at a
time on one connection, at the client:

- "steady": WRITES go-lives (default 2000) with no compaction running;
- "compacting": go-lives sent while a compaction runs (started with
  POST /_mock/state-file/compact, again and again until WRITES of them are timed);
- "start": the time from starting the binary on the files left to its first answer (the
  snapshot and the log read back), and its peak RSS then.

Prints p50 and p99 of each, the files' sizes and the compactions seen. A binary without
/_mock/state-file (one that rewrote the whole state on every change) gets "steady" and
"start" only.

    python3 bench/state_file.py target/release/cloudpartner-mock 1000000 --worst-start

measures the longest start instead: N/2 go-lives folded into a snapshot, then go-lives until
the log has outgrown it and a compaction starts on its own, a SIGKILL then, and the start on
what is left (the snapshot and a log as large as it). It also checks that every go-live
answered 202 is there after the restart. Traffic stays on 127.0.0.1.
"""

import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

GOLIVE = "/api/publishers/bench/offers/golive-loop/golive?api-version=2017-10-31"
HEADERS = {"Authorization": "Bearer bench-token", "Content-Length": "0"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(binary, port, work):
    """Starts the server; gives it and the seconds to its first answer."""
    started = time.perf_counter()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--time-scale", "0", "--log-level", "warn",
         "--fixtures", "bench/fixtures", "--journal-capacity", "0",
         "--state-file", f"{work}/state.json", "--ca-dir", f"{work}/ca"]
    )
    while True:
        if server.poll() is not None:
            sys.exit(f"the server stopped: {server.returncode}")
        try:
            probe = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
            probe.request("GET", "/_mock/health")
            probe.getresponse().read()
            probe.close()
            return server, time.perf_counter() - started
        except OSError:
            time.sleep(0.005)


def go_live(connection):
    connection.request("POST", GOLIVE, headers=HEADERS)
    answer = connection.getresponse()
    answer.read()
    if answer.status != 202:
        sys.exit(f"go-live: {answer.status}")


def timed(connection):
    started = time.perf_counter()
    go_live(connection)
    return (time.perf_counter() - started) * 1000


def control(connection, method, path):
    connection.request(method, path, headers={"Content-Length": "0"})
    answer = connection.getresponse()
    body = answer.read()
    return answer.status, (json.loads(body) if body else None)


def fill(port, count):
    """Sends `count` go-lives on 8 connections."""
    def worker(n):
        connection = http.client.HTTPConnection("127.0.0.1", port)
        for _ in range(n):
            go_live(connection)
    share = [count // 8 + (1 if i < count % 8 else 0) for i in range(8)]
    threads = [threading.Thread(target=worker, args=(n,)) for n in share]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def settle(connection):
    """Waits until no compaction runs; gives the state file's status (None without one)."""
    while True:
        status, body = control(connection, "GET", "/_mock/state-file")
        if status != 200:
            return None
        if not body["compacting"]:
            return body
        time.sleep(0.05)


def percentiles(latencies):
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (f"p50 {statistics.median(ordered):.2f} ms, p99 {p99:.2f} ms, max {ordered[-1]:.2f} ms "
            f"({len(ordered)} requests)")


def rss_peak_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def operations(port):
    probe = http.client.HTTPConnection("127.0.0.1", port)
    return control(probe, "GET", "/_mock/health")[1]["operations"]


def worst_start(binary, target):
    work = tempfile.mkdtemp(prefix="cppmock-state-")
    port = free_port()
    server, _ = start(binary, port, work)
    try:
        fill(port, target // 2)
        watcher = http.client.HTTPConnection("127.0.0.1", port)
        control(watcher, "POST", "/_mock/state-file/compact")
        settle(watcher)
        answered = [0]
        stop = threading.Event()

        def worker():
            connection = http.client.HTTPConnection("127.0.0.1", port)
            while not stop.is_set():
                try:
                    go_live(connection)
                except (OSError, http.client.HTTPException):
                    return
                answered[0] += 1

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for thread in threads:
            thread.start()
        while True:
            _, seen = control(watcher, "GET", "/_mock/state-file")
            if seen["compacting"]:
                break
            time.sleep(0.02)
        server.kill()
        server.wait()
        stop.set()
        for thread in threads:
            thread.join()
        sizes = {name: os.path.getsize(f"{work}/{name}") for name in os.listdir(work)
                 if name.startswith("state.json")}
        shown = ", ".join(f"{name} {size / 2**20:.1f} MiB" for name, size in sorted(sizes.items()))
        server, took = start(binary, port, work)
        kept = operations(port)
        made = target // 2 + answered[0]
        print(f"killed during a compaction after {made} go-lives answered 202; "
              f"files: {shown}")
        print(f"  start:      {took:.2f} s to the first answer, peak RSS "
              f"{rss_peak_mib(server.pid):.0f} MiB; {kept} operations read back")
        if kept < made:
            sys.exit(f"{made - kept} answered go-lives lost")
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)


def main():
    binary, target = sys.argv[1], int(sys.argv[2])
    if "--worst-start" in sys.argv[3:]:
        return worst_start(binary, target)
    writes = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
    work = tempfile.mkdtemp(prefix="cppmock-state-")
    port = free_port()
    server, _ = start(binary, port, work)
    try:
        filled = time.perf_counter()
        fill(port, target)
        filled = time.perf_counter() - filled
        connection = http.client.HTTPConnection("127.0.0.1", port)
        watcher = http.client.HTTPConnection("127.0.0.1", port)
        before = settle(watcher)
        print(f"{target} operations kept (made in {filled:.0f} s)")
        steady = [timed(connection) for _ in range(writes)]
        print(f"  steady:     {percentiles(steady)}")
        if before is not None:
            during, rounds = [], 0
            while len(during) < writes:
                status, _ = control(watcher, "POST", "/_mock/state-file/compact")
                rounds += 1
                while True:
                    during.append(timed(connection))
                    if len(during) % 10 == 0:
                        _, seen = control(watcher, "GET", "/_mock/state-file")
                        if not seen["compacting"]:
                            break
            after = settle(watcher)
            print(f"  compacting: {percentiles(during)}; {rounds} compactions started by the "
                  f"benchmark, {after['compactions']} in all, the last took "
                  f"{after['lastCompactionMs']:.0f} ms")
        sizes = {name: os.path.getsize(f"{work}/{name}") for name in os.listdir(work)
                 if name.startswith("state.json")}
        server.terminate()
        server.wait()
        shown = ", ".join(f"{name} {size / 2**20:.1f} MiB" for name, size in sorted(sizes.items()))
        server, took = start(binary, port, work)
        print(f"  start:      {took:.2f} s to the first answer, peak RSS "
              f"{rss_peak_mib(server.pid):.0f} MiB; files: {shown}")
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
