"""The engine's watchers, driven with a fake clock and sleep: cadence, retry after a failure, recovery, and a
source's bug as that source's error state. No wall-clock waits: each sleep advances the fake timeline."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncGenerator, Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import msgspec
import pytest

from tessa_tui.base.errors import UserError
from tessa_tui.config.model import DatabaseConfig, LogSource, TessaConfig, decode_hook
from tessa_tui.database.size_history import Growth
from tessa_tui.database.snapshot import DbSnapshot, Section
from tessa_tui.database.watch import RETRY_S, DbUpdate, watch_database
from tessa_tui.integrations.pagerduty import PdIncident
from tessa_tui.integrations.pagerduty_watch import watch_pagerduty
from tessa_tui.logs.filter import LineFilter
from tessa_tui.logs.follow import READ_BUDGET
from tessa_tui.logs.ingest import Batch
from tessa_tui.logs.parse import FULL, LogParser
from tessa_tui.logs.watch import BUSY_S, CATCH_UP_S, POLL_S, Reading, watch_command, watch_file, watch_log
from tests.conftest import FROZEN_NOW

T = TypeVar("T")


class Timeline:
    """A clock that moves only when the watcher sleeps; every sleep is recorded."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.slept: list[float] = []

    def now(self) -> datetime:
        return FROZEN_NOW + timedelta(seconds=self.seconds)

    def monotonic(self) -> float:
        return self.seconds

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.seconds += seconds


async def take(updates: AsyncGenerator[T, None], count: int) -> list[T]:
    """The first `count` updates, then the watcher closed."""
    async with contextlib.aclosing(updates):
        return [await anext(updates) for _ in range(count)]


@pytest.fixture(autouse=True)
def state_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The crash log's directory for this test (a bug's details are written there)."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state" / "tessa-tui"


# The database


class FakeMonitor:
    """Answers each poll with the next outcome: None (every section read), or an exception to raise."""

    def __init__(self, timeline: Timeline, outcomes: Iterable[BaseException | None]) -> None:
        self.timeline = timeline
        self.outcomes = iter(outcomes)
        self.polled: list[tuple[str, ...]] = []
        self.sections: dict[str, Section] = {}
        self.connected = False
        self.reason = ""
        self.closed = 0

    async def poll(self, names: Iterable[str]) -> None:
        self.polled.append(tuple(names))
        outcome = next(self.outcomes, None)
        if isinstance(outcome, ConnectionError):
            self.connected, self.reason = False, str(outcome)
        if outcome is not None:
            raise outcome
        self.connected, self.reason = True, ""
        for name in self.polled[-1]:
            rows = ((100 + int(self.timeline.seconds),),) if name == "database_size" else ()
            self.sections[name] = Section(name, name, ("bytes",), rows, fetched_at=self.timeline.now())

    def snapshot(self) -> DbSnapshot:
        return DbSnapshot("postgresql://tessa@db/app", self.connected, self.reason, {}, dict(self.sections))

    async def close(self) -> None:
        self.closed += 1
        self.connected = False


def database(**fields: Any) -> DatabaseConfig:
    data = {"dsn": "postgresql://tessa@db/app", "activity-interval": "4s", "size-interval": "12s", **fields}
    return msgspec.convert(data, DatabaseConfig, dec_hook=decode_hook)


def watch_fake_database(
    timeline: Timeline, monitor: FakeMonitor, recorded: list[DbSnapshot] | None = None
) -> AsyncGenerator[DbUpdate, None]:
    def record_size(snapshot: DbSnapshot) -> tuple[Growth, ...]:
        if recorded is not None:
            recorded.append(snapshot)
        return (Growth("1h", len(recorded or ()), timeline.now()),)

    return watch_database(
        database(),
        record_size=record_size,
        clock=timeline.now,
        monotonic=timeline.monotonic,
        sleep=timeline.sleep,
        monitor=lambda: monitor,
    )


async def test_database_activity_every_interval_and_sizes_on_their_own_cadence() -> None:
    timeline = Timeline()
    monitor = FakeMonitor(timeline, [])
    recorded: list[DbSnapshot] = []
    updates = await take(watch_fake_database(timeline, monitor, recorded), 5)
    assert timeline.slept == [4.0] * 4  # the activity cadence; the next poll only after this one was taken
    assert [u.at for u in updates] == [FROZEN_NOW + timedelta(seconds=s) for s in (0, 4, 8, 12, 16)]
    with_sizes = ["database_size" in names for names in monitor.polled]
    assert with_sizes == [True, False, False, True, False]  # at 0, then at the first poll 12 s or more later
    assert all("sessions" in names and "database_stats" in names for names in monitor.polled)
    with_context = ["slow_queries" in names and "vacuum_progress" in names for names in monitor.polled]
    assert with_context == [True, False, False, True, False]  # at 0, then at the first poll 10 s or more later
    assert [u.growth is not None for u in updates] == with_sizes  # growth only from a poll that read the size
    assert [s.sections["database_size"].rows for s in recorded] == [((100,),), ((112,),)]
    assert all(u.snapshot.connected and u.retry_in is None for u in updates)
    assert monitor.closed == 1  # closing the watcher closed the connection


