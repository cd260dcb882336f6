"""The same events fold into the same incident whatever order they arrive in (issue 20): three machines with
clocks up to 20 s apart (inside the minute the commands tolerate) work one incident, now and then pulling each
other's events; the database numbers the incident at a random moment. Every reader, fed every row in its own
random order and batches (folding after each batch, as a console folds each pull), ends with the same
incident as a reader fed everything at once.

No PostgreSQL: rows go from journal to journal the way the sync carries them (`replica.outbox`, `apply_pulled`).
"""

from __future__ import annotations

import json
import random
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tessa_tui.config.model import SharedJournal, TessaConfig
from tessa_tui.incidents.book import IncidentBook
from tessa_tui.incidents.journal import Journal
from tessa_tui.incidents.shared import replica
from tessa_tui.incidents.shared.replica import Row
from tessa_tui.runbook.load import configured_pack
from tests.shared_journal_support import HandClock, fold_view

SHARED = SharedJournal(dsn="postgresql://tessa@127.0.0.1:5432/tessa", schema="orders")
START = datetime(2026, 3, 1, 14, 0, tzinfo=UTC)


def _book(path: Path, actor: str, clock: HandClock, skew: float) -> IncidentBook:
    config = TessaConfig()
    journal = Journal(path, actor=actor, clock=clock.behind(skew), shared=SHARED.identity())
    book = IncidentBook(journal, configured_pack([], None, config.placeholders), config.severities, clock.behind(skew))
    book.shared = SHARED
    return book


def _rows(book: IncidentBook) -> list[Row]:
    rows, held = replica.outbox(book.journal, 0, 10_000)
    assert held == []
    return rows


def _pull(into: IncidentBook, rows: list[Row]) -> None:
    replica.apply_pulled(into.journal, rows, 0)
    into.sync()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    skews=st.lists(st.floats(min_value=-20, max_value=20, allow_nan=False), min_size=3, max_size=3),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    steps=st.integers(min_value=5, max_value=40),
)
def test_every_arrival_order_folds_into_the_same_incident(skews: list[float], seed: int, steps: int) -> None:
    rng = random.Random(seed)
    clock = HandClock(START)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        machines = [_book(root / f"m{n}.sqlite3", name, clock, skews[n]) for n, name in enumerate("abc")]
        declared = machines[0].record(machines[0].declare("SEV2", "checkout slow"))
        provisional = declared.incident
        for other in machines[1:]:
            _pull(other, _rows(machines[0]))
        numbered_after = rng.randrange(steps + 1)
        numbered: list[Row] = []
        for step in range(steps):
            clock.advance(rng.choice([0.0, 0.001, 0.3, 2.0]))
            book = rng.choice(machines)
            if rng.random() < 0.3:  # a pull from another machine: later stamps go past what it saw
                _pull(book, _rows(rng.choice([m for m in machines if m is not book])))
            incident = book.get(provisional)
            choice = rng.random()
            if choice < 0.45:
                steps_ = book.checklist(incident)
                runbook, _, step_ = steps_[rng.randrange(min(4, len(steps_)))]
                done = not incident.ticked(runbook.id, step_.id)
                pending = book.tick(incident.id, f"{runbook.id}/{step_.id}", done=done)
            elif choice < 0.7:
                pending = book.note(incident.id, f"{book.actor} {step}")
            elif choice < 0.9:
                pending = book.change_severity(
                    incident.id, rng.choice([s for s in ("SEV1", "SEV2", "SEV3") if s != incident.severity])
                )
            else:
                pending = book.assign(incident.id, "commander", rng.choice(["alice", "bob", "carol"]))
            book.record(pending)
            if step == numbered_after:
                numbered = [_numbering(declared.hlc, declared.at.isoformat(), provisional)]
        every = {r.id: r for m in machines for r in _rows(m)}
        rows = [*every.values(), *(numbered or [_numbering(declared.hlc, declared.at.isoformat(), provisional)])]

        whole = _book(root / "whole.sqlite3", "reader", clock, 0)
        _pull(whole, rows)
        expected = {k: fold_view(v) for k, v in whole.incidents.items()}
        assert list(expected) == ["INC-1"]
        for n in range(3):
            shuffled = rows[:]
            rng.shuffle(shuffled)
            reader = _book(root / f"reader{n}.sqlite3", "reader", clock, 0)
            while shuffled:
                size = rng.randint(1, 5)
                batch, shuffled = shuffled[:size], shuffled[size:]
                _pull(reader, batch)
            assert {k: fold_view(v) for k, v in reader.incidents.items()} == expected


def _numbering(hlc: str, at: str, provisional: str) -> Row:
    """The `numbered` row the database writes when the declaration is pushed (remote.SharedConnection._number)."""
    data = json.dumps({"number": 1})
    return Row(0, f"numbered-{provisional}", provisional, at, "tessa-tui", "numbered", data, hlc, "shared")
