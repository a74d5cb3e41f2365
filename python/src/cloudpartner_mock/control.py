"""A client of the mock's control plane (``/_mock``), on the standard library alone."""

import json
import urllib.error
import urllib.parse
import urllib.request


class ControlError(Exception):
    """A control call the mock refused: its status and JSON answer."""

    def __init__(self, method, path, status, body):
        super().__init__(f"{method} {path} answered {status}: {body}")
        self.status = status
        self.body = body


class Control:
    """The control plane of the mock at ``base_url`` (README "The control plane"); with
    ``world``, of that world only (docs/worlds.md)."""

    def __init__(self, base_url, token=None, timeout=30, world=None):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.world_name = world

    def world(self, name):
        """The control plane of the world ``name`` (made on its first call)."""
        return Control(self.base_url, token=self.token, timeout=self.timeout, world=name)

    def worlds(self):
        """The default world, then the named ones: ``{"count", "max", "worlds"}``."""
        return self.call("GET", "/_mock/worlds")

    def make_world(self, name):
        self.call("PUT", f"/_mock/worlds/{urllib.parse.quote(name)}")

    def delete_world(self, name):
        self.call("DELETE", f"/_mock/worlds/{urllib.parse.quote(name)}")

    def call(self, method, path, body=None, query=None, timeout=None):
        """``method path?query`` with a JSON ``body``; the JSON answer (``None`` if empty)."""
        request = self._request(method, path, body=body, query=query)
        with self._open(request, method, path, timeout=timeout) as response:
            text = response.read()
        return json.loads(text) if text else None

    def _request(self, method, path, body=None, query=None):
        query = {k: v for k, v in (query or {}).items() if v is not None}
        url = self.base_url + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        if self.world_name:
            request.add_header("X-Mock-World", self.world_name)
        return request

    def _open(self, request, method, path, timeout=None):
        """The response to ``request``; a refusal raises ``ControlError``."""
        try:
            return urllib.request.urlopen(request, timeout=timeout or self.timeout)
        except urllib.error.HTTPError as error:
            text = error.read()
            try:
                answer = json.loads(text)
            except ValueError:
                answer = text.decode(errors="replace")
            raise ControlError(method, path, error.code, answer) from None

    def health(self):
        return self.call("GET", "/_mock/health")

    def reset(self):
        """Back to the fixtures as loaded: offers, operations, fault rules, journal, clock."""
        self.call("POST", "/_mock/reset")

    def load_fixtures(self, documents):
        """Replaces every publisher with ``documents`` (one publisher document or a list)."""
        self.call("PUT", "/_mock/fixtures", documents)

    def journal(self, **filters):
        """The journal listing: ``requests`` (newest first), ``count``, ``dropped`` and
        ``lastSeq``. Filters: method, pathPrefix, publisher, offer, status, requestId,
        errorCode, since."""
        return self.call("GET", "/_mock/journal", query=filters)

    def requests(self, **filters):
        """The recorded requests the filters keep, newest first."""
        return self.journal(**filters)["requests"]

    def clear_journal(self):
        self.call("DELETE", "/_mock/journal")

    def add_fault(self, rule):
        """Adds a fault rule (README "Fault rules"); returns its id."""
        return self.call("POST", "/_mock/faults", rule)["id"]

    def faults(self):
        return self.call("GET", "/_mock/faults")

    def remove_fault(self, rule_id):
        self.call("DELETE", f"/_mock/faults/{urllib.parse.quote(rule_id)}")

    def clear_faults(self):
        self.call("DELETE", "/_mock/faults")

    def advance_clock(self, seconds):
        """Moves the mock's clock ahead: operations progress as if the time had passed."""
        return self.call("POST", "/_mock/clock/advance", {"seconds": seconds})

    def conformance(self, poll_interval_ms=None):
        """``GET /_mock/conformance``: per client rule (docs/conformance.md) its ``status``
        (``passed``, ``violated``, ``notExercised``), ``severity`` and ``violations`` (the
        journal's ``seqs`` and a ``sentence``)."""
        return self.call("GET", "/_mock/conformance", query={"pollIntervalMs": poll_interval_ms})

    def operations(self, **filters):
        """Every operation, newest first. Filters: publisher, offer, type, status."""
        return self.call("GET", "/_mock/operations", query=filters)["operations"]

    def complete_operation(self, operation_id):
        return self.call("POST", f"/_mock/operations/{operation_id}/complete")

    def fail_operation(self, operation_id, step, message=None):
        body = {"step": step}
        if message is not None:
            body["message"] = message
        return self.call("POST", f"/_mock/operations/{operation_id}/fail", body)

    def cancel_operation(self, operation_id):
        return self.call("POST", f"/_mock/operations/{operation_id}/cancel")

    def wait(self, timeout_ms=10_000, **condition):
        """``POST /_mock/wait`` (docs/wait.md): answers as soon as the condition holds, or when
        ``timeout_ms`` passes; the answer says whether it was ``met``. One condition, by its
        name: ``operation={"id": …, "status": "complete"}``, ``offer={…}`` or
        ``requests={"method": "POST", "count": 2}``."""
        if len(condition) != 1:
            raise ValueError("wait takes one condition: operation=, offer= or requests=")
        body = dict(condition, timeoutMs=timeout_ms)
        timeout = max(self.timeout, timeout_ms / 1000 + 5)
        return self.call("POST", "/_mock/wait", body=body, timeout=timeout)

    def events(self, since=None, timeout_ms=None, requests=False):
        """The world's events as they happen (``GET /_mock/events``, docs/events.md): yields
        ``{"id", "event", "data"}`` with ``data`` parsed; ends when the stream does (after
        ``timeout_ms``, if given) or when the caller stops iterating. ``since=0`` starts with
        the events the world keeps; ``requests=True`` adds one per request."""
        query = {"since": since, "timeoutMs": timeout_ms, "requests": "true" if requests else None}
        request = self._request("GET", "/_mock/events", query=query)
        timeout = None if timeout_ms is None else self.timeout + timeout_ms / 1000
        with self._open(request, "GET", "/_mock/events", timeout=timeout) as response:
            event = {}
            for raw in response:
                line = raw.decode().rstrip("\r\n")
                if not line:
                    if "event" in event:
                        event["data"] = json.loads(event["data"]) if event.get("data") else None
                        yield event
                    event = {}
                elif line.startswith(":"):
                    continue
                else:
                    key, _, value = line.partition(":")
                    value = value[1:] if value.startswith(" ") else value
                    if key == "id":
                        event["id"] = int(value)
                    elif key in ("event", "data"):
                        event[key] = value
