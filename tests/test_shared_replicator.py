"""The console's sync loop (`Replicator.run`) against a PostgreSQL the test stops and starts: it says what is
happening (offline since, events waiting), keeps every tick local while the database is down, sends them when it
is back without being asked, and never stops on a fault."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tessa_tui.cli.journal_shared import _init
from tessa_tui.config.fields import Duration
from tessa_tui.config.model import SharedJournal, TessaConfig
from tessa_tui.demo.pg_server import PostgresServer
from tessa_tui.incidents.book import IncidentBook
from tessa_tui.incidents.journal import Journal
from tessa_tui.incidents.shared.presence import Presence
from tessa_tui.incidents.shared.replicator import Replicator
from tessa_tui.runbook.load import configured_pack


def book_at(path: Path, actor: str, shared: SharedJournal) -> IncidentBook:
    config = TessaConfig()
    journal = Journal(path, actor=actor, shared=shared.identity())
    book = IncidentBook(journal, configured_pack([], None, config.placeholders), config.severities)
    book.shared = shared
    return book


async def until(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    """Wait for `condition` (a generous bound: a busy machine is slow, a broken loop never gets there)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while not condition():
        assert loop.time() < end, "never happened"
        await asyncio.sleep(0.05)


def test_the_sync_loop_rides_out_a_database_restart(tmp_path: Path, pg_disposable: PostgresServer) -> None:
    shared = SharedJournal(dsn=pg_disposable.dsn, schema="loop", connect_timeout=Duration(seconds=1))
    asyncio.run(_init(pg_disposable.dsn, shared))
    alice, bob = book_at(tmp_path / "a.sqlite3", "alice", shared), book_at(tmp_path / "b.sqlite3", "bob", shared)
    heard: list[str] = []

    async def scenario() -> None:
        news = asyncio.Event()
        a = Replicator(alice.journal, shared, Presence(alice.journal.node, "alice", "a"))
        b = Replicator(bob.journal, shared, Presence(bob.journal.node, "bob", "b"), on_news=news.set)
        b_roster = b.roster
        tasks = [asyncio.create_task(a.run()), asyncio.create_task(b.run())]
        try:
            await until(lambda: a.status().mode == "live" and b.status().mode == "live")
            declared = alice.record(alice.declare("SEV2", "Checkout slow"))
            a.kick()
            await until(lambda: news.is_set())
            bob.sync()
            incident = bob.get(declared.incident)  # by the provisional id it was shown with on alice's screen
            assert incident.id == "INC-1" and incident.aliases == [declared.incident]
            await until(lambda: [p.actor for p in b.roster.present(datetime.now(UTC))] == ["alice", "bob"])
            heard.append("presence")
            await until(lambda: alice.sync() is not None and "INC-1" in alice.incidents)  # its own number, pulled

            await asyncio.to_thread(pg_disposable.stop)
            alice.record(alice.tick("INC-1", "1"))
            alice.record(alice.note("INC-1", "database down, still recording"))
            a.kick()
            await until(lambda: a.status().mode == "offline" and a.status().waiting == 2)
            status = a.status()
            assert status.since is not None and "2 events waiting (offline since" in status.text()
            assert "internal error" not in status.reason  # a database going away is news, not a bug
            assert [e.kind for e in alice.journal.events_since(0)][-2:] == ["step_ticked", "note"]  # kept here

            news.clear()
            await asyncio.to_thread(pg_disposable.start)
            await until(lambda: a.status().mode == "live" and a.status().waiting == 0, seconds=60)
            await until(lambda: news.is_set(), seconds=60)
            bob.sync()
            assert bob.get("INC-1").ticked("sev2-major-feature-down", bob.checklist(bob.get("INC-1"))[0][2].id)
            assert any(n.text == "database down, still recording" for n in bob.get("INC-1").notes)
            # Nobody was known while it could not hear them; back, everyone is heard again.
            assert b.roster is not b_roster
            await until(lambda: [p.actor for p in b.roster.present(datetime.now(UTC))] == ["alice", "bob"])
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    asyncio.run(scenario())
    assert heard == ["presence"]
    ids = [e.id for e in bob.journal.events_since(0)]
    assert len(ids) == len(set(ids)) == len(alice.journal.events_since(0))


def test_a_role_that_may_not_append_is_told_so_not_crashed(
    tmp_path: Path, pg_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A role with SELECT but no INSERT: the push is refused by the server. That is a setting to fix (the
    grants), said in one line with the way out; the events wait, counted; no crash report."""
    from tests.shared_journal_support import fresh_schema, owner_execute, with_user

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))  # where a crash report would go
    schema = fresh_schema()
    owner = SharedJournal(dsn=pg_dsn, schema=schema)
    asyncio.run(_init(pg_dsn, owner))
    role = f"r_{schema[2:14]}"
    owner_execute(pg_dsn, f"CREATE ROLE {role} LOGIN")
    owner_execute(pg_dsn, f"GRANT USAGE ON SCHEMA {schema} TO {role}")
    owner_execute(pg_dsn, f"GRANT SELECT ON {schema}.events, {schema}.meta TO {role}")
    shared = SharedJournal(dsn=with_user(pg_dsn, role), schema=schema)
    book = book_at(tmp_path / "j.sqlite3", "alice", shared)
    book.record(book.declare("SEV3", "slow"))
    replicator = Replicator(book.journal, shared, Presence(book.journal.node, "alice", "a"))
    status = asyncio.run(replicator.sync_once())
    assert status.mode == "refused" and status.waiting == 1
    assert "may not append to" in status.reason and "init-shared` prints the grants" in status.reason
    assert not list((tmp_path / "state").rglob("crash*"))
