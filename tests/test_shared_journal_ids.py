"""Provisional ids made alike on two machines (forced: one chance in hundreds of millions a pair, but offline
declarations add up): the database numbers the id once, and both machines fold the same incident, the
later declaration shown as joined, not one incident on one laptop and another on the other."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest

from tessa_tui.cli.journal_shared import _init, sync_book
from tessa_tui.config.model import SharedJournal
from tessa_tui.incidents import journal as journal_module
from tessa_tui.incidents.incident import describe_event
from tests.shared_journal_support import book_view
from tests.test_shared_replicator import book_at


def test_one_provisional_id_declared_on_two_machines_folds_alike_on_both(
    tmp_path: Path, pg_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = SharedJournal(dsn=pg_dsn, schema=f"t_{uuid.uuid4().hex[:16]}")
    asyncio.run(_init(pg_dsn, shared))
    monkeypatch.setattr(journal_module, "_provisional", lambda _db: "INC-AAAAAA")
    alice = book_at(tmp_path / "a.sqlite3", "alice", shared)
    bob = book_at(tmp_path / "b.sqlite3", "bob", shared)
    alice.record(alice.declare("SEV1", "payments down"))
    bob.record(bob.declare("SEV3", "typo on the landing page"))
    bob.record(bob.note("INC-AAAAAA", "the typo is in the footer"))
    for book in (alice, bob, alice, bob):
        assert sync_book(book) is not None

    assert book_view(alice) == book_view(bob)
    incident = alice.get("INC-1")
    assert (incident.title, incident.severity) == ("payments down", "SEV1")  # the earlier by the clock
    assert incident.unreadable == []
    [joined] = incident.joined
    assert describe_event(joined, incident) == "joined: declared apart as INC-AAAAAA (typo on the landing page)"
    assert [n.text for n in bob.get("INC-AAAAAA").notes] == ["the typo is in the footer"]
