"""The journal loses nothing and records nothing twice: kills, two writers, a full disk, a bad file."""

from __future__ import annotations

import os
import random
import select
import shutil
import signal
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tessa_tui.incidents.book import IncidentBook
from tessa_tui.incidents.journal import Journal, JournalError, JournalReadOnly, new_event
from tests.incident_fixtures import ManualClock

CRASH_CYCLES = 200
REPORT_GUARD_S = 30  # a hang guard for a child that stopped reporting, never a speed assertion


def test_events_come_back_in_order_with_actor_and_utc_time(tmp_path: Path, clock: ManualClock) -> None:
    journal = Journal(tmp_path / "j.sqlite3", actor="alice", clock=clock)
    declared = journal.declare(severity="SEV1", title="down", runbooks=[])
    clock.advance(seconds=5)
    journal.append(new_event(declared.incident, "note", text="first"))
    events = Journal(tmp_path / "j.sqlite3", actor="bob").events_of("INC-1")
    assert [(e.kind, e.actor, e.at.isoformat()) for e in events] == [
        ("declared", "alice", "2026-01-21T14:00:00+00:00"),
        ("note", "alice", "2026-01-21T14:00:05+00:00"),
    ]


def test_a_retried_event_is_recorded_once(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3", actor="alice")
    pending = new_event("INC-1", "note", text="x")
    first = journal.append(pending)
    again = journal.append(pending)  # the caller did not learn whether the first write landed
    assert again.seq == first.seq
    assert len(journal.events_since(0)) == 1


def test_the_journal_refuses_to_rewrite_history(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    Journal(path, actor="alice").append(new_event("INC-1", "note", text="x"))
    with sqlite3.connect(path) as raw:
        for statement in ("UPDATE events SET data = '{}'", "DELETE FROM events"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                raw.execute(statement)


def test_a_full_disk_is_reported_and_the_event_is_kept_for_retry(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    Journal(path, actor="alice").declare(severity="SEV1", title="down", runbooks=[])
    pages = sqlite3.connect(path).execute("PRAGMA page_count").fetchone()[0]
    full = Journal(path, actor="alice", max_pages=pages)  # no room for one more page, as on a full disk
    pending = new_event("INC-1", "note", text="x" * 20_000)
    with pytest.raises(JournalError, match="not saved: the disk is full"):
        full.append(pending)
    assert [e.kind for e in full.events_since(0)] == ["declared"]  # nothing half-written
    retried = Journal(path, actor="alice").append(pending)  # space again: the same event, once
    assert retried.data["text"] == "x" * 20_000
    assert [e.kind for e in Journal(path, actor="alice").events_since(0)] == ["declared", "note"]


def test_a_read_only_journal_is_reported(tmp_path: Path) -> None:
    """A journal the user cannot write (root can write anything, so as root the writer runs as nobody):
    it opens read-only, every event reads, and a write says so in one line with nothing recorded."""
    folder = Path(tempfile.mkdtemp(prefix="tessa-ro-", dir="/var/tmp"))
    try:
        path = folder / "j.sqlite3"
        writer = Journal(path, actor="alice")
        writer.append(new_event("INC-1", "note", text="x"))
        writer.close()  # checkpointed: no -wal or -shm left, and as nobody none can be made
        path.chmod(0o444)
        folder.chmod(0o555)
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child reports through the pipe
            message = "no error"
            try:
                if os.geteuid() == 0:
                    os.setgid(65534)
                    os.setuid(65534)
                journal = Journal(path, actor="alice")
                message = f"read {len(journal.events_since(0))}; "
                journal.append(new_event("INC-1", "note", text="y"))
            except JournalError as exc:
                message += str(exc)
            finally:
                os.write(write_end, message.encode())
                os._exit(0)
        os.close(write_end)
        os.waitpid(pid, 0)
        message = os.read(read_end, 4096).decode()
        os.close(read_end)
        assert message == (
            f"read 1; journal {path} is read-only: the file is not writable by this user; nothing recorded"
        ), message
        assert sorted(p.name for p in folder.iterdir()) == ["j.sqlite3"]  # not even a -wal or -shm
        assert len(Journal(path, actor="check").events_since(0)) == 1
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)


def test_readonly_writes_nothing_not_even_a_missing_journal(tmp_path: Path) -> None:
    path = tmp_path / "not-yet" / "j.sqlite3"
    journal = Journal(path, actor="alice", readonly=True)
    assert journal.events_since(0) == [] and journal.last_seq() == 0
    with pytest.raises(JournalReadOnly, match=r"is read-only: --readonly was given; nothing recorded"):
        journal.declare(severity="SEV1", title="x", runbooks=[])
    assert not path.parent.exists()


def test_a_readonly_reader_follows_a_writer_that_starts_later(tmp_path: Path) -> None:
    """Read-only opens immutable while no writer is about (creating no -wal / -shm), then follows one."""
    path = tmp_path / "j.sqlite3"
    first = Journal(path, actor="alice")
    first.append(new_event("INC-1", "note", text="x"))
    first.close()  # checkpointed: no writer about
    reader = Journal(path, actor="spectator", readonly=True)
    assert len(reader.events_since(0)) == 1 and not path.with_name("j.sqlite3-wal").exists()
    writer = Journal(path, actor="alice")
    writer.append(new_event("INC-1", "note", text="y"))
    assert [e.data["text"] for e in reader.events_since(0)] == ["x", "y"]
    writer.append(new_event("INC-1", "note", text="z"))
    assert [e.data["text"] for e in reader.events_since(1)] == ["y", "z"]


def test_a_readonly_reader_of_a_journal_not_yet_made_sees_it_once_made(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    reader = Journal(path, actor="spectator", readonly=True)
    assert reader.events_since(0) == [] and not path.exists()
    writer = Journal(path, actor="alice")
    writer.declare(severity="SEV1", title="down", runbooks=[])
    writer.close()  # gone before the reader looks again: the file is there, no -wal
    assert [e.kind for e in reader.events_since(0)] == ["declared"]


def test_a_file_that_is_not_a_journal_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(JournalError) as caught:
        Journal(path, actor="alice")
    assert str(caught.value).startswith(f"{path}: cannot open the journal: file is not a database")


def test_a_journal_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    Journal(path, actor="alice")
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA user_version = 99")
    with pytest.raises(JournalError, match="newer tessa-tui"):
        Journal(path, actor="alice")


def _tick_forever(book: IncidentBook, report: int) -> None:
    """The child: tick and untick steps of INC-1 in a loop, reporting each event id once it is committed."""
    book.sync()
    incident = book.active() or book.get(book.record(book.declare("SEV1", "crash test")).incident)
    steps = [f"{r.id}/{s.id}" for r, _, s in book.checklist(incident)]
    while True:
        for step in steps:
            done = book.incidents[incident.id].ticked(*step.split("/")) is None
            event = book.record(book.tick(incident.id, step, done=done))
            os.write(report, f"{event.id}\n".encode())


def _reports_until(fd: int, want: int, received: bytearray) -> None:
    """Read the child's reports into `received` until `want` whole lines have come, or the child has ended."""
    while received.count(b"\n") < want:
        ready, _, _ = select.select([fd], [], [], REPORT_GUARD_S)
        assert ready, f"the child reported nothing for {REPORT_GUARD_S} s"
        if not (chunk := os.read(fd, 65536)):
            return
        received += chunk


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_no_reported_tick_and_duplicates_none(
    tmp_path: Path, make_book: Callable[..., IncidentBook]
) -> None:
    rng = random.Random(20261128)
    reported: list[str] = []
    awaited = 0
    for _ in range(CRASH_CYCLES):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child never returns
            os.close(read_end)
            try:
                _tick_forever(make_book(), write_end)
            finally:
                os._exit(1)
        os.close(write_end)
        # The moment is counted in the child's own progress, then scattered by up to 30 ms: 0 reports kills it
        # while it opens the journal or declares; on a busy machine a bare 0-30 ms often came before any tick.
        want = rng.randint(0, 3)
        awaited += want
        received = bytearray()
        _reports_until(read_end, want, received)
        time.sleep(rng.uniform(0.0, 0.03))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        _reports_until(read_end, 10**9, received)  # to the end of the pipe
        os.close(read_end)
        reported += received.decode().split("\n")[:-1]  # a line cut by the kill was never reported as saved
    journal = Journal(tmp_path / "journal.sqlite3", actor="check")
    assert journal.integrity() == "ok"
    events = journal.events_since(0)
    ids = [e.id for e in events]
    assert len(ids) == len(set(ids)), "an event was recorded twice"
    assert [e.seq for e in events] == sorted(e.seq for e in events)
    missing = set(reported) - set(ids)
    assert not missing, f"{len(missing)} ticks reported saved are gone"
    assert len(reported) >= awaited > CRASH_CYCLES, "the children hardly ticked: the test proved little"
    print(f"\n{CRASH_CYCLES} kills, {len(reported)} ticks reported saved, {len(events)} events, none lost")


def test_two_processes_ticking_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    Journal(path, actor="setup")  # create the schema before the race
    children = []
    for writer in ("alice", "bob"):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child never returns
            code = 1
            try:
                journal = Journal(path, actor=writer)
                for n in range(1000):
                    journal.append(new_event("INC-1", "note", text=f"{writer} {n}"))
                code = 0
            finally:
                os._exit(code)
        children.append(pid)
    statuses = [os.waitpid(pid, 0)[1] for pid in children]
    assert statuses == [0, 0]
    events = Journal(path, actor="check").events_since(0)
    assert len(events) == 2000
    for writer in ("alice", "bob"):
        texts = [e.data["text"] for e in events if e.actor == writer]
        assert texts == [f"{writer} {n}" for n in range(1000)]  # each writer's events, complete and in order


def test_two_processes_declaring_at_once_get_different_ids(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    Journal(path, actor="setup")
    children = []
    for writer in ("alice", "bob"):
        pid = os.fork()
        if pid == 0:  # pragma: no cover
            code = 1
            try:
                journal = Journal(path, actor=writer)
                for _ in range(50):
                    journal.declare(severity="SEV3", title=writer, runbooks=[])
                code = 0
            finally:
                os._exit(code)
        children.append(pid)
    assert [os.waitpid(pid, 0)[1] for pid in children] == [0, 0]
    declared = [e.incident for e in Journal(path, actor="check").events_since(0)]
    assert sorted(declared, key=lambda i: int(i[4:])) == [f"INC-{n}" for n in range(1, 101)]
