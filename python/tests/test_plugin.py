"""The plugin's own tests: the fixtures against the real binary, over HTTP on loopback."""

import os
import subprocess
import time
import urllib.error
import urllib.request

import pytest
import requests

from cloudpartner_mock import server

Q = {"api-version": "2017-10-31"}
AUTH = {"Authorization": "Bearer contoso-token"}


def golive_url(mock, offer):
    return f"{mock.base_url}/api/publishers/contoso/offers/{offer}/golive"


def test_a_go_live_is_accepted_and_its_operation_polled_to_the_end(cloudpartner_mock):
    started = requests.post(golive_url(cloudpartner_mock, "ready-to-go-live"), params=Q, headers=AUTH)

    assert started.status_code == 202
    location = started.headers["Location"]
    assert started.headers["Operation-Location"].startswith(cloudpartner_mock.base_url)
    operation = requests.get(cloudpartner_mock.base_url + location, headers=AUTH).json()
    assert operation["status"] == "complete"
    entry = cloudpartner_mock.control.requests(method="POST")[0]
    assert entry["status"] == 202
    assert entry["operationId"] == operation["id"]


def test_each_test_starts_from_the_fixtures(cloudpartner_mock):
    # The test above made the version live; the reset brought it back to preview.
    again = requests.post(golive_url(cloudpartner_mock, "ready-to-go-live"), params=Q, headers=AUTH)

    assert again.status_code == 202
    assert cloudpartner_mock.control.journal()["count"] == 1


def test_the_control_client_drives_faults_the_clock_and_operations(cloudpartner_mock):
    control = cloudpartner_mock.control
    rule = control.add_fault(
        {"match": {"method": "POST", "offer": "slow-golive"}, "respond": {"status": 503}, "times": 1}
    )
    since = control.journal()["lastSeq"]

    refused = requests.post(golive_url(cloudpartner_mock, "slow-golive"), params=Q, headers=AUTH)
    accepted = requests.post(golive_url(cloudpartner_mock, "slow-golive"), params=Q, headers=AUTH)

    assert (refused.status_code, accepted.status_code) == (503, 202)
    newest_first = control.requests(since=since)
    assert [r["status"] for r in newest_first] == [202, 503]
    assert newest_first[1]["faultRule"] == rule
    assert newest_first[1]["errorCode"] == "ServiceUnavailable"
    # The session runs at time scale 0: even the slow go-live has ended; force-complete is
    # refused on an ended operation.
    operation = control.operations(offer="slow-golive", type="goLive")[0]
    assert operation["status"] == "complete"
    assert control.advance_clock(60)["offsetSeconds"] >= 60


def test_wait_answers_when_the_condition_holds_and_events_stream_what_happened(cloudpartner_mock):
    control = cloudpartner_mock.control
    started = requests.post(golive_url(cloudpartner_mock, "ready-to-go-live"), params=Q, headers=AUTH)
    operation_id = started.headers["Location"].split("?")[0].rsplit("/", 1)[1]

    waited = control.wait(operation={"id": operation_id, "status": "complete"}, timeout_ms=5000)
    not_met = control.wait(requests={"method": "DELETE", "count": 1}, timeout_ms=50)
    events = list(control.events(since=0, timeout_ms=0))
    with_requests = list(control.events(since=0, timeout_ms=0, requests=True))

    assert waited["met"] is True
    assert not_met["met"] is False
    kinds = [event["event"] for event in events]
    assert "operation.started" in kinds and "operation.ended" in kinds, kinds
    started_event = next(e for e in events if e["event"] == "operation.started")
    assert started_event["data"]["operationId"] == operation_id
    assert isinstance(started_event["id"], int)
    assert "request.answered" not in kinds
    assert any(e["event"] == "request.answered" for e in with_requests)


def test_the_ca_is_there_for_https_clients(cloudpartner_mock):
    with open(cloudpartner_mock.ca_path) as pem:
        assert pem.read().startswith("-----BEGIN CERTIFICATE-----")


def test_the_session_stops_the_server_at_its_end(pytester):
    pytester.makepyfile(
        """
        def test_note_the_address(cloudpartner_mock):
            with open("base_url", "w") as out:
                out.write(cloudpartner_mock.base_url)
        """
    )
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1)
    base_url = (pytester.path / "base_url").read_text()
    deadline = time.monotonic() + 10
    while True:
        try:
            urllib.request.urlopen(base_url + "/_mock/health", timeout=1)
        except (urllib.error.URLError, OSError):
            break
        assert time.monotonic() < deadline, f"{base_url} still answers after the session"
        time.sleep(0.05)