async def test_database_lost_is_said_at_once_retried_every_five_seconds_and_recovers() -> None:
    timeline = Timeline()
    lost = ConnectionError("connection refused")
    monitor = FakeMonitor(timeline, [None, lost, lost, None])
    updates = await take(watch_fake_database(timeline, monitor), 4)
    assert [(u.snapshot.connected, u.retry_in) for u in updates] == [
        (True, None),
        (False, RETRY_S),
        (False, RETRY_S),
        (True, None),
    ]
    assert updates[1].snapshot.reason == "connection refused"
    assert updates[1].snapshot.sections == updates[0].snapshot.sections  # the last data stays, with its age
    assert timeline.slept == [4.0, RETRY_S, RETRY_S]
    assert updates[3].at == FROZEN_NOW + timedelta(seconds=4 + 2 * RETRY_S)


async def test_a_bug_in_the_database_poll_is_its_error_state_and_the_next_poll_reconnects(state_home: Path) -> None:
    timeline = Timeline()
    monitor = FakeMonitor(timeline, [RuntimeError("a bug of ours"), None])
    failed, recovered = await take(watch_fake_database(timeline, monitor), 2)
    assert not failed.snapshot.connected and failed.retry_in == RETRY_S
    assert failed.snapshot.reason.startswith("internal error (RuntimeError: a bug of ours); details in ")
    assert "database poll" in (state_home / "crash.log").read_text()
    assert monitor.closed >= 1 and timeline.slept == [RETRY_S]
    assert recovered.snapshot.connected and recovered.snapshot.reason == ""


# PagerDuty


def incident(number: int) -> PdIncident:
    return PdIncident(f"P{number}", number, f"incident {number}", "triggered", "api", "high", FROZEN_NOW, "")


async def test_pagerduty_polls_on_its_cadence_a_failure_is_one_line_and_the_next_poll_comes(
    state_home: Path,
) -> None:
    timeline = Timeline()
    outcomes: list[Any] = [
        [incident(1)],
        UserError("PagerDuty: HTTP 500"),
        TimeoutError(),
        RuntimeError("boom"),
        [incident(1), incident(2)],
    ]

    async def list_incidents(config: TessaConfig, secrets: frozenset[str]) -> list[PdIncident]:
        outcome = outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return list(outcome)

    config = msgspec.convert({"integrations": {"timeout": "10s"}}, TessaConfig, dec_hook=decode_hook)
    watcher = watch_pagerduty(
        config, every=30.0, clock=timeline.now, sleep=timeline.sleep, list_incidents=list_incidents
    )
    updates = await take(watcher, 5)
    assert [(len(u.incidents), u.error) for u in updates[:3]] == [
        (1, None),
        (0, "PagerDuty: HTTP 500"),
        (0, "no answer within 15s"),  # the calls' own 10 s deadline, and 5 s of margin
    ]
    assert (updates[3].error or "").startswith("internal error (RuntimeError: boom); details in ")
    assert "PagerDuty poll" in (state_home / "crash.log").read_text()
    assert [i.number for i in updates[4].incidents] == [1, 2] and updates[4].error is None
    assert timeline.slept == [30.0] * 4
    assert [u.at for u in updates] == [FROZEN_NOW + timedelta(seconds=30 * n) for n in range(5)]


# Logs


def file_watcher(path: Path, timeline: Timeline, parser: LogParser | None = None, **reading: Any) -> Any:
    parser = parser or LogParser(source="app")
    return watch_file(path, parser, Reading(sleep=timeline.sleep, **reading))


