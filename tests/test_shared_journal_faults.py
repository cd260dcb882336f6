"""The shared journal when things break (issue 20): PostgreSQL stopped while two machines write 500 events each,
a machine's sync killed with SIGKILL at random moments 50 times, and a DSN's password in no output whatever
fails. Nothing lost, nothing doubled, the same fold on every machine."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from tessa_tui.demo.pg_server import PostgresServer
from tessa_tui.incidents.book import IncidentBook
from tessa_tui.incidents.journal import PROVISIONAL, Event
from tessa_tui.incidents.shared import replica
from tests.shared_journal_support import (
    REPO,
    HandClock,
    Machine,
    MachineFactory,
    book_view,
    init_shared,
    local_ids,
    shared_rows,
    with_user,
)

LEVELS = ("SEV1", "SEV2", "SEV3")
PEOPLE = ("alice", "bob", "carol", "dave")


def work(book: IncidentBook, clock: HandClock, incidents: list[str], count: int, rng: random.Random) -> list[Event]:
    """`count` events of the kinds people make most (ticks, unticks, notes, severity changes, roles), on
    `incidents` at random, 10 ms apart by `clock`."""
    made = []
    for n in range(count):
        clock.advance(0.01)
        incident = book.get(rng.choice(incidents))
        choice = rng.random()
        if choice < 0.5:
            rows = book.checklist(incident)
            runbook, _, step = rows[rng.randrange(len(rows))]
            pending = book.tick(incident.id, f"{runbook.id}/{step.id}", done=not incident.ticked(runbook.id, step.id))
        elif choice < 0.75:
            pending = book.note(incident.id, f"{book.actor} note {n}: {rng.random():.6f}")
        elif choice < 0.9:
            pending = book.change_severity(incident.id, rng.choice([s for s in LEVELS if s != incident.severity]))
        else:
            pending = book.assign(incident.id, rng.choice(["commander", "scribe"]), rng.choice(PEOPLE))
        made.append(book.record(pending))
    return made


def settle(pairs: list[tuple[Machine, IncidentBook]], dsn: str, schema: str) -> None:
    """Sync every machine in turn until each journal holds exactly the shared table's events."""
    for _ in range(4):
        for machine, book in pairs:
            assert machine.sync(book).mode == "live"
        shared = {r["id"] for r in shared_rows(dsn, schema)}
        if all(set(local_ids(book)) == shared for _, book in pairs):
            return
    raise AssertionError("the machines did not converge in 4 rounds of sync")


def assert_one_record(pairs: list[tuple[Machine, IncidentBook]], dsn: str, schema: str, made: list[Event]) -> None:
    """Nothing lost, nothing doubled: every event made is in the shared table and in every journal once, as
    made; each declaration numbered once (1..N); nothing waiting; the same fold everywhere."""
    rows = shared_rows(dsn, schema)
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))
    declared = [r for r in rows if r["kind"] == "declared"]
    numbered = [r for r in rows if r["kind"] == "numbered"]
    assert sorted(r["incident"] for r in numbered) == sorted(r["incident"] for r in declared)
    numbers = sorted(int(re.sub(r"\D", "", r["data"])) for r in numbered)
    assert numbers == list(range(1, len(declared) + 1))
    assert set(ids) == {e.id for e in made} | {r["id"] for r in numbered}
    as_made = {e.id: (e.incident, e.at.isoformat(), e.actor, e.kind, e.hlc, e.origin) for e in made}
    for row in rows:
        if row["id"] in as_made:
            assert (row["incident"], row["at"], row["actor"], row["kind"], row["hlc"], row["origin"]) == as_made[
                row["id"]
            ]
    views = []
    for machine, book in pairs:
        local = local_ids(book)
        assert sorted(local) == sorted(ids), machine.name  # every event once, no more
        assert replica.waiting(book.journal) == 0
        assert book.journal.integrity() == "ok"
        fresh = machine.book()  # a restart folds what is on disk the same way
        assert book_view(fresh) == book_view(book)
        assert not fresh.unreadable()
        views.append(book_view(fresh))
        fresh.journal.close()
    assert all(view == views[0] for view in views)


def test_a_partition_of_500_events_a_side_heals_into_one_record(
    pg_disposable: PostgresServer, machines: MachineFactory
) -> None:
    a, b = machines("alice", pg_disposable.dsn), machines("bob", pg_disposable.dsn)
    schema = re.findall(r"schema: (\w+)", a.config.read_text())[0]
    init_shared(a)
    clock_a, clock_b = HandClock(), HandClock()
    book_a, book_b = a.book(clock_a), b.book(clock_b)
    made = [book_a.record(book_a.declare("SEV2", "chat down"))]
    a.sync(book_a)
    b.sync(book_b)
    assert set(book_b.incidents) == {"INC-1"}

    pg_disposable.stop()
    rng = random.Random(20)
    made_a = [book_a.record(book_a.declare("SEV3", "seen from alice's laptop"))]
    made_b = [book_b.record(book_b.declare("SEV3", "seen from bob's laptop"))]
    provisional = {made_a[0].incident, made_b[0].incident}
    assert all(PROVISIONAL.fullmatch(p) for p in provisional)
    made_a += work(book_a, clock_a, ["INC-1", made_a[0].incident], 500, rng)
    made_b += work(book_b, clock_b, ["INC-1", made_b[0].incident], 500, rng)
    assert {e.kind for e in made_a + made_b} >= {"step_ticked", "step_unticked", "note", "severity_changed"}
    offline = b.sync(book_b)
    assert offline.mode == "offline" and offline.waiting == 501
    assert re.match(r"shared: 501 events waiting \(offline", offline.text())

    pg_disposable.start()
    settle([(a, book_a), (b, book_b)], pg_disposable.dsn, schema)
    made += made_a + made_b
    assert_one_record([(a, book_a), (b, book_b)], pg_disposable.dsn, schema, made)
    assert len(local_ids(book_a)) == 1 + 1002 + 3  # INC-1, 1,000 events and 2 declarations, 3 numberings
    for book in (book_a, book_b):
        assert set(book.incidents) == {"INC-1", "INC-2", "INC-3"}
        for incident in provisional:  # the id each was shown with still reaches it, and is listed as an alias
            assert incident in book.get(incident).aliases and book.get(incident).id in {"INC-2", "INC-3"}
        notes = book.get("INC-1").notes
        assert {n.actor for n in notes} == {"alice", "bob"}


