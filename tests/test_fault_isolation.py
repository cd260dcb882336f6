"""One fault stays one fault: hostile servers and bugs in one source never take its siblings down.

Real raw TCP servers on 127.0.0.1 (tests/hostile_http.py) answer a malformed status line, an invalid chunked
body, a truncated body, a never-ending body and headers, garbage, invalid UTF-8, 100k-deep JSON, `1e400`, a
huge header, and status pages with `components: 5` or `status: []`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from tessa_tui.base.http_fetch import fetch, make_client
from tessa_tui.checks.poller import ServicePoller, run_all_once
from tessa_tui.checks.result import CheckResult
from tessa_tui.checks.service_check import run_check
from tessa_tui.conditions.condition import evaluate_all
from tessa_tui.config.load import load_config
from tessa_tui.config.model import DatabaseConfig, ServiceCheck, decode_hook
from tessa_tui.database import monitor as db_monitor
from tessa_tui.database import queries as db_sql
from tessa_tui.integrations.api_call import IntegrationError
from tessa_tui.integrations.pagerduty import list_incidents
from tests.checks_support import service
from tests.hostile_http import HTTP_FAULTS, STATUSPAGE_FAULTS, HostileServers, hostile_servers

CONDITIONS = ["[STATUS] == 200", "[BODY].status == ok"]


@pytest.fixture(scope="module")
def hostile() -> Iterator[HostileServers]:
    with hostile_servers() as running:
        yield running


@pytest.fixture
def state_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The crash log's directory for this test."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state" / "tessa-tui"


def all_checks(hostile: HostileServers, interval: str = "30s") -> list[ServiceCheck]:
    """One healthy check, then one check per hostile server (HTTP faults, then status pages)."""
    made = [service(name="healthy", url=f"{hostile.urls['healthy']}/", conditions=CONDITIONS, interval=interval)]
    made += [
        service(name=n, url=f"{hostile.urls[n]}/", conditions=CONDITIONS, timeout="3s", interval=interval)
        for n in HTTP_FAULTS
    ]
    made += [service(name=n, statuspage=hostile.urls[n], timeout="3s", interval=interval) for n in STATUSPAGE_FAULTS]
    return made


def assert_one_fault_each(results: list[dict[str, Any]]) -> None:
    """The healthy check up; each hostile HTTP check down, each hostile status page unknown; one-line reasons."""
    by_name = {r["name"]: r for r in results}
    assert list(by_name) == ["healthy", *HTTP_FAULTS, *STATUSPAGE_FAULTS]
    assert (by_name["healthy"]["state"], by_name["healthy"]["reason"]) == ("up", "")
    for name in (*HTTP_FAULTS, *STATUSPAGE_FAULTS):
        reason = by_name[name]["reason"]
        expected = "down" if name in HTTP_FAULTS else "unknown"  # a status page we cannot read says nothing
        assert by_name[name]["state"] == expected, (name, reason)
        assert reason and "\n" not in reason and len(reason) < 300, (name, reason)
        assert "internal error" not in reason, (name, reason)


def test_check_json_reports_every_hostile_server_and_exits_1(
    hostile: HostileServers, write_config: Callable[[str], Path], tmp_path: Path
) -> None:
    lines = ["services:"]
    for check in all_checks(hostile):
        target = (
            f'url: "{check.url}", conditions: {json.dumps(CONDITIONS)}'
            if check.url
            else (f'statuspage: "{check.statuspage}"')
        )
        lines.append(f"  - {{name: {check.name}, {target}, timeout: 3s}}")
    config = write_config("\n".join(lines) + "\n")
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")}
    result = subprocess.run(
        [sys.executable, "-m", "tessa_tui", "--config", str(config), "check", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""
    assert_one_fault_each(json.loads(result.stdout)["checks"])
    assert not (tmp_path / "state" / "tessa-tui" / "crash.log").exists()  # no bug met: nothing to log
    reasons = {c["name"]: c["reason"] for c in json.loads(result.stdout)["checks"]}
    assert reasons["malformed_status_line"] == "invalid HTTP response: Bad status line"
    assert reasons["invalid_chunked"] == "invalid HTTP response: Invalid character in chunk size"
    assert reasons["statuspage_components_number"] == "not a Statuspage document: `components` is a number, not a list"


async def test_fetch_maps_every_hostile_answer_to_a_reason(hostile: HostileServers) -> None:
    async with make_client() as client:
        for name in HTTP_FAULTS:
            outcome = await fetch(client, "GET", f"{hostile.urls[name]}/", deadline=5)
            # Either no response and a reason, or a response whose body was read within the cap.
            assert outcome.error or outcome.status == 200, name
            assert len(outcome.body) <= 1024 * 1024


async def test_a_url_the_client_refuses_is_a_down_reason_not_a_crash(state_home: Path) -> None:
    async with make_client() as client:
        result = await run_check(client, service(url="http://xn--a.example/"))
    assert result.state == "down" and result.reason.startswith("invalid URL:")
    assert not result.internal_error and not state_home.exists()


async def test_a_bug_in_one_check_is_that_check_s_unknown_state_with_one_line(
    hostile: HostileServers, monkeypatch: pytest.MonkeyPatch, state_home: Path
) -> None:
    """A bug nobody foresaw (here: condition evaluation raising for one check) is that check's result."""

    def buggy(conditions: Any, observation: Any) -> Any:
        if b"teapot" in observation.body:
            raise KeyError("boom with secret hunter2-token\nsecond line")
        return evaluate_all(conditions, observation)

    monkeypatch.setattr("tessa_tui.checks.run_memo.evaluate_all", buggy)
    good = service(name="good", url=f"{hostile.urls['healthy']}/")
    bad = service(
        name="bad", url=f"{hostile.urls['healthy']}/?teapot=1", headers={"Authorization": "Bearer hunter2-token"}
    )
    monkeypatch.setattr("tessa_tui.checks.service_check.fetch", _body_says_teapot_for("teapot", fetch))
    results = await run_all_once([good, bad])
    assert [r.state for r in results] == ["up", "unknown"]
    fault = results[1]
    assert fault.internal_error and fault.reason.startswith("internal error (KeyError:")
    assert "\n" not in fault.reason and "hunter2-token" not in fault.reason
    log = (state_home / "crash.log").read_text()
    assert "check 'bad'" in log and "KeyError" in log and "Traceback" in log
    assert "hunter2-token" not in log