async def test_a_quiet_file_is_read_twice_a_second_a_busy_one_soon_and_only_news_is_yielded(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("2026-11-28 10:00:01 INFO started\n")
    timeline = Timeline()
    lines = iter(["", "2026-11-28 10:00:04 ERROR boom\n"])

    async def sleep(seconds: float) -> None:  # between reads, the file grows (or not)
        await timeline.sleep(seconds)
        with log.open("a") as handle:
            handle.write(next(lines, ""))

    batches = watch_file(log, LogParser(source="app"), Reading(sleep=sleep))
    opened, closed, error = await take(batches, 3)
    # A record is open until the next starts or a read brings nothing: shown as held, then closed into the rows.
    assert opened.status == "following" and opened.rows == [] and opened.held is not None
    assert opened.held[FULL] == "2026-11-28 10:00:01 INFO started"
    assert [row[FULL] for row in closed.rows] == ["2026-11-28 10:00:01 INFO started"] and closed.held is None
    assert error.held is not None and error.held[FULL] == "2026-11-28 10:00:04 ERROR boom"
    # A read that brought lines is followed soon (here the quiet one that closed the record); quiet ones come
    # twice a second, and bring nothing to yield.
    assert timeline.slept == [BUSY_S, BUSY_S]


async def test_a_source_that_is_behind_is_read_again_at_once(tmp_path: Path) -> None:
    log = tmp_path / "flood.log"
    log.write_text("")
    timeline = Timeline()

    async def sleep(seconds: float) -> None:
        await timeline.sleep(seconds)
        if len(timeline.slept) == 1:  # after the first read: more than one read's budget arrives at once
            with log.open("a") as handle:
                handle.write("2026-11-28 10:00:01 INFO x\n" * (2 * READ_BUDGET // 27 + 1))

    batches = watch_file(log, LogParser(source="app"), Reading(sleep=sleep))
    first, *flood = await take(batches, 4)
    assert first.rows == [] and [b.behind for b in flood] == [True, True, False]
    assert timeline.slept == [POLL_S, CATCH_UP_S, CATCH_UP_S]


async def test_a_missing_file_is_waited_for_then_followed(tmp_path: Path) -> None:
    log = tmp_path / "later.log"
    timeline = Timeline()

    async def sleep(seconds: float) -> None:
        await timeline.sleep(seconds)
        log.write_text("2026-11-28 10:00:03 ERROR it exists now\n")

    waiting, following, closed = await take(watch_file(log, LogParser(source="later"), Reading(sleep=sleep)), 3)
    assert waiting.status.startswith("waiting for the file") and waiting.error is None and not waiting.rows
    assert following.status == "following" and following.held is not None and closed.levels["error"] == 1


async def test_the_filter_in_force_when_a_read_starts_picks_the_matched_records(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("2026-11-28 10:00:01 INFO started\n2026-11-28 10:00:02 ERROR boom\n")
    errors = LineFilter.of_options("error", None)
    timeline = Timeline()
    opened, closed = await take(file_watcher(log, timeline, line_filter=lambda: errors), 2)
    assert opened.under is errors and opened.matched_under(errors) == []  # INFO: no match; ERROR still open
    assert closed.under is errors and [row[FULL] for row in closed.matched_under(errors)] == [
        "2026-11-28 10:00:02 ERROR boom"
    ]


async def test_a_bug_in_a_read_is_the_sources_status_retried_with_backoff_then_recovers(
    tmp_path: Path, state_home: Path
) -> None:
    log = tmp_path / "app.log"
    log.write_text("2026-11-28 10:00:01 INFO started\n")

    class BuggyParser(LogParser):
        failures = 3

        def feed_rows(self, lines: list[str], heads: Any = None) -> Any:
            if BuggyParser.failures:
                BuggyParser.failures -= 1
                raise ValueError("a bug of ours")
            return super().feed_rows(lines, heads)

    timeline = Timeline()
    failed, recovered = await take(file_watcher(log, timeline, BuggyParser(source="app")), 2)
    assert failed.status.startswith("cannot read: internal error (ValueError: a bug of ours); details in ")
    assert failed.error is not None and "log source app" in (state_home / "crash.log").read_text()
    assert timeline.slept == [POLL_S, 2 * POLL_S, 4 * POLL_S]  # the same fault, not yielded again, slower each time
    assert recovered.status == "following" and recovered.error is None
    # The lines read by the failed attempts were lost with them; what comes next is read as ever.


async def test_a_command_that_cannot_start_says_so_as_its_error(tmp_path: Path) -> None:
    timeline = Timeline()
    source = LogSource(name="edge", command=["/nonexistent/supabase", "logs"])
    [batch] = await take(watch_log(source, Reading(sleep=timeline.sleep)), 1)
    assert batch.error == "cannot start: No such file or directory"
    assert batch.status.startswith("cannot start") and "restarting in 1s" in batch.status


async def test_a_commands_output_then_its_exit(tmp_path: Path) -> None:
    script = 'print(\'{"level":"error","msg":"boom"}\'); print(\'plain info line\')'
    timeline = Timeline()
    argv = [sys.executable, "-c", script]
    batches = watch_command(argv, LogParser(source="edge"), Reading(sleep=timeline.sleep))
    seen: list[Batch] = []
    async with contextlib.aclosing(batches):
        async for batch in batches:
            seen.append(batch)
            if "exited" in batch.status:
                break
    assert seen[0].status.startswith("running (pid ")
    assert sum(batch.levels["error"] for batch in seen) == 1 and sum(len(b.rows) for b in seen) == 2
    assert seen[-1].status == "exited with status 0; restarting in 1s"


async def test_placeholders_fill_a_command_one_argument_each() -> None:
    timeline = Timeline()
    source = LogSource(name="edge", command=[sys.executable, "-c", "import sys; print(sys.argv[1])", "{{ value }}"])
    batches = watch_log(source, Reading(sleep=timeline.sleep), fill_argument=lambda a: a.replace("{{ value }}", "a b"))
    rows: list[str] = []
    async with contextlib.aclosing(batches):
        async for batch in batches:
            rows += [row[FULL] for row in batch.rows]
            if "exited" in batch.status:
                break
    assert rows == ["a b"]
