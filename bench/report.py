"""Turns oha's JSON results into the benchmark table; fails when an answer had the wrong
status.

usage: report.py RESULTS_DIR
RESULTS_DIR holds one `<workload>.<conns>.<server>.json` (oha output) per run, with a
`.cpu` file beside it (server CPU seconds / wall seconds) and `expected.<workload>`
holding the status every answer must have.
"""
import json
import pathlib
import sys

results = pathlib.Path(sys.argv[1])
rows = {}
bad = []
for path in sorted(results.glob("*.json")):
    workload, conns, server = path.name[: -len(".json")].split(".")
    data = json.loads(path.read_text())
    summary = data["summary"]
    statuses = data.get("statusCodeDistribution", {})
    expected = (results / f"expected.{workload}").read_text().strip()
    wrong = {code: n for code, n in statuses.items() if code != expected}
    # Requests cut off when the run's time is up are not answers.
    errors = {e: n for e, n in data.get("errorDistribution", {}).items() if e != "aborted due to deadline"}
    if wrong or errors or not statuses:
        bad.append(f"{path.name}: expected only {expected}, got {statuses} errors {errors}")
    ok = statuses.get(expected, 0)
    seconds = summary.get("total") or 1
    cpu = float((results / (path.name[: -len(".json")] + ".cpu")).read_text())
    lat = data["latencyPercentiles"]
    rows[(workload, conns, server)] = {
        "rps": ok / seconds,
        "p50": (lat.get("p50") or 0) * 1000,
        "p99": (lat.get("p99") or 0) * 1000,
        "cpu": cpu,
    }

print("| workload | conns | server | req/s | p50 ms | p99 ms | server CPU | vs bare-hyper |")
print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |")
for (workload, conns, server), r in sorted(rows.items(), key=lambda kv: (kv[0][0], int(kv[0][1]), kv[0][2] != "mock")):
    base = rows.get((workload, conns, "bare"))
    ratio = f"{r['rps'] / base['rps']:.2f}x" if base and base["rps"] else "-"
    print(f"| {workload} | {conns} | {server} | {r['rps']:.0f} | {r['p50']:.3f} | {r['p99']:.3f} | {r['cpu']:.2f} | {ratio} |")

if bad:
    print("\nWRONG ANSWERS:", *bad, sep="\n  ")
    sys.exit(1)
