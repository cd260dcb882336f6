"""An incident is the fold of its journal events: nothing about it is stored anywhere else.

The fold is total: an event of a known kind whose data has the wrong shape (a missing field, a list where
text belongs, a time that is not one) is skipped and kept in `Incident.unreadable`, never raised, so one bad
row costs one timeline entry, not the journal.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from tessa_tui.base.redact import clip
from tessa_tui.incidents.journal import PROVISIONAL, Event, Unreadable, parse_time
from tessa_tui.incidents.vocabulary import MILESTONE_LABELS as MILESTONE_LABELS
from tessa_tui.incidents.vocabulary import MILESTONES as MILESTONES
from tessa_tui.incidents.vocabulary import NOTE_SECTIONS as NOTE_SECTIONS
from tessa_tui.incidents.vocabulary import ROLES as ROLES

LINK_KEYS = ("pagerduty_incident",)
ROOT_CAUSE_QUESTIONS = (
    ("root_cause", "What happened?"),
    ("root_cause_why", "Why did it happen?"),
    ("root_cause_missed", "Why wasn't it caught earlier?"),
)
"""The seed's three root-cause questions, each answered by notes of its section."""


@dataclass(frozen=True, slots=True)
class Tick:
    """A ticked step: who and when."""

    at: datetime
    actor: str


@dataclass(frozen=True, slots=True)
class Note:
    """Free text for the post-mortem; `section` says where it goes (root cause, action item, ...)."""

    at: datetime
    actor: str
    text: str
    section: str = "note"
    owner: str = ""
    """An action item's owner (empty: not set)."""
    due: str = ""
    """An action item's due date, YYYY-MM-DD (empty: not set)."""


@dataclass(frozen=True, slots=True)
class Attachment:
    """A runbook on the incident, and since when (issue runbooks' clocks start there)."""

    runbook: str
    at: datetime


@dataclass
class Incident:
    """The current state of one incident, rebuilt from its events."""

    id: str
    title: str
    severity: str
    declared_at: datetime
    declared_by: str
    status: str = "open"  # open, acknowledged, resolved
    services: list[str] = field(default_factory=list)
    runbooks: list[Attachment] = field(default_factory=list)
    ticks: dict[tuple[str, str], Tick] = field(default_factory=dict)
    unticked: dict[tuple[str, str], Tick] = field(default_factory=dict)
    """Steps unticked and not ticked since: who unticked them, and when (two machines disagreeing shows)."""
    notes: list[Note] = field(default_factory=list)
    roles: dict[str, str] = field(default_factory=dict)
    milestones: dict[str, datetime] = field(default_factory=dict)
    severity_history: list[tuple[datetime, str]] = field(default_factory=list)
    resolved_at: datetime | None = None
    summary: str = ""
    links: dict[str, str] = field(default_factory=dict)
    """Outside records it was declared from, e.g. `pagerduty_incident` (the PagerDuty incident id)."""
    events: list[Event] = field(default_factory=list)
    unreadable: list[Unreadable] = field(default_factory=list)
    """Its events that could not be folded (wrong shape, or before the declaration), each with why."""
    monitor: tuple[Event, ...] = ()
    aliases: list[str] = field(default_factory=list)
    """Other ids it was shown with: provisional ids made offline before the shared journal numbered it."""
    joined: list[Event] = field(default_factory=list)
    """Declarations made apart (say of one PagerDuty incident while partitioned) that joined this one."""
    """Monitor evidence (service state flips, `state_flips.MONITOR`): not this incident's events, set by the
    book so the post-mortem can say when the incident began and how it was detected."""

    @property
    def is_open(self) -> bool:
        return self.status != "resolved"

    @property
    def runbook_ids(self) -> list[str]:
        return [a.runbook for a in self.runbooks]

    def attached_at(self, runbook: str) -> datetime | None:
        return next((a.at for a in self.runbooks if a.runbook == runbook), None)

    def ticked(self, runbook: str, step: str) -> Tick | None:
        return self.ticks.get((runbook, step))

    def last_change(self) -> datetime:
        return self.events[-1].at if self.events else self.declared_at


def fold(events: Iterable[Event]) -> Incident:
    """Apply one incident's events in order; ValueError when none of them is a readable declaration."""
    incident, _ = fold_checked(events)
    if incident is None:
        raise ValueError("no readable 'declared' event")
    return incident


