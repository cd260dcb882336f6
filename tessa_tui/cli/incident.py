"""`tessa-tui incident ...`: the incident pane's headless twin, for scripts, bots and a second terminal.

Every write goes through the same `IncidentBook` commands as the console and prints one line once the
event is committed; a refused command prints why and exits 2 with nothing recorded. With `--readonly`
(before or after the subcommand) the journal opens read-only and every write is refused the same way.
Journal rows that cannot be read are skipped with one line on stderr; `tessa-tui journal check` lists them.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from tessa_tui.base.capabilities import Capabilities
from tessa_tui.base.errors import UserError
from tessa_tui.base.sanitize import sanitize
from tessa_tui.base.time_source import Now
from tessa_tui.cli.loading import load_optional
from tessa_tui.incidents.book import IncidentBook, open_book
from tessa_tui.incidents.incident import MILESTONE_LABELS, MILESTONES, Incident, describe_event
from tessa_tui.incidents.journal import PROVISIONAL, Event, PendingEvent
from tessa_tui.incidents.postmortem import postmortem, to_markdown
from tessa_tui.incidents.sla import incident_clocks

Action = Callable[[IncidentBook, argparse.Namespace], int]


WRITES = frozenset(
    {
        "declare",
        "ack",
        "tick",
        "note",
        "milestone",
        "severity",
        "attach",
        "role",
        "handoff",
        "resolve",
        "reopen",
        "update",
        "verify",
    }
)


def _readonly(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "readonly", False))


def _actor(args: argparse.Namespace) -> str | None:
    """`--as NAME` (before or after the subcommand); None: $TESSA_ACTOR, journal.actor, the OS user."""
    actor = getattr(args, "actor", None)
    return actor if isinstance(actor, str) else None


def run_action(name: str, args: argparse.Namespace, clock: Now) -> int:
    """Run `incident NAME`: say once what could not be read, refuse a write to a read-only journal before
    anything else, then do it."""
    book = open_book(load_optional(args), clock, readonly=_readonly(args), actor=_actor(args))
    if name in WRITES:
        book.journal.require_writable()
    if book.shared is not None:
        _share(book, writes=name in WRITES)
    notice = book.unreadable_notice()
    if notice:
        print(f"tessa-tui: warning: {notice}", file=sys.stderr)
    return ACTIONS[name](book, args)


def _share(book: IncidentBook, *, writes: bool) -> None:
    """With a shared journal: pull the other machines' events first; after a write, push it before saying it is
    saved (a declaration gets its number). Unreachable: one line, and the command goes on with this machine's
    copy (the event waits, counted, for the next sync)."""
    from tessa_tui.cli.journal_shared import sync_book

    status = sync_book(book)
    if status is None or status.mode == "live":
        if writes:
            book.on_record = lambda _event: _pushed(book)
        return
    print(f"tessa-tui: warning: shared journal {status.mode}: {status.reason}; this machine's copy", file=sys.stderr)
    if writes:  # no second wait for an answer that will not come: it waits, counted, for the next sync
        book.on_record = lambda _event: _waiting(book)


def _pushed(book: IncidentBook) -> None:
    from tessa_tui.cli.journal_shared import sync_book

    status = sync_book(book)
    if status is not None and status.mode != "live":
        _waiting(book)


def _waiting(book: IncidentBook) -> None:
    from tessa_tui.incidents.shared.replica import waiting

    count = waiting(book.journal)
    print(f"tessa-tui: saved here; {count} event{'s' if count != 1 else ''} waiting to be shared", file=sys.stderr)


def _incident(book: IncidentBook, ref: str) -> Incident:
    if ref.lower() == "active":
        active = book.active()
        if active is None:
            raise UserError("no open incident")
        return active
    return book.get(ref)


def _saved(book: IncidentBook, pending: PendingEvent, what: str) -> int:
    event: Event = book.record(pending)
    print(f"{book.canonical(event.incident)}: {what} (saved {event.at:%H:%M:%S} UTC by {event.actor})")
    return 0


def _list(book: IncidentBook, args: argparse.Namespace) -> int:
    incidents = [i for i in book.incidents.values() if i.is_open or not args.open]
    if not incidents:
        print("no incidents" + (" open" if args.open else " in the journal"))
        return 0
    incidents.sort(key=lambda i: (not i.is_open, -i.declared_at.timestamp()))
    for i in incidents:
        rows = book.checklist(i)
        done = sum(1 for runbook, _, step in rows if i.ticked(runbook.id, step.id))
        total = len(rows)
        line = f"{i.id:8} {i.severity:5} {i.status:12} {i.declared_at:%Y-%m-%d %H:%M} UTC  {done}/{total}  {i.title}"
        print(sanitize(line))
    return 0


def _show(book: IncidentBook, args: argparse.Namespace) -> int:
    incident = _incident(book, args.id)
    now = book.clock()
    print(sanitize(f"{incident.id} {incident.severity} {incident.status}: {incident.title}"))
    print(sanitize(f"declared {incident.declared_at:%Y-%m-%d %H:%M:%S} UTC by {incident.declared_by}"))
    if incident.aliases:
        print(f"also shown as {', '.join(incident.aliases)} (declared before the shared journal numbered it)")
    if incident.roles:
        print(sanitize("roles: " + ", ".join(_who(book, role, who) for role, who in incident.roles.items())))
    for clock in incident_clocks(incident, book.pack, book.severities):
        print(f"  clock {clock.label}: {clock.text(now)} [{clock.level(now)}]")
    print("milestones:")
    for m in MILESTONES:
        at = incident.milestones.get(m)
        print(f"  {MILESTONE_LABELS[m]:24} {at:%Y-%m-%d %H:%M:%S} UTC" if at else f"  {MILESTONE_LABELS[m]:24} -")
    current = ""
    for number, (runbook, phase, step) in enumerate(book.checklist(incident), start=1):
        if f"{runbook.id}/{phase}" != current:
            current = f"{runbook.id}/{phase}"
            print(f"{runbook.title} / {phase}")
        tick = incident.ticked(runbook.id, step.id)
        untick = incident.unticked.get((runbook.id, step.id))
        done = f"  ({tick.at:%H:%M:%S} {tick.actor})" if tick else ""
        done += f"  (unticked {untick.at:%H:%M:%S} by {untick.actor})" if untick else ""
        print(f"  {number:2}. [{'x' if tick else ' '}] {step.text}{done}")
    print("timeline:")
    for event in incident.events:
        print(sanitize(f"  {event.at:%H:%M:%S} {event.actor:12} {describe_event(event, incident)}"))
    return 0


def _declare(book: IncidentBook, args: argparse.Namespace) -> int:
    pending = book.declare(
        args.severity,
        args.title,
        runbooks=args.runbook,
        services=args.service,
        detected_at=args.detected_at,
        began_at=args.began_at,
    )
    event = book.record(pending)
    incident = book.get(event.incident)
    print(f"{incident.id}: declared {incident.severity} {incident.title!r}; runbooks {', '.join(incident.runbook_ids)}")
    if PROVISIONAL.fullmatch(incident.id) and book.shared is not None:
        print(
            f"{incident.id} is provisional: it gets its INC number once the shared journal is reached (stays an alias)"
        )
    return 0


def _ack(book: IncidentBook, args: argparse.Namespace) -> int:
    return _saved(book, book.acknowledge(_incident(book, args.id).id), "acknowledged")


def _tick(book: IncidentBook, args: argparse.Namespace) -> int:
    pending = book.tick(_incident(book, args.id).id, args.step, done=not args.undo)
    verb = "unticked" if args.undo else "ticked"
    return _saved(book, pending, f"{verb} {pending.data['runbook']}/{pending.data['step']}: {pending.data['text']}")


def _note(book: IncidentBook, args: argparse.Namespace) -> int:
    pending = book.note(_incident(book, args.id).id, args.text, section=args.section, owner=args.owner, due=args.due)
    return _saved(book, pending, f"{pending.data['section']} added")


def _update(book: IncidentBook, args: argparse.Namespace) -> int:
    return _saved(
        book,
        book.stakeholder_update(_incident(book, args.id).id, args.text),
        "stakeholder update recorded; the update clock restarts",
    )


def _verify(book: IncidentBook, args: argparse.Namespace) -> int:
    return _saved(book, book.verify(_incident(book, args.id).id, args.note), "verified resolved")


def _milestone(book: IncidentBook, args: argparse.Namespace) -> int:
    pending = book.milestone(_incident(book, args.id).id, args.name, args.at)
    at = datetime.fromisoformat(pending.data["at"])
    return _saved(book, pending, f"{MILESTONE_LABELS[pending.data['milestone']]} at {at:%H:%M:%S} UTC")


def _severity(book: IncidentBook, args: argparse.Namespace) -> int:
    pending = book.change_severity(_incident(book, args.id).id, args.severity)
    procedure = f"; procedure {pending.data['procedure']}" if pending.data.get("procedure") else ""
    return _saved(book, pending, f"severity {pending.data['previous']} → {pending.data['severity']}{procedure}")


def _attach(book: IncidentBook, args: argparse.Namespace) -> int:
    return _saved(book, book.attach(_incident(book, args.id).id, args.runbook), f"attached {args.runbook}")


def _who(book: IncidentBook, role: str, person: str) -> str:
    """`commander Alice Ng (phone +1 555 0100 · Slack @alice)`: the role, and how to reach them from the contacts."""
    reach = book.reach(person)
    return f"{role} {person}" + (f" ({reach})" if reach else "")


def _role(book: IncidentBook, args: argparse.Namespace) -> int:
    pending = book.assign(_incident(book, args.id).id, args.role, args.person)
    person = str(pending.data["person"])
    reach = book.reach(person)
    return _saved(book, pending, sanitize(f"{person} is {args.role}" + (f" ({reach})" if reach else "")))


def _handoff(book: IncidentBook, args: argparse.Namespace) -> int:
    pending = book.handoff(_incident(book, args.id).id, args.person, args.role)
    data = pending.data
    reach = book.reach(str(data["person"]))
    return _saved(
        book, pending, sanitize(f"hand-off: {data['previous']} → {data['person']}" + (f" ({reach})" if reach else ""))
    )


def _resolve(book: IncidentBook, args: argparse.Namespace) -> int:
    return _saved(book, book.resolve(_incident(book, args.id).id, args.summary), "resolved")


def _reopen(book: IncidentBook, args: argparse.Namespace) -> int:
    return _saved(book, book.reopen(_incident(book, args.id).id), "reopened")


def _export(book: IncidentBook, args: argparse.Namespace) -> int:
    form = export_format(args.format, args.output)
    incident = _incident(book, args.id)
    report = postmortem(incident, book.pack, book.severities, book.clock())
    text = json.dumps(report, indent=2, ensure_ascii=False) + "\n" if form == "json" else to_markdown(report)
    if args.output:
        Capabilities.from_flag(_readonly(args)).require("journal", "export --output")  # writes a file: not read-only
        target = Path(args.output)
        try:
            target.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UserError(f"cannot write: {exc.strerror}", source=str(target)) from None
        print(f"{incident.id}: post-mortem written to {target}")
    else:
        print(text, end="")
    return 0


ACTIONS: dict[str, Action] = {
    "list": _list,
    "show": _show,
    "declare": _declare,
    "ack": _ack,
    "tick": _tick,
    "note": _note,
    "update": _update,
    "milestone": _milestone,
    "severity": _severity,
    "attach": _attach,
    "role": _role,
    "handoff": _handoff,
    "resolve": _resolve,
    "reopen": _reopen,
    "verify": _verify,
    "export": _export,
}
SUFFIX_FORMATS = {".md": "md", ".markdown": "md", ".json": "json"}


def export_format(given: str | None, output: str | None) -> str:
    """--format, else the --output suffix's, else md; a --format the suffix contradicts is refused, never
    written as a .json file full of Markdown."""
    implied = SUFFIX_FORMATS.get(Path(output).suffix.lower()) if output else None
    if given and implied and given != implied:
        raise UserError(f"--format {given} does not go with --output {output}: that suffix means {implied}")
    return given or implied or "md"
