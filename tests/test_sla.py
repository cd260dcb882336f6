"""SLA clocks with an injected clock: levels and alerts at 50 %, 80 % and the breach; a restart keeps time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from tessa_tui.incidents.book import IncidentBook
from tessa_tui.incidents.sla import SlaTimer, ThresholdWatcher, current_phase, incident_clocks
from tests.incident_fixtures import START, ManualClock

Book = Callable[..., IncidentBook]


def clocks_of(book: IncidentBook, incident_id: str) -> dict[str, SlaTimer]:
    return {c.key: c for c in incident_clocks(book.get(incident_id), book.pack, book.severities)}


def test_sev1_response_clock_changes_level_at_each_threshold(make_book: Book, clock: ManualClock) -> None:
    book = make_book()
    incident_id = book.record(book.declare("SEV1", "down")).incident
    response = clocks_of(book, incident_id)[f"{incident_id}:response"]
    assert response.deadline - response.start == timedelta(minutes=15)  # the seed's SEV1 target
    seen = []
    for minute in (0, 7, 7.5, 11.9, 12, 14.9, 15, 16):
        now = START + timedelta(minutes=minute)
        seen.append((minute, response.level(now), response.text(now)))
    assert seen == [
        (0, "ok", "15:00 left"),
        (7, "ok", "08:00 left"),
        (7.5, "warn", "07:30 left"),
        (11.9, "warn", "03:06 left"),
        (12, "danger", "03:00 left"),
        (14.9, "danger", "00:06 left"),
        (15, "breach", "00:00 left"),
        (16, "breach", "01:00 over"),
    ]


def test_acknowledging_stops_the_response_clock(make_book: Book, clock: ManualClock) -> None:
    book = make_book()
    incident_id = book.record(book.declare("SEV2", "chat down")).incident
    clock.advance(minutes=20)
    book.record(book.acknowledge(incident_id))
    response = clocks_of(book, incident_id)[f"{incident_id}:response"]
    later = clock.now + timedelta(hours=3)
    assert not response.running(later)
    assert response.text(later) == "met, 10:00 to spare"
    assert response.level(later) == "warn"  # 20 of 30 minutes used: the record shows how close it was


def test_phase_boxes_and_the_current_phase(make_book: Book, clock: ManualClock) -> None:
    book = make_book()
    incident_id = book.record(book.declare("SEV1", "down")).incident
    phases = {c.label: c for c in clocks_of(book, incident_id).values() if c.kind == "phase"}
    assert {label: c.deadline - START for label, c in phases.items()} == {
        "Immediate actions": timedelta(minutes=5),
        "Investigation": timedelta(minutes=15),
        "Resolution": timedelta(minutes=30),
    }
    assert current_phase(phases.values(), START).label == "Immediate actions"  # type: ignore[union-attr]
    clock.advance(minutes=3)
    for n in range(1, 5):  # the four immediate actions, done at 3 minutes
        book.record(book.tick(incident_id, str(n)))
    immediate = clocks_of(book, incident_id)[f"{incident_id}:phase:sev1-service-down:Immediate actions"]
    assert immediate.text(clock.now + timedelta(hours=1)) == "met, 02:00 to spare"
    now_phase = current_phase(clocks_of(book, incident_id).values(), clock.now)
    assert now_phase is not None and now_phase.label == "Investigation"


def test_issue_runbooks_escalate_after_their_limit(make_book: Book, clock: ManualClock) -> None:
    book = make_book()
    incident_id = book.record(book.declare("SEV1", "503s")).incident
    clock.advance(minutes=2)
    book.record(book.attach(incident_id, "service-unavailable"))
    escalate = clocks_of(book, incident_id)[f"{incident_id}:escalate:service-unavailable"]
    assert escalate.start == START + timedelta(minutes=2)
    assert escalate.deadline == START + timedelta(minutes=17)  # "Escalate if unresolved within 15 minutes"
    watcher = ThresholdWatcher(clock)
    watcher.prime(clocks_of(book, incident_id).values())
    clock.advance(minutes=15)
    messages = [a.message(clock.now) for a in watcher.check(clocks_of(book, incident_id).values())]
    assert "INC-1: escalate now: Service Unavailable error unresolved after 15:00" in messages


def test_each_threshold_is_announced_once(make_book: Book, clock: ManualClock) -> None:
    book = make_book()
    incident_id = book.record(book.declare("SEV1", "down")).incident
    watcher = ThresholdWatcher(clock)
    watcher.prime(clocks_of(book, incident_id).values())
    announced: list[tuple[str, str]] = []
    for _ in range(20 * 60):  # every second for 20 minutes, as the dashboard's tick does
        clock.advance(seconds=1)
        announced += [(a.clock.key, a.level) for a in watcher.check(clocks_of(book, incident_id).values())]
    response = [level for key, level in announced if key == "INC-1:response"]
    assert response == ["warn", "danger", "breach"]
    immediate = [level for key, level in announced if key == "INC-1:phase:sev1-service-down:Immediate actions"]
    assert immediate == ["warn", "danger", "breach"]
    assert len(announced) == len(set(announced))


def test_a_restart_keeps_time_and_does_not_repeat_old_alerts(
    make_book: Book, clock: ManualClock, tmp_path: object
) -> None:
    first = make_book()
    incident_id = first.record(first.declare("SEV1", "down")).incident
    clock.advance(minutes=13)
    before = clocks_of(first, incident_id)[f"{incident_id}:response"]
    restarted = make_book()  # a new process on the same journal file
    after = clocks_of(restarted, incident_id)[f"{incident_id}:response"]
    assert after == before
    assert after.text(clock.now) == "02:00 left" and after.level(clock.now) == "danger"
    watcher = ThresholdWatcher(clock)
    watcher.prime(clocks_of(restarted, incident_id).values())
    assert watcher.check(clocks_of(restarted, incident_id).values()) == []
    clock.advance(minutes=2)
    levels = [(a.clock.key, a.level) for a in watcher.check(clocks_of(restarted, incident_id).values())]
    assert ("INC-1:response", "breach") in levels


def test_two_incidents_are_announced_separately(make_book: Book, clock: ManualClock) -> None:
    book = make_book()
    first = book.record(book.declare("SEV1", "down")).incident
    second = book.record(book.declare("SEV1", "also down")).incident
    watcher = ThresholdWatcher(clock)

    def all_clocks() -> list[SlaTimer]:
        return [c for i in (first, second) for c in clocks_of(book, i).values()]

    watcher.prime(all_clocks())
    clock.advance(minutes=16)
    breached = {a.clock.key for a in watcher.check(all_clocks()) if a.level == "breach"}
    assert {f"{first}:response", f"{second}:response"} <= breached


def _posted(kind: str, ok: bool = True) -> dict[str, object]:
    """An ActionResult.record() of a Slack / Statuspage step as the runner hands it to the journal."""
    return {
        "kind": kind,
        "command": f"{kind} post",
        "status": "200" if ok else "500",
        "ok": ok,
        "why": "",
        "duration_ms": 12.0,
        "excerpt": "",
        "output": "",
        "truncated": False,
    }


def test_the_update_clock_restarts_when_an_update_is_posted(make_book: Book, clock: ManualClock) -> None:
    book = make_book()
    incident_id = book.record(book.declare("SEV1", "down")).incident
    update = clocks_of(book, incident_id)[f"{incident_id}:update"]
    assert (update.label, update.start, update.deadline) == (
        "Next stakeholder update",
        START,
        START + timedelta(minutes=30),
    )
    watcher = ThresholdWatcher(clock)
    watcher.prime(clocks_of(book, incident_id).values())
    clock.advance(minutes=25)
    assert [a.level for a in watcher.check(clocks_of(book, incident_id).values()) if a.clock.kind == "update"] == [
        "danger"
    ]
    book.record(book.action_output(incident_id, "post-incidents-channel", _posted("slack")))
    update = clocks_of(book, incident_id)[f"{incident_id}:update"]
    assert update.start == clock.now and update.text(clock.now) == "30:00 left" and update.level(clock.now) == "ok"
    clock.advance(minutes=16)
    book.record(book.action_output(incident_id, "status-investigating", _posted("statuspage", ok=False)))
    assert clocks_of(book, incident_id)[f"{incident_id}:update"].start == update.start  # a failed post is no update
    # The restarted countdown's thresholds are announced again, from the first.
    assert [a.level for a in watcher.check(clocks_of(book, incident_id).values()) if a.clock.kind == "update"] == [
        "warn"
    ]
    book.record(book.action_output(incident_id, "status-investigating", _posted("statuspage")))
    assert clocks_of(book, incident_id)[f"{incident_id}:update"].deadline == clock.now + timedelta(minutes=30)


def test_the_update_clock_breaches_when_no_update_is_posted(make_book: Book, clock: ManualClock) -> None:
    book = make_book()
    incident_id = book.record(book.declare("SEV2", "chat down")).incident  # SEV2: every hour
    book.record(book.note(incident_id, "users see a spinner"))  # a note is not a stakeholder update
    watcher = ThresholdWatcher(clock)
    watcher.prime(clocks_of(book, incident_id).values())
    alerts = []
    for _ in range(61):
        clock.advance(minutes=1)
        alerts += [a for a in watcher.check(clocks_of(book, incident_id).values()) if a.clock.kind == "update"]
    assert [a.level for a in alerts] == ["warn", "danger", "breach"]
    assert alerts[-1].message(clock.now) == "INC-1: stakeholder update overdue: none posted in 1h"
    assert clocks_of(book, incident_id)[f"{incident_id}:update"].text(clock.now) == "01:00 over"
    book.record(book.resolve(incident_id, "back up"))
    assert not clocks_of(book, incident_id)[f"{incident_id}:update"].running(clock.now)  # resolved: no more updates


def test_severities_without_a_cadence_have_no_update_clock(make_book: Book) -> None:
    book = make_book()
    incident_id = book.record(book.declare("SEV4", "typo")).incident
    assert f"{incident_id}:update" not in clocks_of(book, incident_id)


def _skewed(book: IncidentBook, incident_id: str, kind: str, at: datetime, **data: object) -> None:
    """A row as another machine with a wrong clock wrote it: the command there saw nothing wrong."""
    from tessa_tui.incidents.journal import new_event

    book.journal.append(new_event(incident_id, kind, **data), at=at)
    book.sync()


def test_an_acknowledgement_before_detection_is_suspect_never_met(make_book: Book, clock: ManualClock) -> None:
    book = make_book()
    incident_id = book.record(book.declare("SEV1", "down")).incident
    _skewed(book, incident_id, "acknowledged", START - timedelta(hours=2))  # "met, 2h to spare" before the fix
    response = clocks_of(book, incident_id)[f"{incident_id}:response"]
    later = START + timedelta(hours=3)
    assert response.text(later) == "suspect: acknowledged before detection"
    assert all(c.text(later).startswith("suspect: ") for c in clocks_of(book, incident_id).values())


def test_steps_ticked_before_the_incident_began_are_suspect(make_book: Book, clock: ManualClock) -> None:
    book = make_book()
    incident_id = book.record(book.declare("SEV1", "down")).incident
    for step in ("ack-pagerduty", "post-incidents-channel", "status-investigating", "recent-deployments"):
        _skewed(book, incident_id, "step_ticked", START - timedelta(minutes=30), runbook="sev1-service-down", step=step)
    clocks = clocks_of(book, incident_id)
    immediate = clocks[f"{incident_id}:phase:sev1-service-down:Immediate actions"]
    assert immediate.stopped_at is not None, "the four steps should stop the phase clock"
    assert immediate.text(START + timedelta(hours=1)) == "suspect: its steps were ticked before the incident began"


def test_times_in_the_future_are_suspect_beyond_a_minute(make_book: Book, clock: ManualClock) -> None:
    book = make_book()
    incident_id = book.record(book.declare("SEV2", "chat down")).incident
    _skewed(book, incident_id, "note", START + timedelta(seconds=50), text="a clock 50 s fast")
    response = clocks_of(book, incident_id)[f"{incident_id}:response"]
    assert response.text(START) == "30:00 left"  # within the tolerance: healthy clocks differ a little
    _skewed(book, incident_id, "note", START + timedelta(hours=5), text="a clock 5 h fast")
    response = clocks_of(book, incident_id)[f"{incident_id}:response"]
    assert response.text(START) == "suspect: recorded in the future (2026-01-21 19:00 UTC): a clock is wrong"
    assert not response.text(START + timedelta(hours=6)).startswith("suspect")  # once that time has come


def test_a_clock_stopped_by_the_resolution_is_not_met_by_it(make_book: Book, clock: ManualClock) -> None:
    """Resolving inside a phase's box with steps left undone, or with no update posted, is no target met."""
    book = make_book()
    incident_id = book.record(book.declare("SEV1", "down")).incident
    clock.advance(minutes=2)
    book.record(book.tick(incident_id, "1"))
    book.record(book.tick(incident_id, "2"))
    clock.advance(minutes=1)
    book.record(book.resolve(incident_id, "it came back"))
    later = clock.now + timedelta(hours=1)
    clocks = clocks_of(book, incident_id)
    immediate = clocks[f"{incident_id}:phase:sev1-service-down:Immediate actions"]
    assert immediate.text(later) == "missed: 2 of 4 steps done when the box ended"
    assert immediate.level(later) == "breach"
    assert clocks[f"{incident_id}:update"].text(later) == "not met: no update posted"


def test_detected_before_declaring_is_not_suspect(make_book: Book, clock: ManualClock) -> None:
    """The monitor saw it 9 minutes before anyone declared: the incident began by then, nothing contradicts."""
    book = make_book()
    incident_id = book.record(book.declare("SEV1", "Down", detected_at=START - timedelta(minutes=9))).incident
    incident = book.get(incident_id)
    assert incident.milestones["began"] == incident.milestones["detected"] == START - timedelta(minutes=9)
    clocks = incident_clocks(incident, book.pack, book.severities)
    assert not any(c.doubt(START) for c in clocks), [c.doubt(START) for c in clocks]
