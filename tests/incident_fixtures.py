"""Incident fixtures: the shipped runbook pack, a clock tests move by hand, and a book on a fresh journal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from runbooks import pack_dir
from tessa_tui.config.model import TessaConfig
from tessa_tui.incidents.book import IncidentBook
from tessa_tui.incidents.journal import Journal
from tessa_tui.runbook.load import RunbookPack, load_pack

START = datetime.fromisoformat("2026-01-21T14:00:00+00:00")


class ManualClock:
    """A clock that only moves when told: SLA tests never sleep."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture(scope="session")
def pack() -> RunbookPack:
    return load_pack([pack_dir()])


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def make_book(tmp_path: Path, pack: RunbookPack, clock: ManualClock) -> Callable[..., IncidentBook]:
    """A book on `tmp_path/journal.sqlite3` (the same file on every call: a second call is a restart)."""

    def make(actor: str = "alice", path: Path | None = None) -> IncidentBook:
        journal = Journal(path or tmp_path / "journal.sqlite3", actor=actor, clock=clock)
        book = IncidentBook(journal, pack, TessaConfig().severities, clock)
        book.sync()
        return book

    return make
