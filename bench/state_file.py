#!/usr/bin/env python3
"""The cost of a writing request with --state-file, by how many operations the state keeps.

    python3 bench/state_file.py target/release/cloudpartner-mock 1000

Starts the binary (time scale 0, a state file in a temporary directory, a free loopback
port), makes the state hold N operations (publish then go-live of contoso/draft-offer, two
operations a round), then times 100 more writing requests at the client and prints the state
file's size and their p50 and p99. Traffic stays on 127.0.0.1.
"""

import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    binary, target = sys.argv[1], int(sys.argv[2])
    work = tempfile.mkdtemp(prefix="cppmock-state-")
    port = free_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--time-scale", "0", "--log-level", "warn",
         "--state-file", f"{work}/state.json", "--ca-dir", f"{work}/ca"]
    )
    try:
        for _ in range(600):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        connection = http.client.HTTPConnection("127.0.0.1", port)

        def post(path):
            connection.request(
                "POST",
                path + "?api-version=2017-10-31",
                headers={"Authorization": "Bearer t", "Content-Length": "0"},
            )
            answer = connection.getresponse()
            answer.read()
            if answer.status != 202:
                sys.exit(f"{path}: {answer.status}")

        offer = "/api/publishers/contoso/offers/draft-offer"
        kept = 0
        while kept < target:
            post(offer + "/publish")
            post(offer + "/golive")
            kept += 2
        latencies = []
        for i in range(100):
            started = time.perf_counter()
            post(offer + ("/publish" if i % 2 == 0 else "/golive"))
            latencies.append((time.perf_counter() - started) * 1000)
        latencies.sort()
        size = os.path.getsize(f"{work}/state.json")
        print(
            f"{target} operations kept: state file {size // 1024} KiB; writing request "
            f"p50 {statistics.median(latencies):.2f} ms, p99 {latencies[98]:.2f} ms"
        )
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
