"""Turns oha's JSON results into the benchmark table (medians over the repeated runs); fails
when an answer had the wrong status.

usage: report.py RESULTS_DIR
       report.py --median RESULTS_DIR NAME STATUS   (the median req/s of the runs NAME.*)

RESULTS_DIR holds one `<workload>.<conns>.<server>.<run>.json` (oha output) per run, with a
`.cpu` file beside it (server CPU seconds / wall seconds) and `expected.<workload>` holding
the status every answer must have.
"""
import json
import pathlib
import statistics
import sys


def run(path, expected):
    """One run's figures, and what was wrong with its answers (None if nothing)."""
    data = json.loads(path.read_text())
    statuses = data.get("statusCodeDistribution", {})
    wrong = {code: n for code, n in statuses.items() if code != expected}
    # Requests cut off when the run's time is up are not answers.
    errors = {e: n for e, n in data.get("errorDistribution", {}).items() if e != "aborted due to deadline"}
    problem = None
    if wrong or errors or not statuses:
        problem = f"{path.name}: expected only {expected}, got {statuses} errors {errors}"
    seconds = data["summary"].get("total") or 1
    lat = data["latencyPercentiles"]
    cpu_file = path.with_suffix(".cpu")
    return {
        "rps": statuses.get(expected, 0) / seconds,
        "p50": (lat.get("p50") or 0) * 1000,
        "p99": (lat.get("p99") or 0) * 1000,
        "cpu": float(cpu_file.read_text()) if cpu_file.exists() else 0.0,
    }, problem


def median_of(runs, key):
    return statistics.median(r[key] for r in runs)


if sys.argv[1] == "--median":
    results, name, expected = pathlib.Path(sys.argv[2]), sys.argv[3], sys.argv[4]
    checked = [run(p, expected) for p in sorted(results.glob(f"{name}.*.json"))]
    problems = [problem for _, problem in checked if problem]
    if problems or not checked:
        sys.exit("WRONG ANSWERS:\n  " + "\n  ".join(problems or [f"no runs named {name}"]))
    print(f"{median_of([figures for figures, _ in checked], 'rps'):.0f}")
    sys.exit(0)

results = pathlib.Path(sys.argv[1])
groups = {}
bad = []
for path in sorted(results.glob("W*.*.*.*.json")):
    workload, conns, server, _ = path.name[: -len(".json")].split(".")
    if server not in ("mock", "bare"):
        continue
    expected = (results / f"expected.{workload}").read_text().strip()
    figures, problem = run(path, expected)
    groups.setdefault((workload, conns, server), []).append(figures)
    if problem:
        bad.append(problem)

rows = {
    key: {k: median_of(runs, k) for k in ("rps", "p50", "p99", "cpu")} | {"runs": len(runs)}
    for key, runs in groups.items()
}

def per_request(r):
    """Server CPU µs per answered request."""
    return r["cpu"] / r["rps"] * 1e6 if r["rps"] else 0


# "vs bare-hyper": the ratio of req/s. "per CPU-s vs bare": the ratio of requests answered
# per second of server CPU, which still tells when the load generator, not the server, sets
# the calibration server's rate (its CPU below 1).
print(
    "| workload | conns | server | req/s | p50 ms | p99 ms | server CPU | CPU µs/req "
    "| vs bare-hyper | per CPU-s vs bare |"
)
print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for (workload, conns, server), r in sorted(rows.items(), key=lambda kv: (kv[0][0], int(kv[0][1]), kv[0][2] != "mock")):
    base = rows.get((workload, conns, "bare"))
    ratio = f"{r['rps'] / base['rps']:.2f}x" if base and base["rps"] else "-"
    mine, theirs = per_request(r), per_request(base) if base else 0
    cpu_ratio = f"{theirs / mine:.2f}x" if mine and theirs else "-"
    print(
        f"| {workload} | {conns} | {server} | {r['rps']:.0f} | {r['p50']:.3f} | {r['p99']:.3f} "
        f"| {r['cpu']:.2f} | {mine:.1f} | {ratio} | {cpu_ratio} |"
    )

if bad:
    print("\nWRONG ANSWERS:", *bad, sep="\n  ")
    sys.exit(1)
