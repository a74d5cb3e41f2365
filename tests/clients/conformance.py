"""Prints the conformance report (/_mock/conformance, docs/conformance.md) of what a real client
just did against the mock at BASE_URL, then empties the journal so the next client is judged on
its own requests. Usage: conformance.py BASE_URL LABEL"""

import json
import sys
import urllib.request

base_url, label = sys.argv[1].rstrip("/"), sys.argv[2]
# The clients' HTTPS_PROXY must not carry these calls to the mock itself.
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
with opener.open(base_url + "/_mock/conformance", timeout=10) as answer:
    report = json.load(answer)
summary = report["summary"]
print(
    f"conformance of {label} ({report['requests']} requests): {summary['passed']} passed, "
    f"{summary['violated']} violated, {summary['notExercised']} not exercised"
)
for rule in report["rules"]:
    status = {"notExercised": "not exercised"}.get(rule["status"], rule["status"])
    print(f"  {rule['id']}: {status}")
    for violation in rule["violations"]:
        seqs = ", ".join(str(seq) for seq in violation["seqs"])
        print(f"    ({rule['severity']}) {violation['sentence']} (seq {seqs})")
opener.open(urllib.request.Request(base_url + "/_mock/journal", method="DELETE"), timeout=10)
