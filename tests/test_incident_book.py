"""Incident commands and the fold: what is accepted, what is refused and why, and what the incident becomes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from tessa_tui.base.errors import UserError
from tessa_tui.config.load import load_config
from tessa_tui.incidents.book import IncidentBook
from tessa_tui.incidents.journal_location import journal_file
from tests.incident_fixtures import START, ManualClock

Book = Callable[..., IncidentBook]


def declare(book: IncidentBook, severity: str = "SEV1", title: str = "Frontend returns 503", **kw: object) -> str:
    return book.record(book.declare(severity, title, **kw)).incident  # type: ignore[arg-type]


def test_declaring_sev1_attaches_its_procedure_and_starts_the_clocks(make_book: Book) -> None:
    book = make_book()
    incident = book.get(declare(book, runbooks=["service-unavailable"], services=["Frontend"]))
    assert incident.id == "INC-1"
    assert incident.runbook_ids == ["sev1-service-down", "service-unavailable"]
    assert incident.milestones == {"began": START, "detected": START}
    assert incident.services == ["Frontend"] and incident.declared_by == "alice"
    assert book.active() is incident


def test_ticks_by_number_id_or_runbook_slash_id(make_book: Book, clock: ManualClock) -> None:
    book = make_book()
    incident_id = declare(book, runbooks=["service-unavailable"])
    clock.advance(seconds=30)
    book.record(book.tick(incident_id, "1"))
    book.record(book.tick(incident_id, "post-incidents-channel"))
    book.record(book.tick(incident_id, "sev1-service-down/status-investigating"))
    incident = book.get(incident_id)
    assert set(incident.ticks) == {
        ("sev1-service-down", "ack-pagerduty"),
        ("sev1-service-down", "post-incidents-channel"),
        ("sev1-service-down", "status-investigating"),
    }
    assert incident.ticks[("sev1-service-down", "ack-pagerduty")].at == START + timedelta(seconds=30)
    book.record(book.tick(incident_id, "1", done=False))
    assert ("sev1-service-down", "ack-pagerduty") not in book.get(incident_id).ticks


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (lambda b: b.tick("INC-1", "1"), "already ticked"),
        (lambda b: b.tick("INC-1", "2", done=False), "is not ticked"),
        (lambda b: b.tick("INC-1", "999"), "INC-1 has steps 1-"),
        (lambda b: b.tick("INC-1", "no-such-step"), "no step 'no-such-step'"),
        (lambda b: b.tick("INC-9", "1"), "no incident 'INC-9'"),
        (lambda b: b.declare("SEV7", "x"), "choose one of SEV1, SEV2, SEV3, SEV4"),
        (lambda b: b.declare("SEV1", "x", runbooks=["nope"]), "no runbook 'nope'"),
        (lambda b: b.note("INC-1", "   "), "note: empty"),
        (lambda b: b.note("INC-1", "x", section="gossip"), "choose one of note, impact"),
        (lambda b: b.assign("INC-1", "chef", "bob"), "choose one of commander, comms, scribe"),
        (lambda b: b.attach("INC-1", "sev1-service-down"), "already attached"),
        (lambda b: b.change_severity("INC-1", "SEV1"), "already SEV1"),
        (lambda b: b.acknowledge("INC-1"), "already acknowledged"),
        (lambda b: b.reopen("INC-1"), "is not resolved"),
        (lambda b: b.milestone("INC-1", "lunch"), "choose one of began, detected"),
    ],
)
def test_refused_commands_say_why_and_record_nothing(
    make_book: Book, command: Callable[[IncidentBook], object], message: str
) -> None:
    book = make_book()
    incident_id = declare(book)
    book.record(book.tick(incident_id, "1"))
    book.record(book.acknowledge(incident_id))
    before = len(book.journal.events_since(0))
    with pytest.raises(UserError, match=message):
        command(book)
    assert len(book.journal.events_since(0)) == before


def test_milestones_must_stay_in_order(make_book: Book, clock: ManualClock) -> None:
    book = make_book()
    incident_id = declare(book)
    clock.advance(minutes=10)
    book.record(book.acknowledge(incident_id))  # acknowledged at 14:10
    with pytest.raises(UserError, match=r"Root cause identified at 14:05:00 would be before on-call acknowledged"):
        book.milestone(incident_id, "root-cause", START + timedelta(minutes=5))
    with pytest.raises(UserError, match="in the future"):
        book.milestone(incident_id, "root-cause", clock.now + timedelta(minutes=1))
    # Corrections are allowed when they keep the order: the incident began before it was detected.
    book.record(book.milestone(incident_id, "began", START - timedelta(minutes=7)))
    assert book.get(incident_id).milestones["began"] == START - timedelta(minutes=7)


def test_a_severity_change_swaps_the_procedure_and_keeps_progress(make_book: Book) -> None:
    book = make_book()
    incident_id = declare(book, severity="SEV2", runbooks=["ai-chat-not-responding"])
    book.record(book.tick(incident_id, "sev2-major-feature-down/ack-pagerduty"))
    issue_step = book.pack.runbooks["ai-chat-not-responding"].phases[0].steps[0].id
    book.record(book.tick(incident_id, f"ai-chat-not-responding/{issue_step}"))
    book.record(book.change_severity(incident_id, "SEV1"))
    incident = book.get(incident_id)
    assert incident.severity == "SEV1"
    assert incident.runbook_ids == ["sev1-service-down", "ai-chat-not-responding"]
    assert ("sev1-service-down", "ack-pagerduty") in incident.ticks  # the shared step stays ticked
    assert ("ai-chat-not-responding", issue_step) in incident.ticks
    assert [s for _, s in incident.severity_history] == ["SEV2", "SEV1"]


def test_resolve_stops_and_reopen_restarts(make_book: Book, clock: ManualClock) -> None:
    book = make_book()
    incident_id = declare(book)
    clock.advance(minutes=20)
    book.record(book.resolve(incident_id, "rolled back the deploy"))
    incident = book.get(incident_id)
    assert incident.status == "resolved" and book.active() is None
    assert incident.milestones["resolution_applied"] == clock.now
    assert "verified_resolved" not in incident.milestones  # resolving is not verifying: green checks or a person
    with pytest.raises(UserError, match="resolved; reopen it first"):
        book.acknowledge(incident_id)
    book.record(book.verify(incident_id))
    assert book.get(incident_id).milestones["verified_resolved"] == clock.now
    book.record(book.reopen(incident_id))
    reopened = book.get(incident_id)
    assert reopened.is_open and "verified_resolved" not in reopened.milestones


def test_a_second_process_sees_every_event(make_book: Book) -> None:
    alice, bob = make_book("alice"), make_book("bob")
    incident_id = declare(alice)
    assert bob.sync() == {incident_id}
    bob.record(bob.tick(incident_id, "1"))
    alice.sync()
    assert alice.get(incident_id).ticks[("sev1-service-down", "ack-pagerduty")].actor == "bob"


def test_the_most_severe_open_incident_is_active(make_book: Book, clock: ManualClock) -> None:
    book = make_book()
    declare(book, severity="SEV3", title="slow")
    clock.advance(minutes=1)
    sev1 = declare(book, severity="SEV1", title="down")
    clock.advance(minutes=1)
    declare(book, severity="SEV2", title="chat")
    assert book.active() is not None and book.active().id == sev1  # type: ignore[union-attr]


def test_untrusted_text_is_sanitised(make_book: Book) -> None:
    book = make_book()
    incident_id = declare(book, title="evil \x1b[2Jtitle")
    assert "\x1b" not in book.get(incident_id).title
    book.record(book.note(incident_id, "line one\nline two \x1b]0;pwned\x07"))
    assert book.get(incident_id).notes[0].text.startswith("line one\nline two")
    assert "\x1b" not in book.get(incident_id).notes[0].text


def test_a_relative_journal_path_is_beside_the_config_file(tmp_path: Path) -> None:
    folder = tmp_path / "ops"
    folder.mkdir()
    (folder / "tessa.yaml").write_text("journal:\n  path: incidents/journal.sqlite3\n", encoding="utf-8")
    assert journal_file(load_config(folder / "tessa.yaml")) == folder / "incidents" / "journal.sqlite3"


def test_commands_refuse_times_that_contradict_the_incident(make_book: Book, clock: ManualClock) -> None:
    """A machine whose clock is behind the one that recorded the incident: each write says so, none lands."""
    book = make_book()
    incident_id = declare(book)
    clock.advance(minutes=10)
    book.record(book.milestone(incident_id, "root-cause"))  # 14:10
    clock.now = START + timedelta(minutes=5)  # this clock now says 14:05
    with pytest.raises(UserError, match=r"Resolution applied at 14:05:00 would be before root cause .*check this"):
        book.resolve(incident_id)
    with pytest.raises(UserError, match=r"this machine's clock \(2026-01-21 14:05:00 UTC\) is behind .*14:10:00"):
        book.record(book.acknowledge(incident_id))  # in order with the milestones, but not with the timeline
    clock.now = START - timedelta(hours=2)
    with pytest.raises(UserError, match=r"this machine's clock \(2026-01-21 12:00:00 UTC\) is behind .*14:10:00"):
        book.record(book.note(incident_id, "from the past"))
    clock.now = START + timedelta(minutes=10, seconds=-30)  # half a minute behind: within the tolerance
    book.record(book.note(incident_id, "close enough"))
    assert [e.kind for e in book.journal.events_since(0)] == ["declared", "milestone_set", "note"]


def test_a_book_opened_read_only_refuses_every_write(make_book: Book, pack: object, clock: ManualClock) -> None:
    from tessa_tui.config.model import TessaConfig
    from tessa_tui.incidents.journal import Journal, JournalReadOnly

    writer = make_book()
    incident_id = declare(writer)
    path = writer.journal.path
    reader = IncidentBook(Journal(path, actor="bob", readonly=True), writer.pack, TessaConfig().severities, clock)
    reader.sync()
    assert reader.read_only == "--readonly was given" and reader.get(incident_id).title == "Frontend returns 503"
    for pending in (reader.note(incident_id, "x"), reader.acknowledge(incident_id), reader.declare("SEV2", "y")):
        with pytest.raises(JournalReadOnly, match="is read-only: --readonly was given; nothing recorded"):
            reader.record(pending)
    assert len(writer.journal.events_since(0)) == 1


def test_the_fold_skips_bad_events_and_keeps_the_rest(make_book: Book) -> None:
    from tessa_tui.incidents.incident import fold_checked
    from tessa_tui.incidents.journal import Event

    book = make_book()
    incident_id = declare(book)
    book.record(book.note(incident_id, "kept"))
    good = book.journal.events_since(0)
    at = good[-1].at
    bad = [
        Event(90, "b1", incident_id, at, "m", "step_ticked", {"runbook": ["not", "text"], "step": "s"}),
        Event(91, "b2", incident_id, at, "m", "milestone_set", {"milestone": "root_cause", "at": "2026-01-21T14:05"}),
        Event(92, "b3", incident_id, at, "m", "declared", {"severity": "SEV2"}),
        Event(93, "b4", incident_id, at, "m", "future_kind", {"anything": [1, {"x": None}]}),  # a newer version's
    ]
    incident, skipped = fold_checked([*good, *bad])
    assert incident is not None and [n.text for n in incident.notes] == ["kept"]
    assert [(u.id, u.reason) for u in skipped] == [
        ("b1", "step_ticked: field 'runbook' is a JSON list"),
        ("b2", "milestone_set: field 'at' is a JSON str of the wrong form"),
        ("b3", f"{incident_id} was already declared"),
    ]
    assert incident.events[-1].kind == "future_kind"  # unknown kinds stay timeline entries


def test_a_step_unticked_by_someone_else_says_who_unticked_it(make_book: Book, clock: ManualClock) -> None:
    book = make_book()
    incident_id = declare(book)
    book.record(book.tick(incident_id, "1"))
    clock.advance(minutes=2)
    book.switch_actor("bob")
    book.record(book.tick(incident_id, "1", done=False))
    incident = book.get(incident_id)
    [(step, untick)] = incident.unticked.items()
    assert incident.ticked(*step) is None and (untick.actor, untick.at) == ("bob", START + timedelta(minutes=2))
    book.record(book.tick(incident_id, "1"))  # ticked again: the untick is history (the timeline keeps it)
    assert book.get(incident_id).unticked == {}
    assert [e.actor for e in book.get(incident_id).events if e.kind.startswith("step_")] == ["alice", "bob", "bob"]


def test_events_pulled_late_fold_as_a_whole_fold_would(make_book: Book, clock: ManualClock) -> None:
    """Another machine's events arrive a moment late and fold before the newest: from a checkpoint a little back
    (or from the start when older than it), never differently from folding everything at once."""
    import json

    from tessa_tui.incidents.hlc import Stamp, millis
    from tessa_tui.incidents.incident import fold_checked
    from tessa_tui.incidents.shared.replica import Row, apply_pulled

    book = make_book()
    incident_id = declare(book)
    runbook, _, step = book.checklist(book.get(incident_id))[0]
    for n in range(700):
        clock.advance(seconds=1)
        book.record(book.note(incident_id, f"note {n}"))
    stamps = [e.hlc for e in book.journal.events_since(0)]

    def late(kind: str, data: dict[str, str], before: int, name: str) -> Row:
        """An event from machine `zz` stamped just before our event `before` events from the end."""
        earlier = Stamp(millis(START) + 1, 0, "") if before > len(stamps) else None
        stamp = earlier or Stamp(int(stamps[-before][:15]) - 1, 0, "zz")
        at = stamp.moment().isoformat()
        return Row(0, name, incident_id, at, "zoe", kind, json.dumps(data), stamp.text(), "zz")

    tick = {"runbook": runbook.id, "step": step.id, "text": step.text}
    cases = [
        [late("step_ticked", tick, 10, "t1")],  # after the checkpoint
        [late("step_unticked", tick, 5, "u1"), late("note", {"text": "late"}, 3, "n1")],
        [late("note", {"text": "older than the checkpoint"}, 600, "n2")],
        [late("severity_changed", {"severity": "SEV2", "previous": "SEV1"}, 2, "s1")],
    ]
    for cursor, rows in enumerate(cases, start=1):
        apply_pulled(book.journal, rows, cursor)
        book.sync()
        whole, _ = fold_checked(sorted(book.journal.events_since(0), key=lambda e: e.order()))
        assert whole is not None
        shown = book.get(incident_id)
        for name in ("ticks", "unticked", "notes", "severity", "severity_history", "status", "milestones"):
            assert getattr(shown, name) == getattr(whole, name), (cursor, name)
        assert [e.id for e in shown.events] == [e.id for e in whole.events], cursor
    assert book.get(incident_id).severity == "SEV2" and book.get(incident_id).ticked(runbook.id, step.id) is None