def fold_checked(events: Iterable[Event]) -> tuple[Incident | None, list[Unreadable]]:
    """Fold what can be folded (in the order given: the book's is the events' clock order), never raising:
    the incident (None without a readable declaration) and the events skipped, each with why. Events of an id
    never declared (reviews' REV-N) are not incidents.

    An id's declaration is its first committed (a second `declared` of one id is damage, whatever its time);
    declarations of other ids folded together (made apart, then numbered as one) join the earliest. A
    provisional id made on two machines alike (a collision) holds two stamped declarations: the earliest by
    the clock is its declaration on every machine, the other joins it (first committed would differ by
    machine: each its own)."""
    events = list(events)
    firsts: dict[str, Event] = {}
    twins: set[str] = set()
    for event in events:
        first = firsts.get(event.incident)
        if event.kind != "declared" or event_problem(event) is not None:
            continue
        if first is not None and _twins(first, event):
            later = max(first, event, key=Event.order)
            twins.add(later.id)
            firsts[event.incident] = min(first, event, key=Event.order)
        elif first is None or event.seq < first.seq:
            firsts[event.incident] = event
    if any(PROVISIONAL.fullmatch(incident) for incident in firsts):
        # Only provisional ids are numbered into one incident (every declaration in a shared journal's copy is
        # made under one): a declaration of the number itself beside them is another writer's row, never the
        # incident's start, however early its time.
        firsts = {incident: e for incident, e in firsts.items() if PROVISIONAL.fullmatch(incident)}
    primary = min(firsts.values(), key=Event.order, default=None)
    joins = {e.id for e in firsts.values() if e is not primary} | twins
    if primary is not None:
        # An unstamped row (schema 1's, another tool's) committed after the declaration folds after it, whatever
        # its time says: a time before the declaration is a wrong clock to report, not a reason to drop the row.
        late = {id(e) for e in events if not e.hlc and e.seq > primary.seq and e.at < primary.at}
        if late:
            rest = [e for e in events if id(e) not in late]
            at = next(n for n, e in enumerate(rest) if e is primary) + 1
            events = rest[:at] + [e for e in events if id(e) in late] + rest[at:]
    incident: Incident | None = None
    early: list[Unreadable] = []
    for event in events:
        reason = event_problem(event)
        if reason is None and incident is not None and event.kind == "declared" and event.id in joins:
            incident.joined.append(event)
            incident.events.append(event)
            continue
        if reason is None and event is not primary and (event.kind == "declared" or incident is None):
            reason = f"{event.incident} was already declared" if incident else f"before {event.incident} was declared"
        if reason is None:
            try:
                if incident is None:
                    incident = _declared(event)
                else:
                    _apply(incident, event)
            except (KeyError, TypeError, ValueError, OverflowError) as exc:  # event_problem should prevent these
                reason = clip(f"not understood: {type(exc).__name__}: {exc}", 200)
        if reason is None and incident is not None:
            incident.events.append(event)
        elif reason is not None:
            skipped = Unreadable(event.seq, event.id, event.incident, event.kind, reason)
            (incident.unreadable if incident else early).append(skipped)
    if incident is None:
        return None, [u for u in early if u.kind == "declared" or not u.reason.startswith("before ")]
    incident.unreadable[:0] = early
    return incident, incident.unreadable


def _twins(one: Event, other: Event) -> bool:
    """Two stamped declarations of one provisional id: two machines made the same id (see `fold_checked`)."""
    return bool(one.hlc and other.hlc) and PROVISIONAL.fullmatch(one.incident) is not None


