"""Polling every configured check on its own interval, one shared HTTP client, results to a callback.

A check schedules its next run only after the previous one finished, so nothing piles up behind a
slow target; each run is bounded by the check's own total deadline.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterable, Sequence

import httpx

from tessa_tui.base.http_fetch import make_client
from tessa_tui.base.isolate import internal_reason
from tessa_tui.checks.result import CheckResult
from tessa_tui.checks.service_check import fault_result, run_check
from tessa_tui.config.model import ServiceCheck

# Starting a request costs a few hundred microseconds (most of it aiohttp and the socket write): hundreds
# started in one pass of the event loop would block it for tens of milliseconds. At most this many start in
# one pass; timers, input and responses run in between.
LAUNCH_BATCH = 10


class LaunchPacer:
    """Lets at most `per_pass` runs start in one pass of the event loop; the others wait a pass or more.

    Checks with the same interval come due together (every one of them after a cycle that ended in one
    burst of answers): without this the console would freeze for as long as all of them take to start.
    Every turn waits for a refill, which wakes `per_pass` waiters for the next pass and comes again in it.
    """

    def __init__(self, per_pass: int = LAUNCH_BATCH) -> None:
        self._per_pass = per_pass
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._refill_pending = False

    async def turn(self) -> None:
        """Return when this run may start, one pass or more from now."""
        waiter = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        self._refill_soon()
        await waiter  # a cancelled waiter is skipped by _refill

    def _refill_soon(self) -> None:
        if not self._refill_pending:
            self._refill_pending = True
            asyncio.get_running_loop().call_soon(self._refill)  # runs in the next pass

    def _refill(self) -> None:
        self._refill_pending = False
        woken = 0
        while self._waiting and woken < self._per_pass:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(None)  # its task resumes in the next pass, before the refill that comes again
                woken += 1
        if self._waiting:
            self._refill_soon()


async def run_all_once(checks: Sequence[ServiceCheck], *, secrets: Iterable[str] = ()) -> list[CheckResult]:
    """Every check once, concurrently, in config order (the `tessa-tui check` twin of the pane)."""
    hidden = tuple(secrets)
    async with make_client() as client:
        return await run_batch(client, checks, hidden)


async def run_batch(
    client: httpx.AsyncClient, checks: Sequence[ServiceCheck], secrets: tuple[str, ...]
) -> list[CheckResult]:
    """Run `checks` concurrently on a shared client, started a few per pass of the loop; results in input order."""
    pacer = LaunchPacer()

    async def paced(check: ServiceCheck) -> CheckResult:
        await pacer.turn()
        return await run_check(client, check, secrets=secrets)

    done = await asyncio.gather(*(paced(c) for c in checks), return_exceptions=True)
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
        self.pacer = LaunchPacer()

    async def run(self) -> None:
        """Poll until cancelled; the client is closed on the way out.

        No TaskGroup: one that sees a task fail cancels all the others. Each loop is its own boundary.
        """
        async with make_client() as client:
            tasks: list[asyncio.Task[None]] = []
            try:
                for check in self._checks:
                    tasks.append(asyncio.create_task(self._loop(client, check), name=f"check:{check.name}"))
                await asyncio.gather(*tasks, return_exceptions=True)
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)

    async def _loop(self, client: httpx.AsyncClient, check: ServiceCheck) -> None:
        """One check on its interval, forever: neither its own faults nor its listener's stop it."""
        while True:
            await self.pacer.turn()
            result = await run_check(client, check, secrets=self._secrets)
            try:
                self._on_result(result)
            except Exception as exc:  # the listener's bug: logged, and the check keeps its schedule
                internal_reason(exc, f"reporting check {check.name!r}", self._secrets)
            await asyncio.sleep(check.interval.total_seconds())
