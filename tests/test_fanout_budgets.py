"""Fan-out budgets (issue 18), guarded by their causes: what a poll cycle of many checks does for each check.

benchmarks/poll_fanout.py times 500 checks against raw aiohttp (goals: cycle <= 1.1x, CPU <= 1.5x, longest
event-loop stall <= 50 ms). Timing is noisy here, so these tests pin what made it fast: the work that depends only
on the config (URL parsing, conditions, secrets, the target text) is done once per check, an unchanged answer is
neither evaluated nor cleaned again, a request goes to aiohttp without httpx's request and response models, and no
more than LAUNCH_BATCH runs start in one pass of the event loop. A failure names the budget that moved; if the
change is on purpose, update the budget here in the same commit, say why, and run the benchmark.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any, cast

import httpx
import pytest

from tessa_tui.base import http_fetch, secret_registry
from tessa_tui.base.http_fetch import make_client
from tessa_tui.base.time_source import utc_now
from tessa_tui.checks import poller, run_memo, service_check
from tessa_tui.checks.poller import LAUNCH_BATCH, ServicePoller, run_batch
from tessa_tui.checks.result import CheckResult
from tessa_tui.checks.service_check import run_check
from tessa_tui.config.model import ServiceCheck
from tests.checks_support import service
from tests.loopback import LoopbackServers

HOW_TO_UPDATE = "update tests/test_fanout_budgets.py on purpose and rerun benchmarks/poll_fanout.py"


class Spy:
    """Counts the calls of a module attribute, passing them through."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> None:
        self.calls = 0
        real: Callable[..., Any] = getattr(owner, name)

        def spy(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(owner, name, spy)


@pytest.fixture
def per_config_spies(monkeypatch: pytest.MonkeyPatch) -> dict[str, Spy]:
    """Everything that depends only on a check's config: done again in a later cycle, it is wasted per check."""
    return {
        "plan": Spy(monkeypatch, service_check, "_build_plan"),
        "URL parse (plan)": Spy(monkeypatch, service_check, "request_target"),
        "URL parse (fetch)": Spy(monkeypatch, http_fetch, "request_target"),
        "conditions": Spy(monkeypatch, service_check, "parsed_conditions"),
        "secrets": Spy(monkeypatch, service_check, "check_secrets"),
        "target text": Spy(monkeypatch, service_check, "describe_target"),
    }


def _calls(spies: dict[str, Spy]) -> dict[str, int]:
    return {name: spy.calls for name, spy in spies.items()}


async def test_a_second_cycle_works_out_nothing_per_config_again(
    servers: LoopbackServers, per_config_spies: dict[str, Spy]
) -> None:
    checks = [
        service(name=f"c{i}", url=f"{servers.http}/ok", conditions=["[STATUS] == 200", "[BODY].status == ok"])
        for i in range(20)
    ]
    async with make_client() as client:
        first = await run_batch(client, checks, ())
        assert per_config_spies["plan"].calls == len(checks)
        for spy in per_config_spies.values():
            spy.calls = 0
        second = await run_batch(client, checks, ())
    assert [r.state for r in first + second] == ["up"] * 40
    assert set(_calls(per_config_spies).values()) == {0}, (
        f"fan-out budget: a poll cycle redid per-config work {_calls(per_config_spies)}; it belongs in "
        f"service_check.CheckPlan, worked out on a check's first run ({HOW_TO_UPDATE})"
    )


async def test_the_live_poller_works_out_each_plan_once(
    servers: LoopbackServers, per_config_spies: dict[str, Spy]
) -> None:
    checks = [service(name=f"c{i}", url=f"{servers.http}/ok", interval="20ms") for i in range(3)]
    reported: Counter[str] = Counter()
    every_check_thrice = asyncio.Event()

    def on_result(result: CheckResult) -> None:
        reported[result.name] += 1
        if len(reported) == len(checks) and min(reported.values()) >= 3:
            every_check_thrice.set()

    task = asyncio.create_task(ServicePoller(checks, on_result, secrets=("a-known-secret",)).run())
    try:
        async with asyncio.timeout(60):  # hang guard, not a speed assertion
            await every_check_thrice.wait()
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert per_config_spies["plan"].calls == len(checks), (
        f"fan-out budget: the poller worked out {per_config_spies['plan'].calls} plans for {len(checks)} checks "
        f"over {sum(reported.values())} runs; one per check ({HOW_TO_UPDATE})"
    )


async def test_an_unchanged_answer_is_evaluated_and_cleaned_once(
    servers: LoopbackServers, monkeypatch: pytest.MonkeyPatch
) -> None:
    evaluated = Spy(monkeypatch, run_memo, "evaluate_all")
    masked = Spy(monkeypatch, run_memo, "redact_text")
    excerpts = Spy(monkeypatch, run_memo, "excerpt")
    check = service(url=f"{servers.http}/status/503", conditions=["[STATUS] == 200", "[BODY] == status"])
    async with make_client() as client:
        results = [await run_check(client, check) for _ in range(3)]
    assert [r.reason for r in results] == ["[STATUS] (503) == 200"] * 3
    assert len({(r.conditions, r.excerpt, r.reason) for r in results}) == 1
    assert (evaluated.calls, excerpts.calls) == (1, 1), (
        f"fan-out budget: 3 runs with the same answer evaluated the conditions {evaluated.calls} times and cut "
        f"the excerpt {excerpts.calls} times; once (run_memo.ConditionMemo, TextCleaner) ({HOW_TO_UPDATE})"
    )
    assert masked.calls <= 3, (  # the first run masks its reason, the failing condition's line and the excerpt
        f"fan-out budget: 3 runs with the same answer masked {masked.calls} texts; an unchanged text is masked "
        f"once (run_memo.TextCleaner) ({HOW_TO_UPDATE})"
    )


@pytest.fixture
def flip_back(servers: LoopbackServers) -> Iterator[None]:
    yield
    servers.recorder.flip_status = 200


async def test_a_changed_answer_a_new_secret_and_a_clock_reading_are_seen_at_once(
    servers: LoopbackServers, flip_back: None
) -> None:
    """What the caches must never hide: a new status, a secret registered since the last run, a latency."""
    flip = service(url=f"{servers.http}/flip")
    body = service(url=f"{servers.http}/ok")
    timed = service(url=f"{servers.http}/ok", conditions=["[RESPONSE_TIME] < 0"])
    async with make_client() as client:

        async def run(check: ServiceCheck) -> CheckResult:
            return await run_check(client, check)

        states = []
        for status in (200, 503, 503, 200):
            servers.recorder.flip_status = status
            result = await run(flip)
            states.append((result.state, result.reason, result.excerpt))
        assert states == [
            ("up", "", "flip 200"),
            ("down", "[STATUS] (503) == 200", "flip 503"),
            ("down", "[STATUS] (503) == 200", "flip 503"),
            ("up", "", "flip 200"),
        ]
        assert '"first"' in (await run(body)).excerpt
        secret_registry.register("first")
        assert '"first"' not in (await run(body)).excerpt
        reasons = [(await run(timed)).reason for _ in range(2)]
    assert all(r.startswith("[RESPONSE_TIME] (") and r.endswith(") < 0") for r in reasons), reasons


async def test_requests_go_to_aiohttp_without_httpx_models(
    servers: LoopbackServers, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_: Any, **__: Any) -> None:
        raise AssertionError("built an httpx model")

    monkeypatch.setattr(httpx.Request, "__init__", refuse)
    monkeypatch.setattr(httpx.Response, "__init__", refuse)
    contexts = Spy(monkeypatch, ssl, "create_default_context")
    results = []
    for _ in range(3):
        async with make_client() as client:
            results.append(await run_check(client, service(url=f"{servers.http}/ok")))
            results.append(await run_check(client, service(url=f"{servers.http}/same")))  # a redirect on the way
    assert [(r.state, r.reason) for r in results] == [("up", "")] * 6, (
        "fan-out budget: a check built httpx's request or response models (a third of the CPU per check at "
        f"fan-out); fetch sends on the client's aiohttp session ({HOW_TO_UPDATE})"
    )
    assert contexts.calls <= 1, (
        f"fan-out budget: {contexts.calls} TLS contexts for 3 clients (tens of ms each); one per process "
        f"({HOW_TO_UPDATE})"
    )


class PassCounter:
    """Counts passes of the event loop: a callback that schedules itself again runs once in every pass."""

    def __init__(self) -> None:
        self.passes = 0
        self._loop = asyncio.get_running_loop()
        self._handle = self._loop.call_soon(self._tick)

    def _tick(self) -> None:
        self.passes += 1
        self._handle = self._loop.call_soon(self._tick)

    def stop(self) -> None:
        self._handle.cancel()


def _instant_runs(monkeypatch: pytest.MonkeyPatch, passes: PassCounter) -> Counter[int]:
    """Replace the poller's run_check by one that answers at once, recording the pass each run starts in."""
    started: Counter[int] = Counter()

    async def instant(client: Any, check: ServiceCheck, *, secrets: Any = (), clock: Any = utc_now) -> CheckResult:
        started[passes.passes] += 1
        await asyncio.sleep(0)
        return CheckResult(check.name, check.group, "http", "GET x", "up", "", clock(), 1.0)

    monkeypatch.setattr(poller, "run_check", instant)
    return started


def _paced(started: Counter[int], where: str) -> str:
    return (
        f"fan-out budget: {max(started.values())} runs started in one pass of the event loop ({where}); at most "
        f"LAUNCH_BATCH = {LAUNCH_BATCH}, or hundreds of checks freeze the console while they start ({HOW_TO_UPDATE})"
    )


async def test_a_batch_starts_at_most_launch_batch_runs_per_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    passes = PassCounter()
    started = _instant_runs(monkeypatch, passes)
    checks = [service(name=f"c{i}", url="http://127.0.0.1:9/") for i in range(10 * LAUNCH_BATCH + 3)]
    try:
        results = await run_batch(cast(httpx.AsyncClient, None), checks, ())
    finally:
        passes.stop()
    assert [r.name for r in results] == [c.name for c in checks]
    assert sum(started.values()) == len(checks)
    assert max(started.values()) <= LAUNCH_BATCH, _paced(started, "run_batch")


async def test_checks_that_come_due_together_start_a_few_per_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    passes = PassCounter()
    started = _instant_runs(monkeypatch, passes)
    checks = [service(name=f"c{i}", url="http://127.0.0.1:9/", interval="10ms") for i in range(5 * LAUNCH_BATCH)]
    reported: Counter[str] = Counter()
    rounds_done = asyncio.Event()

    def on_result(result: CheckResult) -> None:
        reported[result.name] += 1
        if len(reported) == len(checks) and min(reported.values()) >= 3:
            rounds_done.set()

    task = asyncio.create_task(ServicePoller(checks, on_result).run())
    try:
        async with asyncio.timeout(60):  # hang guard, not a speed assertion
            await rounds_done.wait()
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        passes.stop()
    assert max(started.values()) <= LAUNCH_BATCH, _paced(started, "ServicePoller")