def fold_more(incident: Incident, events: Iterable[Event]) -> Incident:
    """`incident` with events that sort after all of its own applied: what `fold_checked` of all of them would
    give, at the cost of the new ones only (an incident worked by twenty consoles has thousands of events).
    A copy: readers on other threads keep the incident they hold."""
    folded = copy.copy(incident)
    for part in dataclasses.fields(incident):  # every list and dict it owns, so a new field cannot be forgotten
        value = getattr(incident, part.name)
        if isinstance(value, list | dict):
            setattr(folded, part.name, copy.copy(value))
    declared = {e.incident: e for e in folded.events if e.kind == "declared"}
    for event in events:
        reason = event_problem(event)
        if reason is None and event.kind == "declared":
            if event.incident in declared and _twins(declared[event.incident], event):
                folded.joined.append(event)
                folded.events.append(event)
                continue
            if event.incident in declared:
                reason = f"{event.incident} was already declared"
            else:
                declared[event.incident] = event
                folded.joined.append(event)
                folded.events.append(event)
                continue
        if reason is None:
            try:
                _apply(folded, event)
            except (KeyError, TypeError, ValueError, OverflowError) as exc:  # event_problem should prevent these
                reason = clip(f"not understood: {type(exc).__name__}: {exc}", 200)
        if reason is None:
            folded.events.append(event)
        else:
            folded.unreadable.append(Unreadable(event.seq, event.id, event.incident, event.kind, reason))
    return folded


def fold_all(events: Iterable[Event]) -> dict[str, Incident]:
    """Every incident in a stream of events (of any incidents), by id, in declaration order."""
    grouped: dict[str, list[Event]] = {}
    for event in events:
        grouped.setdefault(event.incident, []).append(event)
    folded = {incident_id: fold_checked(evs)[0] for incident_id, evs in grouped.items()}
    return {incident_id: incident for incident_id, incident in folded.items() if incident is not None}


Check = Callable[[object], bool]


def _text(value: object) -> bool:
    return isinstance(value, str)


def _maybe_text(value: object) -> bool:
    return value is None or isinstance(value, str)


def _maybe_texts(value: object) -> bool:
    return value is None or (isinstance(value, list) and all(isinstance(v, str) for v in value))


def _moment(value: object) -> bool:
    return parse_time(value) is not None


def _maybe_moment(value: object) -> bool:
    return value is None or value == "" or parse_time(value) is not None


def _maybe_flag(value: object) -> bool:
    return value is None or isinstance(value, bool)


def _milestone(value: object) -> bool:
    return isinstance(value, str) and value in MILESTONES


def _whole(value: object) -> bool:
    return type(value) is int


_STEP: dict[str, Check] = {"runbook": _text, "step": _text, "text": _maybe_text}
# What the fold, the timeline, the clocks and the post-mortem rely on, per kind; a field absent is None.
# Kinds not listed (integration calls, a newer version's kinds) are timeline entries of any object shape.
SHAPES: dict[str, dict[str, Check]] = {
    "declared": {
        "severity": _text,
        "title": _maybe_text,
        "runbooks": _maybe_texts,
        "services": _maybe_texts,
        "detected_at": _maybe_moment,
        "began_at": _maybe_moment,
        "pagerduty_incident": _maybe_text,
    },
    "acknowledged": {},
    "severity_changed": {"severity": _text, "previous": _maybe_text, "procedure": _maybe_text, "replaces": _maybe_text},
    "runbook_attached": {"runbook": _text, "title": _maybe_text},
    "step_ticked": _STEP,
    "step_unticked": _STEP,
    "action_output": {
        **_STEP,
        "ticks": _maybe_flag,
        "ok": _maybe_flag,
        "action": _maybe_text,
        "status": _maybe_text,
        "why": _maybe_text,
        "title": _maybe_text,
        "excerpt": _maybe_text,
    },
    "note": {"text": _text, "section": _maybe_text, "owner": _maybe_text, "due": _maybe_text},
    "role_assigned": {"role": _text, "person": _text},
    "handoff": {"role": _text, "person": _text, "previous": _maybe_text},
    "milestone_set": {"milestone": _milestone, "at": _moment},
    "retitled": {"title": _text},
    "log_pinned": {"title": _maybe_text, "excerpt": _maybe_text},
    "db_action": {"action": _text, "pid": _whole, "result": _text, "reason": _text, "query": _maybe_text},
    "resolved": {"summary": _maybe_text},
    "reopened": {},
    "stakeholder_update": {"text": _text},
    "verify_check": {"service": _text, "state": _text},
    "verified": {"how": _maybe_text, "note": _maybe_text, "services": _maybe_texts},
}