def test_a_broken_server_setting_is_reported_not_hung(pytester):
    pytester.makeini("[pytest]\ncloudpartner_mock_args = --time-scale=-1\n")
    pytester.makepyfile(
        """
        def test_uses_the_mock(cloudpartner_mock):
            pass
        """
    )
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*cloudpartner-mock exited*time-scale*"])


def test_worlds_keep_parallel_tests_apart(cloudpartner_mock):
    base_a, control_a = cloudpartner_mock.world("py-a")
    base_b, control_b = cloudpartner_mock.world("py-b")

    in_a = requests.post(
        f"{base_a}/api/publishers/contoso/offers/ready-to-go-live/golive", params=Q, headers=AUTH
    )
    in_b = requests.post(
        f"{base_b}/api/publishers/contoso/offers/ready-to-go-live/golive", params=Q, headers=AUTH
    )

    assert (in_a.status_code, in_b.status_code) == (202, 202)
    assert in_a.headers["Location"].startswith("/_world/py-a/api/")
    assert control_a.journal()["count"] == 1
    assert control_b.requests()[0]["operationId"] != control_a.requests()[0]["operationId"]
    assert cloudpartner_mock.control.journal()["count"] == 0
    names = [w["name"] for w in cloudpartner_mock.control.worlds()["worlds"]]
    assert names[0] == "default" and {"py-a", "py-b"} <= set(names)
    control_a.delete_world("py-a")
    control_b.delete_world("py-b")


def test_the_binary_installed_with_the_package_comes_before_path(tmp_path, monkeypatch):
    bundled = server.bundled_binary()
    if bundled is None:
        # .ci/run installs the wheel and sets this: there, a missing binary is a failure.
        assert not os.environ.get("CLOUDPARTNER_MOCK_EXPECT_BUNDLED"), "the wheel's binary is missing"
        pytest.skip("this install of the package carries no binary (a source tree)")
    elsewhere = tmp_path / "cloudpartner-mock"
    elsewhere.write_text("#!/bin/sh\nexit 3\n")
    elsewhere.chmod(0o755)
    monkeypatch.delenv("CLOUDPARTNER_MOCK_BIN", raising=False)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")

    assert server.find_binary() == bundled
    version = subprocess.run([bundled, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith("cloudpartner-mock ")
    # A binary named outright still wins.
    monkeypatch.setenv("CLOUDPARTNER_MOCK_BIN", str(elsewhere))
    assert server.find_binary() == str(elsewhere)


def test_the_conformance_report_judges_the_client(cloudpartner_mock):
    started = requests.post(golive_url(cloudpartner_mock, "ready-to-go-live"), params=Q, headers=AUTH)
    assert started.status_code == 202
    report = cloudpartner_mock.control.conformance()
    rules = {rule["id"]: rule for rule in report["rules"]}
    assert rules["client.operation-abandoned"]["status"] == "violated"
    assert rules["client.operation-abandoned"]["violations"][0]["seqs"] == [1]
    requests.get(cloudpartner_mock.base_url + started.headers["Location"], headers=AUTH)
    report = cloudpartner_mock.control.conformance(poll_interval_ms=5000)
    assert report["pollIntervalMs"] == 5000
    assert {rule["id"]: rule["status"] for rule in report["rules"]}["client.operation-abandoned"] == "passed"


def test_a_violated_rule_fails_the_session_at_the_chosen_severity(pytester):
    pytester.makepyfile(
        """
        import requests

        def test_fire_and_forget(cloudpartner_mock):
            url = cloudpartner_mock.base_url + "/api/publishers/contoso/offers/ready-to-go-live/golive"
            answer = requests.post(url, params={"api-version": "2017-10-31"},
                                   headers={"Authorization": "Bearer t"})
            assert answer.status_code == 202
        """
    )
    failed = pytester.runpytest_subprocess("--cloudpartner-mock-fail-on=warning")
    failed.assert_outcomes(passed=1)
    assert failed.ret == pytest.ExitCode.TESTS_FAILED
    failed.stdout.fnmatch_lines(
        [
            "*cloudpartner-mock: client rules violated*",
            "*test_fire_and_forget: client.operation-abandoned (warning): POST *golive started operation*(seq 1)",
        ]
    )
    # The same traffic breaks no rule of severity error.
    passed = pytester.runpytest_subprocess("--cloudpartner-mock-fail-on=error")
    assert passed.ret == pytest.ExitCode.OK
