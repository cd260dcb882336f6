"""`tessa-tui incident ...`: the incident pane's headless twin, for scripts, bots and a second terminal.

Every write goes through the same `IncidentBook` commands as the console and prints one line once the
event is committed; a refused command prints why and exits 2 with nothing recorded. With `--readonly`
(before or after the subcommand) the journal opens read-only and every write is refused the same way.
Journal rows that cannot be read are skipped with one line on stderr; `tessa-tui journal check` lists them.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from tessa_tui.base.capabilities import Capabilities
from tessa_tui.base.errors import UserError
from tessa_tui.base.moments import TIME_HELP, parse_moment
from tessa_tui.base.sanitize import sanitize
from tessa_tui.config.load import LoadedConfig
from tessa_tui.incidents.book import IncidentBook, open_book
from tessa_tui.incidents.incident import MILESTONE_LABELS, MILESTONES, NOTE_SECTIONS, ROLES, Incident, describe_event
from tessa_tui.incidents.journal import Event, PendingEvent
from tessa_tui.incidents.postmortem import postmortem, to_markdown
from tessa_tui.incidents.sla import incident_clocks

Loader = Callable[[argparse.Namespace], LoadedConfig | None]
Clock = Callable[[], datetime]


def add_incident_parser(
    commands: Any, load: Loader, clock: Clock = lambda: datetime.now(UTC)
) -> argparse.ArgumentParser:
    """Register the `incident` command group."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "incident", help="incidents in the journal: list, show, declare, tick, export ..."
    )
    add_readonly_flag(parser)
    actions = parser.add_subparsers(title="incident commands", metavar="ACTION", parser_class=type(parser))

    def command(name: str, help_text: str, run: Callable[[IncidentBook, argparse.Namespace], int]) -> Any:
        sub = actions.add_parser(name, help=help_text)
        add_readonly_flag(sub)
        sub.set_defaults(run=lambda args: _run(run, _open(load, clock, args), name, args))
        return sub

    listing = command("list", "incidents, open first", _list)
    listing.add_argument("--open", action="store_true", help="open incidents only")
    command("show", "an incident: clocks, numbered checklist, timeline", _show).add_argument("id", help=ID_HELP)
    declare = command("declare", "declare an incident; its severity's procedure is attached", _declare)
    declare.add_argument("severity", help="SEV1..SEV4 (or 1..4)")
    declare.add_argument("title", nargs="?", default="", help="what is wrong (default: the severity's description)")
    declare.add_argument("--runbook", action="append", default=[], metavar="ID", help="also attach this runbook")
    declare.add_argument("--service", action="append", default=[], metavar="NAME", help="a service affected")
    declare.add_argument("--detected-at", type=_moment_arg(clock), metavar="TIME", help=TIME_HELP)
    declare.add_argument("--began-at", type=_moment_arg(clock), metavar="TIME", help=TIME_HELP)
    command("ack", "acknowledge (stops the response clock)", _ack).add_argument("id", help=ID_HELP)
    tick = command("tick", "tick a step (by number in `show`, step id, or runbook/step)", _tick)
    tick.add_argument("id", help=ID_HELP)
    tick.add_argument("step")
    tick.add_argument("--undo", action="store_true", help="untick instead")
    note = command("note", "add a note (or root cause, impact, action item ...)", _note)
    note.add_argument("id", help=ID_HELP)
    note.add_argument("text")
    sections = [*NOTE_SECTIONS, *(s.replace("_", "-") for s in NOTE_SECTIONS if "_" in s)]
    note.add_argument(
        "--section",
        choices=sections,
        default="note",
        metavar="SECTION",
        help=f"where it goes in the post-mortem: {', '.join(NOTE_SECTIONS)}",
    )
    note.add_argument("--owner", default="", metavar="NAME", help="an action item's owner")
    note.add_argument(
        "--due",
        type=_due_arg(clock),
        metavar="DATE",
        help="an action item's due date: YYYY-MM-DD, or a number of days like 7d",
    )
    update = command("update", "record a stakeholder update posted by hand (restarts the update clock)", _update)
    update.add_argument("id", help=ID_HELP)
    update.add_argument("text", help="what stakeholders were told")
    milestone = command("milestone", "set or correct a post-mortem milestone", _milestone)
    milestone.add_argument("id", help=ID_HELP)
    milestone.add_argument("name", choices=[m.replace("_", "-") for m in MILESTONES])
    milestone.add_argument("--at", type=_moment_arg(clock), metavar="TIME", help=TIME_HELP + " (default: now)")
    severity = command("severity", "change the severity; that severity's procedure replaces the old", _severity)
    severity.add_argument("id", help=ID_HELP)
    severity.add_argument("severity")
    attach = command("attach", "attach a runbook", _attach)
    attach.add_argument("id", help=ID_HELP)
    attach.add_argument("runbook")
    role = command("role", "assign a role (a contact's name or Slack handle, or anyone's name)", _role)
    role.add_argument("id", help=ID_HELP)
    role.add_argument("role", choices=ROLES)
    role.add_argument("person")
    handoff = command("handoff", "hand the incident-commander role to someone, as its own timeline event", _handoff)
    handoff.add_argument("id", help=ID_HELP)
    handoff.add_argument("person")
    handoff.add_argument("--role", choices=ROLES, default="commander", help="the role handed over (default commander)")
    resolve = command("resolve", "resolve (stops every clock)", _resolve)
    resolve.add_argument("id", help=ID_HELP)
    resolve.add_argument("--summary", default="", help="what fixed it (goes into the post-mortem's Resolution)")
    command("reopen", "reopen a resolved incident", _reopen).add_argument("id", help=ID_HELP)
    verify = command("verify", "confirm a resolved incident's services are healthy again (Verified resolved)", _verify)
    verify.add_argument("id", help=ID_HELP)
    verify.add_argument("--note", default="", help="how it was verified")
    export = command("export", "write the post-mortem (the seed's template) as Markdown or JSON", _export)
    export.add_argument("id", help=ID_HELP)
    export.add_argument(
        "--format", choices=["md", "json"], help="md or json (default: the --output file's suffix, else md)"
    )
    export.add_argument("--output", "-o", metavar="FILE", help="write here instead of stdout")
    return parser


