"""The incident commands: each checks what is asked against the current incidents, then becomes one event.

Commands return a `PendingEvent` (validated, not yet saved) and `record()` commits it; a caller whose write
failed keeps the pending event and retries it as it is, and its id makes the retry idempotent. The console,
the CLI twin and scripts all go through this class, so they accept and refuse exactly the same things.
"""

from __future__ import annotations

import dataclasses
import re
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from tessa_tui.base.errors import UserError
from tessa_tui.base.redact import redact_text
from tessa_tui.base.sanitize import sanitize
from tessa_tui.base.time_source import Now
from tessa_tui.config.contacts import Person
from tessa_tui.config.load import LoadedConfig
from tessa_tui.config.model import Severity, SharedJournal, TessaConfig
from tessa_tui.incidents.actors import check_actor, default_actor
from tessa_tui.incidents.aliases import NUMBERED, Aliases, typed_id
from tessa_tui.incidents.command_checks import CLOCK_TOLERANCE, checked_text, clock_not_behind, in_order
from tessa_tui.incidents.incident import MILESTONES, NOTE_SECTIONS, ROLES, Incident, fold_checked, fold_more
from tessa_tui.incidents.journal import Event, Journal, PendingEvent, Unreadable, new_event, parse_row
from tessa_tui.incidents.journal_location import journal_file
from tessa_tui.incidents.state_flips import (
    MONITOR,
    RECORDED_STATES,
    VERIFY_GREEN_CHECKS,
    StateFlip,
    flip_event,
    flips_of,
    last_states,
    verification_events,
)
from tessa_tui.runbook.load import RunbookPack, configured_pack
from tessa_tui.runbook.model import Runbook, Step

if TYPE_CHECKING:
    from tessa_tui.incidents.shared.replica import Row

MAX_TEXT = 4000
CHECKPOINT_BACK = 256
"""How far behind the newest event an incident's checkpoint is kept (an event pulled later than that is rare:
it refolds the whole incident)."""
_SHARED_SEQ = 1 << 40  # an absorbed row's seq: after every local row, in the shared journal's order


def open_book(
    loaded: LoadedConfig | None,
    clock: Now = lambda: datetime.now(UTC),
    *,
    readonly: bool = False,
    actor: str | None = None,
) -> IncidentBook:
    """The configured journal and runbook pack (defaults without a config file), folded and ready;
    `readonly`: open the journal read-only, so every command is refused before anything is written;
    `actor`: who is typing (`--as`), else the rest of `default_actor`'s order."""
    config = loaded.config if loaded else TessaConfig()
    pack = configured_pack(config.runbooks.paths, loaded.path if loaded else None, config.placeholders)
    who = default_actor(config.journal.actor, actor, source=str(loaded.path) if loaded else None)
    shared = config.journal.shared
    identity = shared.identity() if shared else None
    journal = Journal(journal_file(loaded), actor=who, clock=clock, readonly=readonly, shared=identity)
    book = IncidentBook(journal, pack, config.severities, clock, people=config.contacts.people)
    book.shared = shared
    book.sync()
    return book


