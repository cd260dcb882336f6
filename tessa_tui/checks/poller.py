"""Polling every configured check on its own interval, one shared HTTP client, results to a callback.

A check schedules its next run only after the previous one finished, so nothing piles up behind a
slow target; each run is bounded by the check's own total deadline.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence

import httpx

from tessa_tui.base.http_fetch import make_client
from tessa_tui.base.isolate import internal_reason
from tessa_tui.checks.result import CheckResult
from tessa_tui.checks.service_check import fault_result, run_check
from tessa_tui.config.model import ServiceCheck

# Starting hundreds of requests in one pass of the event loop blocks it for as long as they take to
# send; starting them in small batches lets timers, input and responses run in between.
LAUNCH_BATCH = 25


async def run_all_once(checks: Sequence[ServiceCheck], *, secrets: Iterable[str] = ()) -> list[CheckResult]:
    """Every check once, concurrently, in config order (the `tessa-tui check` twin of the pane)."""
    hidden = tuple(secrets)
    async with make_client() as client:
        return await run_batch(client, checks, hidden)


async def run_batch(
    client: httpx.AsyncClient, checks: Sequence[ServiceCheck], secrets: tuple[str, ...]
) -> list[CheckResult]:
    """Run `checks` concurrently on a shared client, launched a batch at a time; results in input order."""
    tasks: list[asyncio.Task[CheckResult]] = []
    for start in range(0, len(checks), LAUNCH_BATCH):
        tasks += [
            asyncio.create_task(run_check(client, c, secrets=secrets)) for c in checks[start : start + LAUNCH_BATCH]
        ]
        await asyncio.sleep(0)
    done = await asyncio.gather(*tasks, return_exceptions=True)
    # run_check is its own fault boundary; this only keeps a result for every check if that ever fails.
    return [
        r
        if isinstance(r, CheckResult)
        else fault_result(c, internal_reason(r, f"check {c.name!r}"), frozenset(secrets))
        for c, r in zip(checks, done, strict=True)
    ]


class ServicePoller:
    """Runs each check forever on its interval until stopped; results go to `on_result`."""

    def __init__(
        self,
        checks: Sequence[ServiceCheck],
        on_result: Callable[[CheckResult], None],
        *,
        secrets: Iterable[str] = (),
    ) -> None:
        self._checks = list(checks)
        self._on_result = on_result
        self._secrets = tuple(secrets)

    async def run(self) -> None:
        """Poll until cancelled; the client is closed on the way out.

        No TaskGroup: one that sees a task fail cancels all the others. Each loop is its own boundary.
        """
        async with make_client() as client:
            tasks: list[asyncio.Task[None]] = []
            try:
                for index, check in enumerate(self._checks):
                    tasks.append(asyncio.create_task(self._loop(client, check), name=f"check:{check.name}"))
                    if index % LAUNCH_BATCH == LAUNCH_BATCH - 1:
                        await asyncio.sleep(0)
                await asyncio.gather(*tasks, return_exceptions=True)
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)

    async def _loop(self, client: httpx.AsyncClient, check: ServiceCheck) -> None:
        """One check on its interval, forever: neither its own faults nor its listener's stop it."""
        while True:
            result = await run_check(client, check, secrets=self._secrets)
            try:
                self._on_result(result)
            except Exception as exc:  # the listener's bug: logged, and the check keeps its schedule
                internal_reason(exc, f"reporting check {check.name!r}", self._secrets)
            await asyncio.sleep(check.interval.total_seconds())