ID_HELP = "INC-N, N, or `active` for the open incident that matters most"
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


def add_readonly_flag(parser: argparse.ArgumentParser) -> None:
    """`--readonly` after a subcommand too; SUPPRESS keeps a subparser from resetting the global flag."""
    parser.add_argument(
        "--readonly", action="store_true", default=argparse.SUPPRESS, help="open the journal read-only: write nothing"
    )


def _readonly(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "readonly", False))


def _open(load: Loader, clock: Clock, args: argparse.Namespace) -> IncidentBook:
    return open_book(load(args), clock, readonly=_readonly(args), actor=_actor(args))


def _actor(args: argparse.Namespace) -> str | None:
    """`--as NAME` (before or after the subcommand); None: $TESSA_ACTOR, journal.actor, the OS user."""
    actor = getattr(args, "actor", None)
    return actor if isinstance(actor, str) else None


def _run(
    run: Callable[[IncidentBook, argparse.Namespace], int], book: IncidentBook, name: str, args: argparse.Namespace
) -> int:
    """Say once what could not be read, refuse a write to a read-only journal before anything else, run."""
    notice = book.unreadable_notice()
    if notice:
        print(f"tessa-tui: warning: {notice}", file=sys.stderr)
    if name in WRITES:
        book.journal.require_writable()
    return run(book, args)


def _moment_arg(clock: Clock) -> Callable[[str], datetime]:
    def parse(text: str) -> datetime:
        try:
            return parse_moment(text, clock())
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse


def _incident(book: IncidentBook, ref: str) -> Incident:
    if ref.lower() == "active":
        active = book.active()
        if active is None:
            raise UserError("no open incident")
        return active
    return book.get(ref)


def _saved(book: IncidentBook, pending: PendingEvent, what: str) -> int:
    event: Event = book.record(pending)
    print(f"{event.incident}: {what} (saved {event.at:%H:%M:%S} UTC by {event.actor})")
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
        done = f"  ({tick.at:%H:%M:%S} {tick.actor})" if tick else ""
        print(f"  {number:2}. [{'x' if tick else ' '}] {step.text}{done}")
    print("timeline:")
    for event in incident.events:
        print(sanitize(f"  {event.at:%H:%M:%S} {event.actor:12} {describe_event(event)}"))
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


def _due_arg(clock: Clock) -> Callable[[str], date]:
    def parse(text: str) -> date:
        days = re.fullmatch(r"(\d{1,4})d", text.strip())
        if days:
            return (clock() + timedelta(days=int(days.group(1)))).date()
        try:
            return date.fromisoformat(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"{sanitize(text)[:40]!r}: use YYYY-MM-DD or days like 7d") from None

    return parse


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


SUFFIX_FORMATS = {".md": "md", ".markdown": "md", ".json": "json"}


def export_format(given: str | None, output: str | None) -> str:
    """--format, else the --output suffix's, else md; a --format the suffix contradicts is refused, never
    written as a .json file full of Markdown."""
    implied = SUFFIX_FORMATS.get(Path(output).suffix.lower()) if output else None
    if given and implied and given != implied:
        raise UserError(f"--format {given} does not go with --output {output}: that suffix means {implied}")
    return given or implied or "md"
