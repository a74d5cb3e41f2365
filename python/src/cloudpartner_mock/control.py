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

    def call(self, method, path, body=None, query=None):
        """``method path?query`` with a JSON ``body``; the JSON answer (``None`` if empty)."""
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
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                text = response.read()
        except urllib.error.HTTPError as error:
            text = error.read()
            try:
                answer = json.loads(text)
            except ValueError:
                answer = text.decode(errors="replace")
            raise ControlError(method, path, error.code, answer) from None
        return json.loads(text) if text else None

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