def _body_says_teapot_for(marker: str, real: Any) -> Any:
    """fetch, with `teapot` in the body of the request whose URL has `marker`: the trigger of the bug above."""

    async def wrapped(client: Any, method: str, url: Any, **kwargs: Any) -> Any:
        outcome = await real(client, method, url, **kwargs)
        return dataclasses.replace(outcome, body=b"teapot") if marker in str(url) else outcome

    return wrapped


@pytest.mark.slow
async def test_poller_keeps_every_check_on_its_interval_when_siblings_fault(
    hostile: HostileServers, state_home: Path
) -> None:
    """Every check, healthy or hostile, and one whose listener raises, reports again and again."""
    made = all_checks(hostile, interval="50ms")
    counts: dict[str, int] = {}
    wanted = 3
    every_check_reported_thrice = asyncio.Event()

    def on_result(result: CheckResult) -> None:
        counts[result.name] = counts.get(result.name, 0) + 1
        if len(counts) == len(made) and min(counts.values()) >= wanted:
            every_check_reported_thrice.set()
        if result.name == "garbage":
            raise RuntimeError("the listener's own bug")

    poller = ServicePoller(made, on_result)
    task = asyncio.create_task(poller.run())
    try:
        async with asyncio.timeout(90):  # hang guard, not a speed assertion
            await every_check_reported_thrice.wait()
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert min(counts.values()) >= wanted, counts
    assert "the listener's own bug" in (state_home / "crash.log").read_text()


async def test_console_shows_the_fault_on_its_row_toasts_once_and_siblings_keep_updating(
    hostile: HostileServers, monkeypatch: pytest.MonkeyPatch, write_config: Callable[[str], Path], state_home: Path
) -> None:
    from textual.widgets import DataTable

    from screens.app import TessaApp
    from screens.dashboard.services_pane import ServicesPane
    from tessa_tui.config.load import load_config
    from tests.ui.screen_text import wait_until

    def buggy(conditions: Any, observation: Any) -> Any:
        if b"teapot" in observation.body:
            raise ZeroDivisionError("a bug in one check")
        return evaluate_all(conditions, observation)

    monkeypatch.setattr("tessa_tui.checks.run_memo.evaluate_all", buggy)
    monkeypatch.setattr("tessa_tui.checks.service_check.fetch", _body_says_teapot_for("teapot", fetch))
    every = "interval: 100ms, timeout: 3s"
    config = write_config(
        "services:\n"
        f"  - {{name: healthy, url: '{hostile.urls['healthy']}/', {every}}}\n"
        f"  - {{name: garbage, url: '{hostile.urls['garbage']}/', {every}}}\n"
        f"  - {{name: buggy, url: '{hostile.urls['healthy']}/?teapot=1', {every}}}\n"
    )
    app = TessaApp(load_config(config, environ={}))
    async with app.run_test(size=(150, 40)) as pilot:
        pane = app.screen.query_one(ServicesPane)

        def reported(name: str) -> int:
            return len(pane.states[name].history)

        await wait_until(pilot, lambda: min(reported(n) for n in ("healthy", "garbage", "buggy")) >= 4, timeout=60)
        table = app.screen.query_one("#services-table", DataTable)
        pane.tick()
        row = {name: [str(cell) for cell in table.get_row(name)] for name in ("healthy", "garbage", "buggy")}
        assert row["healthy"][0] == "● up"
        assert "invalid HTTP response: Bad status line" in row["garbage"]
        assert any(cell.startswith("internal error (ZeroDivisionError: a bug in one check)") for cell in row["buggy"])
        toasts = [str(n.message) for n in app._notifications if "internal error" in str(n.message)]
        assert len(toasts) == 1 and toasts[0].startswith("buggy: internal error"), toasts