class IncidentBook:
    """The journal folded into incidents, kept current with `sync()`, plus the validated commands."""

    def __init__(
        self,
        journal: Journal,
        pack: RunbookPack,
        severities: Mapping[str, Severity],
        clock: Now = lambda: datetime.now(UTC),
        *,
        people: Sequence[Person] = (),
    ) -> None:
        self.journal = journal
        self.pack = pack
        self.severities = severities
        self.clock = clock
        self.people = list(people)
        """The config's contacts: roles and hand-offs are chosen from them, `:iam` completes from them."""
        self.incidents: dict[str, Incident] = {}
        self._events: dict[str, list[Event]] = {}
        self._skipped: dict[str, list[Unreadable]] = {}
        self._seq = 0
        self._absorbed: list[Event] = []  # a read-only book's events pulled from the shared journal, in memory
        self._ids: set[str] = set()
        self.shared: SharedJournal | None = None
        """The shared journal this book's journal is a copy of (None: this machine's journal only)."""
        self.on_record: Callable[[Event], None] | None = None
        """Called after each commit (the CLI pushes it to the shared journal before saying it is saved)."""
        self.aliases = Aliases()
        """Provisional ids and the numbers the shared journal gave them."""
        self._folded_to: dict[str, int] = {}  # per incident, how many of its events its fold has seen
        self._checkpoints: dict[str, tuple[int, Incident]] = {}  # per incident, the fold of its first N events
        for level, severity in severities.items():
            if severity.procedure and severity.procedure not in pack.runbooks:
                raise UserError(f"severities: {level}: procedure {severity.procedure!r} is not a runbook in the pack")

    # Reading

    def sync(self) -> set[str]:
        """Fold in what any process (or, through the shared journal, any machine) committed since the last
        sync; return the ids of incidents that changed (a provisional id that was numbered is among them).

        Events fold in hybrid-logical-clock order, not in the order they reached this journal: an event pulled
        late from another machine takes its place, so every machine folds the same events the same way."""
        changed: set[str] = set()
        gone: set[str] = set()
        since: dict[str, int] = {}  # per incident, the first position its events changed at in this sync
        refold: set[str] = set()  # incidents to fold from their first event
        events, bad = self.journal.read_since(self._seq)
        self._seq = max([self._seq, *(e.seq for e in events), *(u.seq for u in bad)])
        events += self._absorbed
        self._absorbed = []
        for event in events:
            if event.id in self._ids:
                continue  # the local journal and the shared pull both had it
            self._ids.add(event.id)
            if event.kind == NUMBERED:
                pair = self.aliases.add(event)
                if pair is not None:  # its events (and any that arrived first under the number) fold as one
                    provisional, number = pair
                    moved = self._events.pop(provisional, [])
                    self._events[number] = sorted([*self._events.get(number, []), *moved], key=Event.order)
                    self._skipped.pop(provisional, None)
                    gone.add(provisional)
                    changed.add(number)
                    refold.add(number)
                continue
            key = self.aliases.canonical(event.incident)
            group = self._events.setdefault(key, [])
            at = bisect_right(group, event.order(), key=Event.order)
            group.insert(at, event)
            since[key] = min(since.get(key, at), at)
            if event.kind == "declared" and at < len(group) - 1:
                refold.add(key)  # a declaration before others may be the incident's first: fold it all again
            changed.add(key)
        changed -= gone  # folded under their numbers now
        folded: dict[str, Incident] = {}
        monitor = tuple(self._events.get(MONITOR, ()))
        for incident_id in changed:
            incident = self._fold(incident_id, since.get(incident_id, 0), incident_id in refold)
            if incident is not None:
                incident.id = incident_id
                incident.aliases = self.aliases.of(incident_id)
                incident.monitor = monitor
                folded[incident_id] = incident
        if MONITOR in changed:  # new evidence: every incident's post-mortem reads it
            for incident in self.incidents.values():
                incident.monitor = monitor
        if folded or gone:
            # A new dict swapped in whole: a reader on another thread sees the old state or the new, never half.
            self.incidents = {k: v for k, v in {**self.incidents, **folded}.items() if k not in gone}
        return changed | gone

    def _fold(self, incident_id: str, since: int, again: bool) -> Incident | None:
        """The incident after its events changed from position `since` on: the events after the last fold applied
        to it, or (an event pulled late, folding before others) those after a checkpoint a little back applied
        to the checkpoint; from its first event only when neither can be (`again`, or an event older than the
        checkpoint). Twenty consoles on one incident send thousands of events, many a moment late."""
        group = self._events[incident_id]
        before, folded_to = self.incidents.get(incident_id), self._folded_to.get(incident_id, 0)
        base = self._checkpoints.get(incident_id)
        if before is not None and not again and since >= folded_to:
            incident: Incident | None = fold_more(before, group[folded_to:])
            skipped = incident.unreadable if incident else []
        elif base is not None and not again and since >= base[0]:
            incident = fold_more(base[1], group[base[0] :])
            skipped = incident.unreadable if incident else []
        else:
            incident, skipped = fold_checked(group)
            base = None
        self._folded_to[incident_id] = len(group)
        self._skipped[incident_id] = skipped
        if incident is not None:
            # Move the checkpoint up once it is far behind: what folds from it stays a few hundred events.
            if len(group) > 2 * CHECKPOINT_BACK and (base is None or len(group) - base[0] > 2 * CHECKPOINT_BACK):
                at = len(group) - CHECKPOINT_BACK
                checkpoint = fold_more(base[1], group[base[0] : at]) if base else fold_checked(group[:at])[0]
                if checkpoint is not None:
                    self._checkpoints[incident_id] = (at, checkpoint)
        else:
            self._checkpoints.pop(incident_id, None)
        return incident

    def now(self) -> datetime:
        """Now for a command's checks: this clock, or the latest event time seen when another machine's clock
        is ahead (see `Journal.causal_now`)."""
        return self.journal.causal_now(self.clock(), CLOCK_TOLERANCE)

    def linked(self, pagerduty_incident: str) -> Incident | None:
        """The incident declared from this PagerDuty incident (here or on another machine), if any: declaring
        from it again joins that one."""
        matches = [i for i in self.incidents.values() if i.links.get("pagerduty_incident") == pagerduty_incident]
        return min(matches, key=lambda i: (not i.is_open, i.declared_at), default=None)

    def absorb(self, rows: Sequence[Row]) -> None:
        """A read-only book's events pulled from the shared journal: folded in memory at the next `sync` (the
        local journal is not written)."""
        for row in rows:
            event = parse_row((_SHARED_SEQ + row.seq, *dataclasses.astuple(row)[1:]))
            if isinstance(event, Event):
                self._absorbed.append(event)

    @property
    def read_only(self) -> str | None:
        """Why this book cannot record anything (None when it can)."""
        return self.journal.read_only

    def unreadable(self) -> list[Unreadable]:
        """Every row read so far that could not be read or folded, in journal order."""
        rows = {u.seq: u for u in self.journal.unreadable.values()}
        rows.update((u.seq, u) for skipped in self._skipped.values() for u in skipped)
        return [rows[seq] for seq in sorted(rows)]

    def unreadable_notice(self) -> str | None:
        """One line for stderr or a toast when some rows could not be read; None when all could."""
        rows = self.unreadable()
        if not rows:
            return None
        ids = ", ".join(u.id for u in rows[:3]) + (", …" if len(rows) > 3 else "")
        many = len(rows) != 1
        return (
            f"{len(rows)} journal event{'s' if many else ''} could not be read: id{'s' if many else ''} {ids}; "
            "see `tessa-tui journal check`"
        )

    def get(self, incident_id: str) -> Incident:
        """An incident by id (`INC-3` or `3`), or by a provisional id it was shown with (`INC-K7Q2MX`)."""
        incident = self.incidents.get(self.aliases.canonical(typed_id(incident_id)))
        if incident is None:
            raise UserError(f"no incident {incident_id!r}; `tessa-tui incident list` shows them")
        return incident

    def active(self) -> Incident | None:
        """The open incident that matters most: the most severe, then the most recently declared."""
        order = list(self.severities)
        open_ = [i for i in self.incidents.values() if i.is_open]
        rank = {level: n for n, level in enumerate(order)}
        return min(open_, key=lambda i: (rank.get(i.severity, len(order)), -i.declared_at.timestamp()), default=None)

    def checklist(self, incident: Incident) -> list[tuple[Runbook, str, Step]]:
        """Every step of every attached runbook as (runbook, phase name, step), in the order shown."""
        rows: list[tuple[Runbook, str, Step]] = []
        for runbook_id in incident.runbook_ids:
            runbook = self.pack.runbooks.get(runbook_id)
            if runbook is not None:
                rows += [(runbook, phase.name, step) for phase, step in runbook.steps()]
        return rows

    # Who is typing

    @property
    def actor(self) -> str:
        """Who is recorded for what is planned now."""
        return self.journal.actor

    def switch_actor(self, name: str) -> str:
        """`:iam NAME` on a shared terminal: everything planned from now on is recorded as NAME (a contact's
        name as configured when NAME is one); events planned before keep who made them."""
        who = self.person_name(check_actor(name, ":iam"))
        self.journal.actor = who
        return who

    def stamp(self, pending: PendingEvent) -> PendingEvent:
        """The event with who is typing now written into it, so a retry after `:iam` keeps who made it."""
        return pending if pending.actor is not None else dataclasses.replace(pending, actor=self.actor)

    def contact(self, name: str) -> Person | None:
        """The contact called `name` (any case), else whose Slack handle it is (`@bob` or `bob`), else the one
        contact whose first name it is (`lee` for Lee Lead; two Lees: neither)."""
        wanted = name.strip().casefold()
        for person in self.people:
            if person.name.casefold() == wanted:
                return person
        handle = wanted.removeprefix("@")
        by_handle = [p for p in self.people if p.slack and p.slack.casefold().removeprefix("@") == handle]
        by_first = [p for p in self.people if (p.name.split() or [""])[0].casefold() == wanted]
        return by_handle[0] if by_handle else by_first[0] if len(by_first) == 1 else None

    def person_name(self, name: str) -> str:
        """A contact's name as configured when `name` is one; `name` itself otherwise."""
        person = self.contact(name)
        return person.name if person else name

    def reach(self, name: str) -> str:
        """How to reach someone, from the contacts: `phone +1 555 · Slack @bob`; "" when not a contact."""
        person = self.contact(name)
        if person is None:
            return ""
        ways = [f"phone {person.phone}" if person.phone else "", f"Slack {person.slack}" if person.slack else ""]
        return " · ".join(w for w in ways if w)

    # Commands

    def record(self, pending: PendingEvent) -> Event:
        """Commit a command's event and fold it in; JournalError (with nothing recorded) when it cannot,
        JournalReadOnly when the book was opened read-only."""
        self.journal.require_writable()
        incident = self.incidents.get(pending.incident)
        if incident is not None and pending.kind != "declared":
            clock_not_behind(incident, self.now())
        if pending.kind == "declared":
            event = self.journal.declare(event_id=pending.id, actor=pending.actor, **pending.data)
        else:
            event = self.journal.append(pending)
        self.sync()
        if self.on_record is not None:
            self.on_record(event)
        return event

    def canonical(self, incident_id: str) -> str:
        """The id an incident goes by now: its number once the shared journal gave it one."""
        return self.aliases.canonical(incident_id)

    def declare(
        self,
        severity: str,
        title: str,
        *,
        runbooks: Sequence[str] = (),
        services: Sequence[str] = (),
        detected_at: datetime | None = None,
        began_at: datetime | None = None,
        pagerduty_incident: str | None = None,
    ) -> PendingEvent:
        """A new incident at `severity` with its procedure and any other runbooks attached; `pagerduty_incident`:
        the PagerDuty incident it was declared from (its checklist's PagerDuty steps act on that one)."""
        level = self._severity(severity)
        attached = [p for p in [self.severities[level].procedure] if p]
        for runbook_id in runbooks:
            self.pack.get(runbook_id)
            if runbook_id not in attached:
                attached.append(runbook_id)
        now = self.clock()
        for label, value in (("detected", detected_at), ("began", began_at)):
            if value is not None and value > now:
                raise UserError(f"{label}: {value:%Y-%m-%d %H:%M} is in the future")
        if began_at and detected_at and began_at > detected_at:
            raise UserError("began: the incident cannot begin after it was detected")
        data: dict[str, Any] = {
            "severity": level,
            "title": checked_text(title or f"{level}: {self.severities[level].description}", "title", 200),
            "runbooks": attached,
            "services": [checked_text(s, "service", 80) for s in services],
        }
        if detected_at:
            data["detected_at"] = detected_at.astimezone(UTC).isoformat()
        if began_at:
            data["began_at"] = began_at.astimezone(UTC).isoformat()
        if pagerduty_incident:
            if not re.fullmatch(r"[A-Za-z0-9_-]{1,40}", pagerduty_incident):
                raise UserError(f"pagerduty incident {sanitize(pagerduty_incident)[:50]!r}: not a PagerDuty id")
            data["pagerduty_incident"] = pagerduty_incident
        return PendingEvent("", "declared", data)

    def acknowledge(self, incident_id: str) -> PendingEvent:
        incident = self._open(incident_id)
        if "acknowledged" in incident.milestones:
            at = incident.milestones["acknowledged"]
            raise UserError(f"{incident.id} was already acknowledged at {at:%H:%M:%S} UTC")
        in_order(incident, "acknowledged", self.now())
        return new_event(incident.id, "acknowledged")

    def change_severity(self, incident_id: str, severity: str) -> PendingEvent:
        """A new severity; its procedure replaces the old one's, and ticks of shared steps are kept."""
        incident = self._open(incident_id)
        level = self._severity(severity)
        if level == incident.severity:
            raise UserError(f"{incident.id} is already {level}")
        old = self.severities[incident.severity].procedure if incident.severity in self.severities else None
        new = self.severities[level].procedure
        return new_event(
            incident.id,
            "severity_changed",
            severity=level,
            previous=incident.severity,
            procedure=new,
            replaces=old if old in incident.runbook_ids else None,
        )

    def attach(self, incident_id: str, runbook_id: str) -> PendingEvent:
        incident = self.get(incident_id)
        runbook = self.pack.get(runbook_id)
        if runbook.id in incident.runbook_ids:
            raise UserError(f"{runbook.id} is already attached to {incident.id}")
        return new_event(incident.id, "runbook_attached", runbook=runbook.id, title=runbook.title)

    def tick(self, incident_id: str, step_ref: str, *, done: bool = True) -> PendingEvent:
        """Tick (or untick) a step named `runbook/step`, `step` or its number in `incident show`."""
        incident = self.get(incident_id)
        runbook, step = self.find_step(incident, step_ref)
        ticked = incident.ticked(runbook.id, step.id)
        if done and ticked:
            raise UserError(f"{runbook.id}/{step.id} is already ticked ({ticked.at:%H:%M:%S} UTC by {ticked.actor})")
        if not done and not ticked:
            raise UserError(f"{runbook.id}/{step.id} is not ticked")
        kind = "step_ticked" if done else "step_unticked"
        return new_event(incident.id, kind, runbook=runbook.id, step=step.id, text=step.text)

    def find_step(self, incident: Incident, step_ref: str) -> tuple[Runbook, Step]:
        rows = self.checklist(incident)
        if step_ref.isdigit():
            number = int(step_ref)
            if not 1 <= number <= len(rows):
                raise UserError(f"step {number}: {incident.id} has steps 1-{len(rows)}")
            runbook, _, step = rows[number - 1]
            return runbook, step
        wanted_runbook, _, wanted_step = step_ref.rpartition("/")
        matches = [(r, s) for r, _, s in rows if s.id == wanted_step and wanted_runbook in {"", r.id}]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise UserError(f"no step {step_ref!r} in the runbooks of {incident.id}; `incident show` lists them")
        options = ", ".join(f"{r.id}/{s.id}" for r, s in matches)
        raise UserError(f"step {step_ref!r} is in several runbooks; say which: {options}")

    def note(
        self, incident_id: str, text: str, *, section: str = "note", owner: str = "", due: date | None = None
    ) -> PendingEvent:
        """A note for a post-mortem section; an action item may name its owner and due date."""
        incident = self.get(incident_id)
        section = section.replace("-", "_")
        if section not in NOTE_SECTIONS:
            raise UserError(f"section {section!r}: choose one of {', '.join(NOTE_SECTIONS)}")
        if (owner or due) and section != "action_item":
            raise UserError("--owner and --due go with --section action_item")
        extra: dict[str, str] = {}
        if owner:
            extra["owner"] = checked_text(owner, "owner", 80)
        if due is not None:
            extra["due"] = due.isoformat()
        return new_event(
            incident.id, "note", text=checked_text(text, "note", MAX_TEXT, keep_newlines=True), section=section, **extra
        )

    def stakeholder_update(self, incident_id: str, text: str) -> PendingEvent:
        """Stakeholders were told where things stand (posted by hand): restarts the update clock."""
        incident = self._open(incident_id)
        return new_event(
            incident.id, "stakeholder_update", text=checked_text(text, "update", MAX_TEXT, keep_newlines=True)
        )

    def verify(self, incident_id: str, note: str = "") -> PendingEvent:
        """A person confirms the resolved incident's services are healthy again: Verified resolved."""
        incident = self.get(incident_id)
        if incident.is_open:
            raise UserError(f"{incident.id} is not resolved; resolve it first, then verify")
        if "verified_resolved" in incident.milestones:
            at = incident.milestones["verified_resolved"]
            raise UserError(f"{incident.id} was already verified resolved at {at:%H:%M:%S} UTC")
        in_order(incident, "verified_resolved", self.now())
        data: dict[str, Any] = {"how": "person"}
        if sanitize(note).strip():
            data["note"] = checked_text(note, "note", MAX_TEXT)
        return new_event(incident.id, "verified", **data)

    def flips(self) -> list[StateFlip]:
        """Every service state flip recorded by a monitor, oldest first."""
        return flips_of(self._events.get(MONITOR, ()))

    def observe_check(
        self, service: str, state: str, reason: str, source: str, *, result_state: str | None = None
    ) -> list[PendingEvent]:
        """What one check result adds to the journal (record them in order): a flip when `state` differs from
        the service's last recorded state, and green checks counted toward verifying a resolved incident
        (`result_state`: the raw result's, when `state` is smoothed by thresholds as the console's is).
        Nothing for a read-only book, or for `unknown` / `stale` (no evidence either way)."""
        if self.read_only is not None:
            return []
        flips = self.flips()
        previous = last_states(flips).get(service)
        events = []
        if state in RECORDED_STATES and previous != state:
            events.append(flip_event(service, state, previous, reason, source))
        now, seen = self.clock(), result_state or state
        if seen in RECORDED_STATES:
            for incident in list(self.incidents.values()):
                events += verification_events(incident, flips, service, seen, now, VERIFY_GREEN_CHECKS, source)
        return events

    def assign(self, incident_id: str, role: str, person: str) -> PendingEvent:
        incident = self.get(incident_id)
        if role not in ROLES:
            raise UserError(f"role {role!r}: choose one of {', '.join(ROLES)}")
        who = self.person_name(checked_text(person, "person", 80))
        return new_event(incident.id, "role_assigned", role=role, person=who)

    def handoff(self, incident_id: str, person: str, role: str = "commander") -> PendingEvent:
        """`:handoff NAME`: the role (incident commander by default) moves to NAME, recorded as a hand-off of
        its own ("hand-off: alice → bob"); from whoever holds it, else from who is typing."""
        incident = self._open(incident_id)
        if role not in ROLES:
            raise UserError(f"role {role!r}: choose one of {', '.join(ROLES)}")
        to = self.person_name(check_actor(person, "hand-off to"))
        holder = incident.roles.get(role)
        previous = holder or self.actor
        if previous.casefold() == to.casefold():
            if holder:
                raise UserError(f"{to} is already {role} of {incident.id}")
            raise UserError(f"{to} is typing: hand off to someone else (or assign the role: o on the incident screen)")
        return new_event(incident.id, "handoff", role=role, previous=previous, person=to)

    def milestone(self, incident_id: str, name: str, at: datetime | None = None) -> PendingEvent:
        """Set (or correct) a milestone; it must keep the post-mortem timeline in order."""
        incident = self.get(incident_id)
        key = name.replace("-", "_").replace(" ", "_").lower()
        if key not in MILESTONES:
            raise UserError(f"milestone {name!r}: choose one of {', '.join(m.replace('_', '-') for m in MILESTONES)}")
        when = (at or self.now()).astimezone(UTC)
        if when > self.now():
            raise UserError(f"milestone {name}: {when:%Y-%m-%d %H:%M:%S} UTC is in the future")
        in_order(incident, key, when)
        return new_event(incident.id, "milestone_set", milestone=key, at=when.isoformat())

    def db_action(
        self, incident_id: str, *, action: str, pid: int, query: str, reason: str, result: str, target: str
    ) -> PendingEvent:
        """A query cancelled or a session terminated from the database pane, with why and what came of it."""
        incident = self.get(incident_id)
        return new_event(
            incident.id,
            "db_action",
            action=action,
            pid=pid,
            query=redact_text(sanitize(query))[:500],
            reason=checked_text(reason, "reason", 500),
            result=result,
            target=target,
        )

    def action_output(self, incident_id: str, step_ref: str, result: dict[str, Any]) -> PendingEvent:
        """A step's action ran: its result (ActionResult.record()) in the timeline; a result whose
        expectations held ticks the step in the same event, unless it is ticked already."""
        incident = self.get(incident_id)
        runbook, step = self.find_step(incident, step_ref)
        ticks = result.get("ok") is True and incident.ticked(runbook.id, step.id) is None
        data = {**result, "action": result.get("kind"), "title": f"{runbook.id}/{step.id}: {result.get('status')}"}
        data.pop("kind", None)  # the event's own kind is action_output
        return new_event(
            incident.id, "action_output", runbook=runbook.id, step=step.id, text=step.text, ticks=ticks, **data
        )

    def pin_log(self, incident_id: str, *, source: str, time_of_day: str, level: str, text: str) -> PendingEvent:
        """A log record kept in the timeline as evidence (a diagnostic output in the post-mortem)."""
        incident = self.get(incident_id)
        excerpt = redact_text(sanitize(text, keep_newlines=True))[:MAX_TEXT]
        return new_event(
            incident.id,
            "log_pinned",
            source=source,
            clock=time_of_day,  # stored under its first name, so older journals read the same
            level=level,
            excerpt=excerpt,
            title=f"log {source} {time_of_day} {level.upper()}",
        )

    def retitle(self, incident_id: str, title: str) -> PendingEvent:
        incident = self.get(incident_id)
        return new_event(incident.id, "retitled", title=checked_text(title, "title", 200))

    def resolve(self, incident_id: str, summary: str = "") -> PendingEvent:
        incident = self._open(incident_id)
        if "resolution_applied" not in incident.milestones:  # resolving sets it unless set already
            in_order(incident, "resolution_applied", self.now())
        # The summary is optional (the post-mortem then says the resolution is not written yet).
        text = checked_text(summary, "summary", MAX_TEXT, keep_newlines=True) if sanitize(summary).strip() else ""
        return new_event(incident.id, "resolved", summary=text)

    def reopen(self, incident_id: str) -> PendingEvent:
        incident = self.get(incident_id)
        if incident.is_open:
            raise UserError(f"{incident.id} is not resolved")
        return new_event(incident.id, "reopened")

    def _open(self, incident_id: str) -> Incident:
        incident = self.get(incident_id)
        if not incident.is_open:
            raise UserError(f"{incident.id} is resolved; reopen it first")
        return incident

    def _severity(self, severity: str) -> str:
        level = severity.upper()
        if level.isdigit():
            level = f"SEV{level}"
        if level not in self.severities:
            raise UserError(f"severity {severity!r}: choose one of {', '.join(self.severities)}")
        return level