def test_a_sync_killed_50_times_at_random_moments_loses_and_doubles_nothing(
    pg_dsn: str, machines: MachineFactory
) -> None:
    a, b = machines("alice", pg_dsn), machines("bob", pg_dsn)
    schema = re.findall(r"schema: (\w+)", a.config.read_text())[0]
    init_shared(a)
    clock_a, clock_b = HandClock(), HandClock()
    book_a, book_b = a.book(clock_a), b.book(clock_b)
    rng = random.Random()
    made = [book_a.record(book_a.declare("SEV2", "chat down"))]
    a.sync(book_a)
    b.sync(book_b)
    incidents_a, incidents_b = ["INC-1"], ["INC-1"]
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.shared_sync_child", str(a.config)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=a.env,
        cwd=REPO,
    )
    assert child.stdin is not None and child.stdout is not None
    ask: Callable[[str], str] = lambda line: _ask(child, line)  # noqa: E731
    try:
        assert child.stdout.readline().strip() == "ready"
        span, killed = 0.0, 0
        for round_ in range(51):
            if round_ % 10 == 1:  # declarations too: numbered once, however often a push is retried
                made.append(book_a.record(book_a.declare("SEV3", f"alice {round_}")))
                incidents_a.append(made[-1].incident)
                made.append(book_b.record(book_b.declare("SEV4", f"bob {round_}")))
                incidents_b.append(made[-1].incident)
            made += work(book_a, clock_a, incidents_a, 30, rng)  # A's outbox
            made += work(book_b, clock_b, incidents_b, 10, rng)  # for A to pull
            b.sync(book_b)
            pid = int(ask("go"))
            started = time.monotonic()
            if round_ == 0:  # once to the end: how long a sync of this size takes here sets the kills' range
                status = int(ask(f"reap {pid}"))
                span = time.monotonic() - started
                assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
                continue
            time.sleep(rng.uniform(0, span * 1.2))
            os.kill(pid, signal.SIGKILL)  # unreaped until `reap`: never another process's pid
            status = int(ask(f"reap {pid}"))
            killed += os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        assert killed >= 10  # most kills land mid-sync (a kill after the end is harmless, and proves less)
    finally:
        child.kill()
        child.wait(timeout=10)
    settle([(a, book_a), (b, book_b)], pg_dsn, schema)
    assert_one_record([(a, book_a), (b, book_b)], pg_dsn, schema, made)


def _ask(child: subprocess.Popen[str], line: str) -> str:
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write(line + "\n")
    child.stdin.flush()
    return child.stdout.readline().strip()


PASSWORD = "pw-S3cr3t-xyzzy"


def test_a_dsn_password_is_in_no_output_when_the_database_is_down_or_refuses(
    pg_dsn: str, machines: MachineFactory
) -> None:
    down = f"postgresql://tessa:{PASSWORD}@127.0.0.1:1/tessa"
    no_database = with_user(pg_dsn, "tessa", PASSWORD).rsplit("/", 1)[0] + "/no_such_database"
    no_role = with_user(pg_dsn, "no_such_role", PASSWORD)
    unparsed = f"postgresql://tessa:{PASSWORD}#x@127.0.0.1:1/tessa"  # a '#' not URL-encoded
    commands: list[tuple[str, ...]] = [
        ("journal", "init-shared"),
        ("journal", "status"),
        ("journal", "sync"),
        ("incident", "declare", "SEV3", "while the database refuses"),
        ("incident", "list"),
        ("incident", "note", "active", "still refused"),
        ("incident", "show", "active"),
    ]
    for n, dsn in enumerate([down, no_database, no_role, unparsed]):
        machine = machines(f"m{n}", dsn)
        outputs: dict[str, Any] = {}
        for args in commands:
            run = machine.cli(*args)
            outputs[" ".join(args)] = (run.returncode, run.stdout, run.stderr)
            assert "Traceback" not in run.stderr, run.stderr
        init = machine.cli("journal", "init-shared", "--dsn-env", "OWNER_DSN", env={"OWNER_DSN": dsn})
        outputs["init-shared --dsn-env"] = (init.returncode, init.stdout, init.stderr)
        assert outputs["journal init-shared"][0] == init.returncode == 2
        assert outputs["journal status"][0] == outputs["journal sync"][0] == 1
        assert outputs["incident declare SEV3 while the database refuses"][0] == 0  # saved here all the same
        text = repr(outputs)
        for kept in [p.read_bytes() for p in machine.folder.rglob("*") if p.is_file() and p.name != "tessa.yaml"]:
            text += kept.decode("utf-8", "replace")
        assert PASSWORD not in text and "S3cr3t" not in text
        assert "shared journal" in outputs["journal init-shared"][2]  # a reason was given, just not the password
