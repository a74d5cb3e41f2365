"""schemathesis hooks for scripts/schemathesis.sh (loaded through SCHEMATHESIS_HOOKS).

The two routes that wait are bounded on every call, whatever phase made it, so that a run
cannot hang on them: a wait whose timeoutMs the server would take lasts at most 20 ms, and
every event stream ends after 50 ms (schemathesis reads an answer whole). A timeoutMs the
server must refuse (not a whole number, or over 300 000) is sent as generated.
"""

import schemathesis

WAIT_MS = 20
STREAM_MS = 50
MAX_TIMEOUT_MS = 300_000


def _takeable(value):
    if isinstance(value, bool):
        return False
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return isinstance(value, int) and 0 <= value <= MAX_TIMEOUT_MS


@schemathesis.hook
def before_call(context, case, kwargs):
    label = f"{case.operation.method.upper()} {case.operation.path}"
    if label == "POST /_mock/wait":
        body = case.body
        if isinstance(body, dict) and _takeable(body.get("timeoutMs", 10_000)):
            body["timeoutMs"] = min(body.get("timeoutMs", 10_000), WAIT_MS)
    elif label == "GET /_mock/events":
        query = case.query if isinstance(case.query, dict) else {}
        if _takeable_text(query.get("timeoutMs")):
            query["timeoutMs"] = STREAM_MS
        case.query = query


def _takeable_text(value):
    # Absent (a stream with no end) or a number the server would take: bounded.
    if value is None:
        return True
    text = str(value)
    return text.isdigit() and int(text) <= MAX_TIMEOUT_MS
