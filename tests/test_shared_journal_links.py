"""The shared journal when the link or the database misbehaves after the connection was made: a link that goes
silent mid-session (a laptop's Wi-Fi dropped: packets vanish, nothing is refused), a role that may read but not
append. The sync says what happened in a person's words (never "internal error" for the network), counts what
waits, and a CLI write that was saved here exits 0 saying so: a person told the note failed would type it again.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import uuid
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pytest

from tessa_tui.cli.journal_shared import _init
from tessa_tui.config.fields import Duration
from tessa_tui.config.model import SharedJournal
from tessa_tui.demo.pg_server import PostgresServer
from tessa_tui.incidents.journal import Journal
from tessa_tui.incidents.shared import remote
from tessa_tui.incidents.shared.presence import Presence, console_presence
from tessa_tui.incidents.shared.replicator import Replicator
from tests.shared_journal_support import (
    Machine,
    MachineFactory,
    SilentLink,
    dsn_port,
    init_shared,
    owner_execute,
    with_user,
)
from tests.test_shared_replicator import book_at, until


def test_a_link_that_goes_silent_reads_offline_with_the_event_counted_not_an_internal_error(
    tmp_path: Path, pg_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(remote, "CALL_S", 1.0)  # the deadline of one call, shortened: the test waits it out
    schema = f"t_{uuid.uuid4().hex[:16]}"

    async def scenario() -> None:
        async with SilentLink(dsn_port(pg_dsn)).serving() as link:
            dsn = link.dsn(pg_dsn)
            shared = SharedJournal(dsn=dsn, schema=schema, connect_timeout=Duration(seconds=1))
            await _init(pg_dsn, shared)
            alice = book_at(tmp_path / "a.sqlite3", "alice", shared)
            sync = Replicator(alice.journal, shared, Presence(alice.journal.node, "alice", "a"))
            task = asyncio.create_task(sync.run())
            try:
                await until(lambda: sync.status().mode == "live")
                link.silent = True
                alice.record(alice.declare("SEV2", "Checkout slow"))
                sync.kick()
                await until(lambda: sync.status().mode == "offline")
                status = sync.status()
                assert "internal error" not in status.reason, status.reason
                assert "no answer" in status.reason
                assert status.waiting == 1, status.text()  # the declaration is not shared: counted at once
                assert status.text().startswith("shared: 1 event waiting (offline")
            finally:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)

    asyncio.run(scenario())


def test_a_role_that_may_read_but_not_append_saves_here_and_says_why_it_is_not_shared(
    pg_dsn: str, machines: MachineFactory
) -> None:
    owner = machines("owner", pg_dsn)
    init_shared(owner)
    schema = re.search(r"schema: (\w+)", owner.config.read_text())
    assert schema
    assert owner.cli("incident", "declare", "SEV2", "chat down").returncode == 0
    role = f"reader_{uuid.uuid4().hex[:10]}"
    owner_execute(
        pg_dsn,
        f"CREATE ROLE {role} LOGIN; GRANT USAGE ON SCHEMA {schema[1]} TO {role}; "
        f"GRANT SELECT ON {schema[1]}.events, {schema[1]}.meta TO {role}",
    )
    try:
        reader = machines("reader", with_user(pg_dsn, role), schema=schema[1])
        assert reader.cli("incident", "list").stdout.startswith("INC-1 ")
        note = reader.cli("incident", "note", "1", "from a role without INSERT")
        assert note.returncode == 0, note.stderr  # saved here: exit 70 would have it typed again, and doubled
        assert note.stdout.startswith("INC-1: note added")
        assert "internal error" not in note.stderr
        assert "saved here; 1 event waiting to be shared" in note.stderr
        sync = reader.cli("journal", "sync")
        assert sync.returncode == 1, sync.stdout + sync.stderr
        assert sync.stdout.startswith("shared: refused (1 event waiting)"), sync.stdout
        assert "init-shared` prints the grants" in sync.stdout
        assert "Traceback" not in sync.stderr and "internal error" not in sync.stderr
    finally:
        owner_execute(pg_dsn, f"DROP OWNED BY {role}; DROP ROLE {role}")


def test_offline_since_is_the_last_time_the_shared_journal_answered_not_the_last_event_nor_now(
    tmp_path: Path, pg_disposable: PostgresServer, machines: MachineFactory
) -> None:
    a = machines("alice", pg_disposable.dsn)
    init_shared(a)
    assert a.cli("incident", "declare", "SEV2", "chat down").returncode == 0
    first = _contact(a)
    listed = a.cli("incident", "list")  # reached, with nothing to push or pull
    assert listed.returncode == 0 and "warning" not in listed.stderr, listed.stderr
    reached = _contact(a)
    assert reached > first  # it answered: that is the last contact, whatever moved or not

    pg_disposable.stop()
    status = a.cli("journal", "status")
    assert status.returncode == 1
    assert f"last reached {reached[:19].replace('T', ' ')} UTC" in status.stdout, status.stdout
    sync = a.cli("journal", "sync")  # the same words: not "offline since" this very minute
    assert sync.returncode == 1
    assert sync.stdout.splitlines()[0] == f"shared: 0 events waiting (offline since {reached[11:16]} UTC)"

    never = machines("bob", "postgresql://bob@127.0.0.1:9/tessa")  # discard port: never reached
    assert never.cli("journal", "sync").stdout.splitlines()[0] == "shared: 0 events waiting (offline, never reached)"


def _contact(machine: Machine) -> str:
    with sqlite3.connect(machine.journal) as db:
        row = db.execute("SELECT value FROM sync_state WHERE key = 'contact'").fetchone()
    assert row, "no contact recorded"
    return str(row[0])


def test_two_consoles_on_one_local_copy_and_two_spectators_are_each_on_the_roster(tmp_path: Path, pg_dsn: str) -> None:
    """The war room's screen and a laptop on one host share a local copy (one node id); spectators without
    a local copy have none: each console is still its own entry, and each hears the others at once."""
    shared = SharedJournal(dsn=pg_dsn, schema=f"t_{uuid.uuid4().hex[:16]}", connect_timeout=Duration(seconds=2))

    async def scenario() -> None:
        await _init(pg_dsn, shared)
        room = book_at(tmp_path / "room.sqlite3", "room", shared)
        same = book_at(tmp_path / "room.sqlite3", "dave", shared)
        spectators = [
            Journal(tmp_path / f"w{n}" / "none.sqlite3", actor=f"w{n}", readonly=True, shared=shared.identity())
            for n in (1, 2)
        ]
        consoles = [
            (room.journal, "room", False),
            (same.journal, "dave", False),
            (spectators[0], "watcher1", True),
            (spectators[1], "watcher2", True),
        ]
        syncs = [
            Replicator(
                journal,
                shared,
                console_presence(journal.node, actor, "host", readonly),
                on_rows=(lambda rows: None) if readonly else None,
            )
            for journal, actor, readonly in consoles
        ]
        tasks = [asyncio.create_task(s.run()) for s in syncs]
        try:
            everyone = ["dave", "room", "watcher1", "watcher2"]
            for sync in syncs:
                await until(partial(_actors_are, sync, everyone))
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    asyncio.run(scenario())


def _actors_are(sync: Replicator, actors: list[str]) -> bool:
    return [p.actor for p in sync.roster.present(datetime.now(UTC))] == actors


def test_a_local_copy_is_bound_to_one_shared_journal_and_refuses_local_incidents(machines: MachineFactory) -> None:
    """Checked before anything is reached (nothing listens at the DSNs): the binding is the local file's."""
    local = machines("local", None)
    assert local.cli("incident", "declare", "SEV3", "numbered here").stdout.startswith("INC-1: declared")
    shared_text = "  shared:\n    dsn: ${TESSA_JOURNAL_DSN}\n    connect-timeout: 200ms\n"
    local.config.write_text(local.config.read_text() + shared_text, "utf-8")
    for args in [("incident", "list"), ("--readonly", "incident", "list"), ("journal", "status"), ("journal", "sync")]:
        run = local.cli(*args, env={"TESSA_JOURNAL_DSN": "postgresql://x@127.0.0.1:9/one"})
        assert run.returncode == 2, run.stdout + run.stderr
        assert run.stderr.count("\n") == 1 and "holds incidents numbered on this machine" in run.stderr

    copy = machines("copy", "postgresql://x@127.0.0.1:9/one")
    assert copy.cli("incident", "declare", "SEV3", "waits to be shared").returncode == 0
    other = copy.cli("incident", "list", env={"TESSA_JOURNAL_DSN": "postgresql://x@127.0.0.1:9/two"})
    assert other.returncode == 2
    assert "local copy of the shared journal 127.0.0.1:9/one" in other.stderr and "not 127.0.0.1:9/two" in other.stderr