# The database monitor: each section is its own boundary; only a lost connection stops a poll.


async def test_a_failing_db_section_is_its_own_error_and_the_others_are_read(
    pg_dsn: str, monkeypatch: pytest.MonkeyPatch, state_home: Path
) -> None:
    # A view this server lacks (an older PostgreSQL, a cloud variant) and a bug of ours in another section.
    monkeypatch.setattr(db_sql, "TOP_TABLES", "SELECT * FROM tessa_no_such_view")
    real = db_monitor.DbMonitor._statement

    def buggy(self: db_monitor.DbMonitor, name: str) -> Any:
        if name == "vacuum":
            raise KeyError("a bug in one section")
        return real(self, name)

    monkeypatch.setattr(db_monitor.DbMonitor, "_statement", buggy)
    config = msgspec.convert({"dsn": pg_dsn}, DatabaseConfig, dec_hook=decode_hook)
    snapshot = await db_monitor.report(config)
    sections = snapshot.sections
    assert snapshot.connected or snapshot.reason == ""
    assert 'relation "tessa_no_such_view" does not exist' in sections["top_tables"].error
    assert sections["vacuum"].error.startswith("internal error (KeyError: 'a bug in one section')")
    read = [n for n in (*db_monitor.ACTIVITY_SECTIONS, *db_monitor.SIZE_SECTIONS) if n not in ("top_tables", "vacuum")]
    assert all(not sections[n].error for n in read), {n: sections[n].error for n in read}
    assert sections["database_size"].rows
    assert "database section vacuum" in (state_home / "crash.log").read_text()


# PagerDuty: the incident pane's poll gets one masked line, whatever the answer or the bug.


def pagerduty_config(write_config: Callable[[str], Path], api_url: str) -> Any:
    path = write_config(
        "integrations:\n"
        f"  pagerduty: {{token: '${{PD_TOKEN}}', from: oncall@example.com, service-ids: [PSVC1],"
        f" api-url: '{api_url}'}}\n"
        "  retries: 0\n"
        "  timeout: 3s\n"
    )
    return load_config(path, environ={"PD_TOKEN": "pd-secret-token-1234"})


@pytest.mark.parametrize("fault", ["garbage", "malformed_status_line", "invalid_chunked", "nested_deep"])
async def test_pagerduty_poll_against_a_hostile_server_is_one_line(
    hostile: HostileServers, write_config: Callable[[str], Path], fault: str
) -> None:
    loaded = pagerduty_config(write_config, hostile.urls[fault])
    with pytest.raises(IntegrationError) as raised:
        await list_incidents(loaded.config, loaded.secrets)
    message = str(raised.value)
    assert message.startswith("PagerDuty") and "\n" not in message and "pd-secret-token-1234" not in message


async def test_a_bug_in_the_pagerduty_poll_is_an_integration_error_with_the_token_masked(
    hostile: HostileServers, write_config: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch, state_home: Path
) -> None:
    async def buggy(*_args: Any, **_kwargs: Any) -> Any:
        raise AttributeError("bug holding Token token=pd-secret-token-1234")

    monkeypatch.setattr("tessa_tui.integrations.pagerduty.call_json", buggy)
    loaded = pagerduty_config(write_config, hostile.urls["healthy"])
    with pytest.raises(IntegrationError) as raised:
        await list_incidents(loaded.config, loaded.secrets)
    message = str(raised.value)
    assert message.startswith("PagerDuty: internal error (AttributeError:") and "pd-secret-token-1234" not in message
    log = (state_home / "crash.log").read_text()
    assert "PagerDuty poll" in log and "pd-secret-token-1234" not in log


def test_crash_log_entry_has_no_locals_no_secret_no_escape(state_home: Path) -> None:
    from tessa_tui.base.crash_log import write_crash

    def failing(token: str) -> None:
        body = f"local body holding {token}"
        raise ValueError(f"server said \x1b]0;owned\x07 to http://u:{token}@host/ {len(body)}")

    with pytest.raises(ValueError, match="server said") as raised:
        failing("s3cret-value-42")
    where = write_crash(raised.value, "check 'api'", secrets={"s3cret-value-42"})
    assert where == state_home / "crash.log"
    text = where.read_text()
    assert "check 'api'" in text and "Traceback" in text and "ValueError" in text
    assert "s3cret-value-42" not in text and "local body holding" not in text
    assert "\x1b" not in text and "\x07" not in text


def test_a_password_with_a_hash_is_a_config_error_at_its_line(
    write_config: Callable[[str], Path], tmp_path: Path
) -> None:
    config = write_config('services:\n  - name: api\n    url: "http://user:pa#ss-word-9@127.0.0.1:9/health"\n')
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")}
    result = subprocess.run(
        [sys.executable, "-m", "tessa_tui", "--config", str(config), "check", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith(f"tessa-tui: error: {config}:3: services[0].url: ")
    assert "ss-word-9" not in result.stderr and len(result.stderr.splitlines()) == 1
