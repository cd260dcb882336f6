"""The incident actions both the dashboard pane and the incident screen offer, each a FormDialog."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

from textual.app import App

from screens.incident_desk import Command, IncidentDesk
from screens.widgets.form_dialog import FormDialog, FormSpec, Submit
from tessa_tui.base.durations import format_duration
from tessa_tui.base.errors import UserError
from tessa_tui.base.isolate import internal_reason
from tessa_tui.base.moments import parse_moment
from tessa_tui.base.sanitize import sanitize
from tessa_tui.incidents.vocabulary import MILESTONE_LABELS, MILESTONES, NOTE_SECTIONS, ROLES

if TYPE_CHECKING:  # the incident engine loads with the journal, after the first frame
    from tessa_tui.incidents.incident import Incident
    from tessa_tui.incidents.journal import Event

Saved: TypeAlias = "Callable[[Event], None]"


class Save(Protocol):
    """Record what `command` plans; an error text, or None once saved (then `on_saved` gets the event)."""

    def __call__(
        self, key: tuple[object, ...], command: Command, on_saved: Saved | None = None
    ) -> Awaitable[str | None]: ...


def saver(desk: IncidentDesk, *dialog: object) -> Save:
    """A dialog's submit, through the desk: the same input (`key`) in the same `dialog` after NOT SAVED
    retries the event it planned, so a failed write that did land is not doubled."""

    async def save(key: tuple[object, ...], command: Command, on_saved: Saved | None = None) -> str | None:
        from tessa_tui.incidents.journal import JournalError

        write = desk.request((*dialog, *key), command)
        try:
            event = await desk.commit(write)  # at launch it waits for the journal to open
        except JournalError as exc:
            return f"NOT SAVED: {exc.message}. Enter retries; your input is kept."
        except UserError as exc:
            refused = write.pending is None  # refused when planned: its reason without the field's name
            return exc.message if refused and exc.source is None else str(exc)
        if on_saved is not None:
            on_saved(event)
        return None

    return save


class IncidentActions:
    """Opens the dialogs; every dialog writes through the desk and closes only once saved. It is the console
    context's `Incidents`: `open_incident` shows an incident, `declared` is told of each declaration."""

    def __init__(
        self,
        app: App[Any],
        desk: IncidentDesk,
        *,
        open_incident: Callable[[str], None],
        declared: Callable[[str], None],
    ) -> None:
        self.app = app
        self.desk = desk
        self._open_incident = open_incident
        self._declared = declared

    def open(self, incident_id: str) -> None:
        self._open_incident(incident_id)

    def declared(self, incident_id: str) -> None:
        """What follows a declaration (the App's: the incident opens, and for the worst ones who to call)."""
        self._declared(incident_id)

    def _open(self, spec: FormSpec, submit: Submit, done: Callable[[bool | None], None] | None = None) -> None:
        self.app.push_screen(FormDialog(spec, submit), done)

    def declare(
        self,
        suggested_title: str,
        services: list[str],
        *,
        detected_at: datetime | None = None,
        pagerduty_incident: str | None = None,
        runbooks: Sequence[str] = (),
    ) -> None:
        """The declare dialog: 1-4 (or enter on the list) declares at once; the title is optional; `runbooks` are
        attached besides the severity's procedure.
        Declared from a PagerDuty incident: its id is recorded, and it began and was detected at `detected_at`
        (when PagerDuty opened it), so the clocks and the post-mortem count from there."""
        if self.desk.error:
            self.app.notify(self.desk.error, severity="error", markup=False)
            return
        book = self.desk.book
        joined = book.linked(pagerduty_incident) if book is not None and pagerduty_incident else None
        if joined is not None:  # declared already (perhaps on another machine): work that one, not a second
            who = sanitize(joined.declared_by)
            self.app.notify(
                f"{joined.id} was declared from PagerDuty {pagerduty_incident} by {who}: opened it",
                title="Joined",
                markup=False,
            )
            self.open(joined.id)
            return
        severities = self.desk.severities  # from the config: the dialog opens even while the journal opens
        choices = [
            (level, f"{n}  {level}  {s.description} · respond within {_short(s.response_target.total_seconds())}")
            for n, (level, s) in enumerate(severities.items(), start=1)
        ]
        save = saver(self.desk, "declare", suggested_title, pagerduty_incident)
        declared: list[str] = []

        async def submit(choice: str | None, title: str) -> str | None:
            level = choice or next(iter(severities))
            return await save(
                (level, title),
                lambda b: b.declare(
                    level,
                    title or suggested_title,
                    runbooks=runbooks,
                    services=services,
                    detected_at=detected_at,
                    began_at=detected_at,  # it began no later than PagerDuty saw it: time to detect is not negative
                    pagerduty_incident=pagerduty_incident,
                ),
                lambda event: declared.append(event.incident),
            )

        spec = FormSpec(
            "Declare an incident",
            choices=choices,
            text_label="Title (optional)",
            placeholder=suggested_title or "the severity's description",
            hint="1-4 declares at once · tab moves to the title, enter there declares · escape cancels",
            digit_picks=True,
        )
        self._open(spec, submit, lambda ok: self._declared(declared[-1]) if ok and declared else None)

    def acknowledge(self, incident: Incident) -> None:
        self._at_once(("acknowledge", incident.id), lambda b: b.acknowledge(incident.id), "acknowledged")

    def verify(self, incident: Incident) -> None:
        """A person confirms the resolved incident's services are healthy again: Verified resolved."""
        incident_id = incident.id
        self._at_once(
            ("verify", incident_id),
            lambda b: b.verify(incident_id, "confirmed in the console"),
            f"{incident_id}: verified resolved",
        )

    def _at_once(self, key: tuple[object, ...], command: Command, what: str) -> None:
        """A change made by a key alone: a toast says it is done, or NOT SAVED (the key again retries it)."""
        write = self.desk.request(key, command)
        self.app.run_worker(
            self.desk.tell(write, lambda _event: what, title="Incident"), name=what, exit_on_error=False
        )

    def note(self, incident: Incident) -> None:
        save = saver(self.desk, "note", incident.id)
        labels = {
            "note": "Note",
            "impact": "User impact",
            "detection": "How it was detected",
            "root_cause": "Root cause: what happened?",
            "root_cause_why": "Root cause: why did it happen?",
            "root_cause_missed": "Root cause: why wasn't it caught earlier?",
            "resolution": "Resolution",
            "action_item": "Action item",
        }

        async def submit(section: str | None, text: str) -> str | None:
            return await save((section, text), lambda b: b.note(incident.id, text, section=section or "note"))

        spec = FormSpec(
            f"Note on {incident.id}",
            choices=[(s, labels[s]) for s in NOTE_SECTIONS],
            text_label="Text",
            hint="choose where it goes in the post-mortem, then type · enter saves · escape cancels",
        )
        self._open(spec, submit)

    def milestone(self, incident: Incident) -> None:
        save = saver(self.desk, "milestone", incident.id)
        choices = [
            (
                m,
                f"{MILESTONE_LABELS[m]:24} {incident.milestones[m]:%H:%M:%S}"
                if m in incident.milestones
                else f"{MILESTONE_LABELS[m]:24} -",
            )
            for m in MILESTONES
        ]
        upcoming = next((m for m in MILESTONES if m not in incident.milestones), MILESTONES[-1])

        async def submit(name: str | None, when: str) -> str | None:
            try:
                at = parse_moment(when, self.desk.clock()) if when.strip() else None
            except ValueError as exc:
                return str(exc)
            return await save((name, when), lambda b: b.milestone(incident.id, name or upcoming, at))

        spec = FormSpec(
            f"Milestone on {incident.id}",
            choices=choices,
            text_label="When (UTC): now, HH:MM[:SS], an ISO timestamp, or 10m (ago)",
            text_value="now",
            hint="milestones must stay in order · enter saves · escape cancels",
            highlight=upcoming,
        )
        self._open(spec, submit)

    def severity(self, incident: Incident) -> None:
        book = self.desk.book
        if book is None:
            return
        save = saver(self.desk, "severity", incident.id)

        async def submit(level: str | None, _text: str) -> str | None:
            return await save((level,), lambda b: b.change_severity(incident.id, level or incident.severity))

        choices = [(level, f"{n}  {level}  {s.description}") for n, (level, s) in enumerate(book.severities.items(), 1)]
        spec = FormSpec(
            f"Severity of {incident.id} (now {incident.severity})",
            choices=choices,
            digit_picks=True,
            hint="the new level's procedure replaces the old; shared steps stay ticked · escape cancels",
            highlight=incident.severity,
        )
        self._open(spec, submit)

    def attach(self, incident: Incident, suggested: str | None = None) -> None:
        book = self.desk.book
        if book is None:
            return
        save = saver(self.desk, "attach", incident.id)
        choices = [
            (r.id, f"{r.title}  ({r.kind}) {' · '.join(r.symptoms)}")
            for r in book.pack.runbooks.values()
            if r.id not in incident.runbook_ids
        ]

        async def submit(runbook: str | None, _text: str) -> str | None:
            if runbook is None:
                return "no runbook matches"
            return await save((runbook,), lambda b: b.attach(incident.id, runbook))

        spec = FormSpec(
            f"Attach a runbook to {incident.id}",
            choices=choices,
            text_label="Search title or symptom",
            filter_choices=True,
            hint="type to narrow · up/down choose · enter attaches · escape cancels",
            highlight=suggested,
        )
        self._open(spec, submit)

    def assign_role(self, incident: Incident) -> None:
        """The role (1-3), then who, from the contacts with their phone and Slack (up/down choose one; a name
        typed instead is recorded as typed, or as the contact it names). A name typed here saves at once."""
        book = self.desk.book
        reach = book.reach if book else (lambda _name: "")
        save = saver(self.desk, "role", incident.id)
        picked: list[str] = []

        async def choose(role: str | None, typed: str) -> str | None:
            if typed.strip():
                return await save((role, typed), lambda b: b.assign(incident.id, role or "commander", typed))
            picked.append(role or "commander")
            return None

        roles = [
            (r, f"{n}  {r:10} {incident.roles.get(r, '-')}" + _how(reach(incident.roles.get(r, ""))))
            for n, r in enumerate(ROLES, start=1)
        ]
        spec = FormSpec(
            f"Role on {incident.id}",
            choices=roles,
            digit_picks=True,
            text_label="Who (empty: choose from the contacts next)",
            hint="1-3: the role, then who · or type a name: enter saves · escape cancels",
        )
        self._open(spec, choose, lambda ok: self._assign_person(incident, picked[-1]) if ok and picked else None)

    def _assign_person(self, incident: Incident, role: str) -> None:
        book = self.desk.book
        people = book.people if book else []
        save = saver(self.desk, "role", incident.id)

        async def submit(contact: str | None, typed: str) -> str | None:
            person = typed.strip() or contact or ""
            return await save((role, person), lambda b: b.assign(incident.id, role, person))

        choices = [(p.name, f"{p.name:24} {p.role:12}" + _how(book.reach(p.name) if book else "")) for p in people]
        holder = incident.roles.get(role)
        spec = FormSpec(
            f"{role.capitalize()} of {incident.id}" + (f" (now {holder})" if holder else ""),
            choices=choices,
            text_label="Who" + (": up/down choose a contact, or type a name" if choices else ""),
            hint="enter saves · escape cancels",
            highlight=book.person_name(holder) if book and holder else None,
        )
        self._open(spec, submit)

    def resolve_or_reopen(self, incident: Incident) -> None:
        save = saver(self.desk, "resolve", incident.id)
        if not incident.is_open:

            async def reopen(_choice: str | None, _text: str) -> str | None:
                return await save(("reopen",), lambda b: b.reopen(incident.id))

            self._open(FormSpec(f"Reopen {incident.id}?", choices=[("reopen", "Reopen it")]), reopen)
            return

        async def resolve(_choice: str | None, summary: str) -> str | None:
            return await save(("resolve", summary), lambda b: b.resolve(incident.id, summary))

        spec = FormSpec(
            f"Resolve {incident.id}: {incident.title}",
            text_label="What fixed it (optional)",
            hint="enter resolves: every clock stops · escape cancels",
        )
        self._open(spec, resolve)

    def stakeholder_update(self, incident: Incident) -> None:
        """Record an update posted by hand (what stakeholders were told): it restarts the update clock."""
        incident_id = incident.id
        save = saver(self.desk, "update", incident_id)

        async def submit(_choice: str | None, text: str) -> str | None:
            return await save((text,), lambda b: b.stakeholder_update(incident_id, text))

        hint = "posted by hand: enter records it and restarts the update clock · escape cancels"
        self._open(FormSpec(f"Stakeholder update on {incident_id}", text_label="What you told them", hint=hint), submit)

    def export(self, incident: Incident) -> None:
        async def run() -> None:
            try:
                paths = await self.desk.export(incident.id)
            except (UserError, OSError) as exc:
                self.app.notify(f"post-mortem not written: {exc}", severity="error", markup=False)
                return
            except Exception as exc:
                reason = internal_reason(exc, "console: post-mortem export")
                self.app.notify(f"post-mortem not written: {reason}", severity="error", markup=False)
                return
            self.app.notify("\n".join(str(p) for p in paths), title="Post-mortem written", markup=False)

        self.app.run_worker(run(), name="export the post-mortem", exit_on_error=False)


def _how(reach: str) -> str:
    """`  · phone +1 555 0100 · Slack @bob` after a name, or nothing."""
    return f"  · {reach}" if reach else ""


def _short(seconds: float) -> str:
    return format_duration(timedelta(seconds=seconds))