def event_problem(event: Event) -> str | None:
    """Why an event cannot be folded (None when it can): a field of its kind missing or of the wrong type."""
    for name, check in SHAPES.get(event.kind, {}).items():
        if not check(event.data.get(name)):
            value = event.data.get(name)
            got = "missing" if value is None else f"a JSON {type(value).__name__}"
            return f"{event.kind}: field {name!r} is {got}" + (" of the wrong form" if _text(value) else "")
    return None


def _declared(event: Event) -> Incident:
    data = event.data
    incident = Incident(
        id=event.incident,
        title=str(data.get("title", "")),
        severity=str(data.get("severity", "")),
        declared_at=event.at,
        declared_by=event.actor,
        services=list(data.get("services") or []),
    )
    incident.runbooks = [Attachment(r, event.at) for r in data.get("runbooks") or []]
    incident.links = {key: str(data[key]) for key in LINK_KEYS if data.get(key)}
    incident.severity_history.append((event.at, incident.severity))
    detected = _time(data.get("detected_at")) or event.at
    # Unknown beginning: no later than the detection (detected 9 minutes before declaring means it began by then,
    # not at the declaration; the declaration time would read as "detected before the incident began").
    incident.milestones["began"] = _time(data.get("began_at")) or min(detected, event.at)
    incident.milestones["detected"] = detected
    return incident


def _apply(incident: Incident, event: Event) -> None:
    data = event.data
    kind = event.kind
    if kind == "acknowledged":
        if incident.status == "open":
            incident.status = "acknowledged"
        incident.milestones.setdefault("acknowledged", event.at)
    elif kind == "severity_changed":
        incident.severity = str(data["severity"])
        incident.severity_history.append((event.at, incident.severity))
        new, old = data.get("procedure"), data.get("replaces")
        if new:
            _swap_procedure(incident, str(old) if old else None, str(new), event.at)
    elif kind == "runbook_attached":
        if data["runbook"] not in incident.runbook_ids:
            incident.runbooks.append(Attachment(str(data["runbook"]), event.at))
    elif kind == "step_ticked":
        # Two consoles can tick one step at once: the first commit is when it was done, and by whom.
        incident.ticks.setdefault((str(data["runbook"]), str(data["step"])), Tick(event.at, event.actor))
        incident.unticked.pop((str(data["runbook"]), str(data["step"])), None)
    elif kind == "action_output" and data.get("ticks"):  # its expectations held: done, and why
        incident.ticks.setdefault((str(data["runbook"]), str(data["step"])), Tick(event.at, event.actor))
    elif kind == "step_unticked":
        step = (str(data["runbook"]), str(data["step"]))
        if incident.ticks.pop(step, None) is not None:
            incident.unticked[step] = Tick(event.at, event.actor)
    elif kind == "note":
        incident.notes.append(
            Note(
                event.at,
                event.actor,
                str(data["text"]),
                str(data.get("section") or "note"),
                str(data.get("owner") or ""),
                str(data.get("due") or ""),
            )
        )
    elif kind in {"role_assigned", "handoff"}:  # a hand-off is also the timeline's "hand-off: alice → bob"
        incident.roles[str(data["role"])] = str(data["person"])
    elif kind == "milestone_set":
        incident.milestones[str(data["milestone"])] = _time(data["at"]) or event.at
    elif kind == "retitled":
        incident.title = str(data["title"])
    elif kind == "resolved":
        incident.status = "resolved"
        incident.resolved_at = event.at
        incident.summary = str(data.get("summary") or "") or incident.summary
        # Resolving says the fix is in, unless that moment was recorded earlier. Verified is a `verified` event
        # of its own (green checks after this, or a person confirming): until then the post-mortem says so.
        incident.milestones.setdefault("resolution_applied", event.at)
    elif kind == "verified":
        if incident.status == "resolved":
            incident.milestones.setdefault("verified_resolved", event.at)
    elif kind == "reopened":
        incident.status = "acknowledged" if "acknowledged" in incident.milestones else "open"
        incident.resolved_at = None
        for milestone in ("resolution_applied", "verified_resolved"):
            if milestone in incident.milestones and not _explicit(incident, milestone):
                del incident.milestones[milestone]
    # Other kinds (action output, integration calls) are timeline entries only.


