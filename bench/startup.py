"""Start-to-first-200: starts the server N times and times spawn -> first 200 on
/_mock/health. Prints the median and the spread in milliseconds.

usage: startup.py BINARY PORT N [server args...]
"""
import http.client
import statistics
import subprocess
import sys
import time

binary, port, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
extra = sys.argv[4:]
times = []
for _ in range(runs):
    started = time.perf_counter()
    proc = subprocess.Popen([binary, "--port", str(port), *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                conn.request("GET", "/_mock/health")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None:
                sys.exit(f"the server exited with {proc.returncode}")
            time.sleep(0.0005)
        times.append((time.perf_counter() - started) * 1000)
    finally:
        proc.terminate()
        proc.wait()
print(f"{statistics.median(times):.1f} {min(times):.1f} {max(times):.1f}")
