"""The incident actions both the dashboard pane and the incident screen offer, each a FormDialog."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from textual.app import App

from screens.form_dialog import FormDialog, FormSpec, Submit
from screens.incident_desk import IncidentDesk
from tessa_tui.durations import format_duration
from tessa_tui.errors import UserError
from tessa_tui.incident import MILESTONE_LABELS, MILESTONES, NOTE_SECTIONS, ROLES, Incident
from tessa_tui.incident_book import IncidentBook
from tessa_tui.journal import Event, JournalError, PendingEvent
from tessa_tui.moments import parse_moment

Command = Callable[[IncidentBook], PendingEvent]
Saved = Callable[[Event], None]


class Save(Protocol):
    """Record what `command` plans; an error text, or None once saved (then `on_saved` gets the event)."""

    def __call__(
        self, key: tuple[object, ...], command: Command, on_saved: Saved | None = None
    ) -> Awaitable[str | None]: ...


def saver(desk: IncidentDesk) -> Save:
    """A submit helper that reuses the same pending event when identical input is retried after a failure."""
    memo: dict[tuple[object, ...], PendingEvent] = {}

    async def save(key: tuple[object, ...], command: Command, on_saved: Saved | None = None) -> str | None:
        pending = memo.get(key)
        if pending is None:
            try:
                pending = await desk.plan_when_ready(command)  # at launch the journal may still be opening
            except UserError as exc:
                return str(exc.message if exc.source is None else exc)
        try:
            event = await desk.record(pending)
        except JournalError as exc:
            memo[key] = pending  # retry this very event: if the failed write did land, it is not doubled
            return f"NOT SAVED: {exc.message}. Enter retries; your input is kept."
        except UserError as exc:
            return str(exc)
        if on_saved is not None:
            on_saved(event)
        return None

    return save


class IncidentActions:
    """Opens the dialogs; every dialog writes through the desk and closes only once saved."""

    def __init__(self, app: App[Any], desk: IncidentDesk) -> None:
        self.app = app
        self.desk = desk

    def _open(self, spec: FormSpec, submit: Submit, done: Callable[[bool | None], None] | None = None) -> None:
        self.app.push_screen(FormDialog(spec, submit), done)

    def declare(
        self,
        suggested_title: str,
        services: list[str],
        on_declared: Callable[[str], None],
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
        severities = self.desk.severities  # from the config: the dialog opens even while the journal opens
        choices = [
            (level, f"{n}  {level}  {s.description} · respond within {_short(s.response_target.total_seconds())}")
            for n, (level, s) in enumerate(severities.items(), start=1)
        ]
        save = saver(self.desk)
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
        self._open(spec, submit, lambda ok: on_declared(declared[-1]) if ok and declared else None)

    def acknowledge(self, incident: Incident) -> None:
        self.app.run_worker(self._direct(lambda b: b.acknowledge(incident.id), "acknowledged"))

    async def _direct(self, command: Command, what: str) -> None:
        error = await saver(self.desk)((what,), command)
        if error is None:
            self.app.notify(what, title="Incident", markup=False)
        else:
            self.app.notify(str(error), title="Not done", severity="error", markup=False)

    def note(self, incident: Incident) -> None:
        save = saver(self.desk)
        labels = {"note": "Note", "impact": "User impact", "detection": "How it was detected",
                  "root_cause": "Root cause: what happened?", "root_cause_why": "Root cause: why did it happen?",
                  "root_cause_missed": "Root cause: why wasn't it caught earlier?",
                  "resolution": "Resolution", "action_item": "Action item"}  # fmt: skip

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
        save = saver(self.desk)
        choices = [
            (m, f"{MILESTONE_LABELS[m]:24} {incident.milestones[m]:%H:%M:%S}" if m in incident.milestones
             else f"{MILESTONE_LABELS[m]:24} -")
            for m in MILESTONES
        ]  # fmt: skip
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
        save = saver(self.desk)

        async def submit(level: str | None, _text: str) -> str | None:
            return await save((level,), lambda b: b.change_severity(incident.id, level or incident.severity))

        choices = [(level, f"{n}  {level}  {s.description}") for n, (level, s) in enumerate(book.severities.items(), 1)]
        hint = "the new level's procedure replaces the old; shared steps stay ticked · escape cancels"
        spec = FormSpec(f"Severity of {incident.id} (now {incident.severity})", choices=choices, digit_picks=True,
                        hint=hint, highlight=incident.severity)  # fmt: skip
        self._open(spec, submit)

    def attach(self, incident: Incident, suggested: str | None = None) -> None:
        book = self.desk.book
        if book is None:
            return
        save = saver(self.desk)
        choices = [
            (r.id, f"{r.title}  ({r.kind}) {' · '.join(r.symptoms)}")
            for r in book.pack.runbooks.values()
            if r.id not in incident.runbook_ids
        ]

        async def submit(runbook: str | None, _text: str) -> str | None:
            if runbook is None:
                return "no runbook matches"
            return await save((runbook,), lambda b: b.attach(incident.id, runbook))

        spec = FormSpec(f"Attach a runbook to {incident.id}", choices=choices, text_label="Search title or symptom",
                        filter_choices=True, hint="type to narrow · up/down choose · enter attaches · escape cancels",
                        highlight=suggested)  # fmt: skip
        self._open(spec, submit)

    def assign_role(self, incident: Incident) -> None:
        """The role (1-3), then who, from the contacts with their phone and Slack (up/down choose one; a name
        typed instead is recorded as typed, or as the contact it names). A name typed here saves at once."""
        book = self.desk.book
        reach = book.reach if book else (lambda _name: "")
        save = saver(self.desk)
        picked: list[str] = []

        async def choose(role: str | None, typed: str) -> str | None:
            if typed.strip():
                return await save((role, typed), lambda b: b.assign(incident.id, role or "commander", typed))
            picked.append(role or "commander")
            return None

        roles = [(r, f"{n}  {r:10} {incident.roles.get(r, '-')}" + _how(reach(incident.roles.get(r, ""))))
                 for n, r in enumerate(ROLES, start=1)]  # fmt: skip
        spec = FormSpec(f"Role on {incident.id}", choices=roles, digit_picks=True,
                        text_label="Who (empty: choose from the contacts next)",
                        hint="1-3: the role, then who · or type a name: enter saves · escape cancels")  # fmt: skip
        self._open(spec, choose, lambda ok: self._assign_person(incident, picked[-1]) if ok and picked else None)

    def _assign_person(self, incident: Incident, role: str) -> None:
        book = self.desk.book
        people = book.people if book else []
        save = saver(self.desk)

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
        save = saver(self.desk)
        if not incident.is_open:

            async def reopen(_choice: str | None, _text: str) -> str | None:
                return await save(("reopen",), lambda b: b.reopen(incident.id))

            self._open(FormSpec(f"Reopen {incident.id}?", choices=[("reopen", "Reopen it")]), reopen)
            return

        async def resolve(_choice: str | None, summary: str) -> str | None:
            return await save(("resolve", summary), lambda b: b.resolve(incident.id, summary))

        spec = FormSpec(f"Resolve {incident.id}: {incident.title}", text_label="What fixed it (optional)",
                        hint="enter resolves: every clock stops · escape cancels")  # fmt: skip
        self._open(spec, resolve)

    def export(self, incident: Incident) -> None:
        async def run() -> None:
            try:
                paths = await self.desk.export(incident.id)
            except (UserError, OSError) as exc:
                self.app.notify(f"post-mortem not written: {exc}", severity="error", markup=False)
                return
            self.app.notify("\n".join(str(p) for p in paths), title="Post-mortem written", markup=False)

        self.app.run_worker(run())


def _how(reach: str) -> str:
    """`  · phone +1 555 0100 · Slack @bob` after a name, or nothing."""
    return f"  · {reach}" if reach else ""


def _short(seconds: float) -> str:
    return format_duration(timedelta(seconds=seconds))