def _swap_procedure(incident: Incident, old: str | None, new: str, at: datetime) -> None:
    """Put the new severity's procedure where the old one was; ticks of steps both share carry over."""
    if new in incident.runbook_ids:
        return
    position = next((i for i, a in enumerate(incident.runbooks) if a.runbook == old), None)
    if position is None:
        incident.runbooks.insert(0, Attachment(new, at))
        return
    incident.runbooks[position] = Attachment(new, incident.runbooks[position].at)
    for (runbook, step), tick in list(incident.ticks.items()):
        if runbook == old:  # the old procedure's ticks move over (the timeline keeps them as they were)
            del incident.ticks[(runbook, step)]
            incident.ticks.setdefault((new, step), tick)


def _explicit(incident: Incident, milestone: str) -> bool:
    return any(e.kind == "milestone_set" and e.data.get("milestone") == milestone for e in incident.events)


def _time(value: object) -> datetime | None:
    return parse_time(value)


def describe_event(event: Event, incident: Incident | None = None) -> str:
    """One line for a timeline entry, the same in the console and the CLI (`incident`: the one it is of, which
    knows the declarations that joined it)."""
    data = event.data
    kind = event.kind
    texts: dict[str, Callable[[], str]] = {
        "declared": lambda: (
            f"joined: declared apart as {event.incident} ({data.get('title')})"
            if incident is not None and event in incident.joined
            else f"declared {data.get('severity')}: {data.get('title')}"
            if not str(data.get("title", "")).startswith(str(data.get("severity")))
            else f"declared {data.get('title')}"
        ),
        "acknowledged": lambda: "acknowledged",
        "severity_changed": lambda: f"severity {data.get('previous')} → {data.get('severity')}",
        "runbook_attached": lambda: f"attached runbook {data.get('title') or data.get('runbook')}",
        "step_ticked": lambda: f"✔ {data.get('text') or data.get('step')}",
        "step_unticked": lambda: f"unticked {data.get('text') or data.get('step')}",
        "note": lambda: (
            f"{str(data.get('section', 'note')).replace('_', ' ')}: {data.get('text')}"
            + (f" (owner {data.get('owner')})" if data.get("owner") else "")
            + (f" (due {data.get('due')})" if data.get("due") else "")
        ),
        "role_assigned": lambda: f"{data.get('person')} is {data.get('role')}",
        "handoff": lambda: (
            f"hand-off{'' if data.get('role') == 'commander' else ' of ' + str(data.get('role'))}: "
            f"{data.get('previous') or 'nobody'} → {data.get('person')}"
        ),
        "milestone_set": lambda: (
            f"milestone {MILESTONE_LABELS.get(str(data.get('milestone')), data.get('milestone'))}"
            f" at {datetime.fromisoformat(str(data.get('at'))):%H:%M:%S}"
        ),
        "retitled": lambda: f"title: {data.get('title')}",
        "log_pinned": lambda: f"pinned {data.get('title')}: {_first_line(str(data.get('excerpt', '')))}",
        "db_action": lambda: (
            f"database: {data.get('action')} pid {data.get('pid')} ({data.get('result')}): "
            f"{data.get('reason')} · {data.get('query')}"
        ),
        "action_output": lambda: (
            f"ran {data.get('text') or data.get('step')}: {data.get('status')}"
            + {True: " ✔ expected", False: " ✖ not as expected", None: ""}[data.get("ok")]
            + (" · ticked" if data.get("ticks") else "")
            + (f" ({data.get('why')})" if data.get("ticks") and data.get("why") else "")  # a rollback's is empty
        ),
        "resolved": lambda: "resolved" + (f": {data.get('summary')}" if data.get("summary") else ""),
        "reopened": lambda: "reopened",
        "stakeholder_update": lambda: f"stakeholder update: {data.get('text')}",
        "verify_check": lambda: f"verification check: {data.get('service')} {data.get('state')}",
        "verified": lambda: (
            f"verified resolved: {', '.join(map(str, data.get('services') or []))} green "
            f"{data.get('checks')} checks in a row"
            if data.get("how") == "checks"
            else "verified resolved by hand" + (f": {data.get('note')}" if data.get("note") else "")
        ),
    }
    text = texts.get(kind)
    return text() if text else f"{kind}: {data.get('title') or data.get('excerpt') or ''}".rstrip(": ")


def _first_line(text: str, limit: int = 200) -> str:
    return (text.splitlines() or [""])[0][:limit]
