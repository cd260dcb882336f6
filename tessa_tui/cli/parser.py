"""The `tessa-tui` command tree, built without importing a feature.

`tessa-tui --help` and a mistyped command should cost what argparse costs, so this module imports only
argparse, a few constants and the one parser of typed moments. Each subcommand's `run` is a small function
here that imports its command module when, and only when, that command runs
(`tests/test_import_budgets.py` pins what each command imports).
"""

from __future__ import annotations

import argparse
import re

from tessa_tui import __version__
from tessa_tui.base.errors import UserError
from tessa_tui.demo.drills import ALL_CLEAR, DRILL_NAMES
from tessa_tui.incidents.vocabulary import MILESTONES, NOTE_SECTIONS, ROLES
from tessa_tui.logs.levels import LEVELS

TYPE_CHECKING = False  # not typing's: importing typing is what `tessa-tui --help` must not pay for
if TYPE_CHECKING:  # typing and datetime stay off `--help`'s path (tests/test_import_budgets.py)
    from collections.abc import Callable
    from datetime import date, datetime
    from typing import Any, NoReturn

    from tessa_tui.base.time_source import Now

    Run = Callable[[argparse.Namespace], int]

TIME_HELP = "UTC time: now, HH:MM[:SS] today, an ISO 8601 timestamp, or `10m` ago"

AS_HELP = "who is typing, recorded on every event (default: $TESSA_ACTOR, journal.actor, the OS user)"
ID_HELP = "INC-N, N, or `active` for the open incident that matters most"


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad command line in one line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        raise UserError(f"{message} (see `{self.prog} --help`)")


def build_parser(clock: Now | None = None) -> argparse.ArgumentParser:
    """The whole command tree; each subcommand names the function that runs it (`clock`: what `now` and `7d`
    mean; the system clock by default)."""
    parser = _Parser(
        prog="tessa-tui",
        description="The incident console: services, incident checklist, logs and database in one terminal.",
    )
    parser.add_argument("--version", action="version", version=f"tessa-tui {__version__}")
    parser.add_argument("--config", metavar="PATH", help="config file (default: $TESSA_CONFIG, ./tessa.yaml, user dir)")
    parser.add_argument(
        "--readonly", action="store_true", help="spectator mode: hide every action that changes anything"
    )
    parser.add_argument("--as", dest="actor", metavar="NAME", help=AS_HELP)
    parser.set_defaults(run=_run_console)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=_Parser)

    check = commands.add_parser("check", help="run every service check once; exit 0 when all are up, 1 if not")
    check.add_argument("--json", action="store_true", help="print the documented JSON (docs/cli-json.md)")
    check.add_argument("--only", metavar="NAME", action="append", help="run only this check (repeatable)")
    check.add_argument(
        "--review",
        choices=["daily", "weekly"],
        help="run a health review's measurable items and save it; exit 0 when none failed",
    )
    check.set_defaults(run=_run_check)

    _add_demo(commands)
    _group(commands, "runbook", "the runbook pack: list, show, run, validate, schema", _add_runbook)
    _group(commands, "incident", "incidents in the journal: list, show, declare, tick, export ...", _incident(clock))
    _group(
        commands,
        "journal",
        "the incident journal: check it, share it (init-shared, status, sync)",
        _add_journal,
        JOURNAL_DESCRIPTION,
    )
    _add_logs(commands)
    _add_serve(commands)
    _group(commands, "db", "the database pane's headless twin", _add_db)
    _add_deployments(commands)
    _add_metrics(commands)
    _group(commands, "config", "validate a configuration or print its JSON Schema", _add_config)
    _accept_global_options_anywhere(parser)
    return parser


def _group(
    commands: Any, name: str, help_text: str, add: Callable[[Any], None], description: str | None = None
) -> argparse.ArgumentParser:
    """A command with actions (`incident declare`); alone (`tessa-tui incident`) it prints its usage, exit 2."""
    laid_out = {"formatter_class": argparse.RawDescriptionHelpFormatter} if description else {}
    group: argparse.ArgumentParser = commands.add_parser(
        name,
        help=help_text,
        description=description or help_text[:1].upper() + help_text[1:].rstrip(".") + ".",
        **laid_out,
    )
    group.set_defaults(run=lambda _args: _usage(group))
    if name == "incident":
        add_readonly_flag(group)
    add(group.add_subparsers(title=f"{name} commands", metavar="ACTION", parser_class=type(group)))
    return group


def _usage(parser: argparse.ArgumentParser) -> int:
    import sys

    parser.print_help(sys.stderr)
    return 2


def add_readonly_flag(parser: argparse.ArgumentParser) -> None:
    """`--readonly` after a subcommand too; SUPPRESS keeps a subparser from resetting the global flag."""
    parser.add_argument(
        "--readonly", action="store_true", default=argparse.SUPPRESS, help="open the journal read-only: write nothing"
    )


def _accept_global_options_anywhere(parser: argparse.ArgumentParser) -> None:
    """`--config`, `--readonly` and `--as` after any subcommand too (`tessa-tui check --readonly`), as before it.
    SUPPRESS as the default keeps a subcommand from resetting a value given before it."""
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        for sub in set(action.choices.values()):
            have = {option for known in sub._actions for option in known.option_strings}
            if "--config" not in have:
                sub.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
            if "--readonly" not in have:
                sub.add_argument("--readonly", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
            if "--as" not in have:
                sub.add_argument(
                    "--as", dest="actor", metavar="NAME", default=argparse.SUPPRESS, help=argparse.SUPPRESS
                )
            _accept_global_options_anywhere(sub)


# -- the console, check, config --------------------------------------------------------------------------------


def _run_console(args: argparse.Namespace) -> int:
    from tessa_tui.cli.console import open_console
    from tessa_tui.cli.loading import load

    return open_console(load(args), readonly=args.readonly, actor=args.actor)


def _run_check(args: argparse.Namespace) -> int:
    from tessa_tui.cli.check import run_check_args

    return run_check_args(args)


def _add_config(actions: Any) -> None:
    validate = actions.add_parser("validate", help="check a config file; exit 2 naming file:line and field")
    validate.add_argument("path", nargs="?", help="file to check (default: the config lookup order)")
    validate.set_defaults(run=_run_config_validate)
    schema = actions.add_parser("schema", help="print the JSON Schema of tessa.yaml")
    schema.set_defaults(run=_run_config_schema)


def _run_config_validate(args: argparse.Namespace) -> int:
    from tessa_tui.cli import config_file

    return config_file.run_validate(args)


def _run_config_schema(args: argparse.Namespace) -> int:
    from tessa_tui.cli import config_file

    return config_file.run_schema(args)


# -- demo ------------------------------------------------------------------------------------------------------


def _add_demo(commands: Any) -> None:
    demo = commands.add_parser("demo", help="start the embedded demo platform and open the console on it")
    demo.add_argument(
        "--state-dir",
        metavar="DIR",
        help="where the demo keeps its database, logs and config "
        "(default: the first free of <state>/demo, demo-2, ...; with --drill / --print-config: "
        "the running demo's)",
    )
    demo.add_argument("--serve-only", action="store_true", help="run the platform without the console")
    demo.add_argument("--print-config", action="store_true", help="print the running demo's tessa.yaml")
    demo.add_argument(
        "--join",
        action="store_true",
        help="open another responder's console on the running demo's shared journal (with --as NAME)",
    )
    demo.add_argument("--slack", action="store_true", help="print the running demo's #incidents Slack channel")
    demo.add_argument(
        "--env",
        action="store_true",
        help="print `export` lines for the demo config's credentials "
        "and its supabase stand-in (eval them to use the config from another shell)",
    )
    demo.add_argument(
        "--drill",
        metavar="NAME",
        choices=[*DRILL_NAMES, ALL_CLEAR],
        help=f"start a drill on the running demo: {', '.join(DRILL_NAMES)}, or {ALL_CLEAR} "
        "(which demo: --state-dir, the demo.control-url of --config, or the one running)",
    )
    demo.add_argument(
        "--with-drill", metavar="NAME", action="append", default=[], choices=DRILL_NAMES, help=argparse.SUPPRESS
    )
    demo.add_argument("--parent-pid", type=int, help=argparse.SUPPRESS)
    demo.add_argument("--lock-fd", type=int, help=argparse.SUPPRESS)  # the state dir's lock, taken by the console
    demo.set_defaults(run=_run_demo)


def _run_demo(args: argparse.Namespace) -> int:
    from tessa_tui.cli.demo import run_demo

    return run_demo(args)


# -- runbook ---------------------------------------------------------------------------------------------------


def _add_runbook(actions: Any) -> None:
    listing = actions.add_parser("list", help="every runbook: id, kind, severity, title")
    listing.add_argument("query", nargs="*", help="only runbooks whose title, id or symptoms contain these words")
    show = actions.add_parser("show", help="one runbook's phases and steps")
    show.add_argument("id")
    validate = actions.add_parser("validate", help="check runbook files or folders (default: the configured pack)")
    validate.add_argument("paths", nargs="*", metavar="PATH")
    run = actions.add_parser("run", help="run a runbook's step actions headless (recorded with --incident)")
    run.add_argument("id", help="the runbook")
    run.add_argument(
        "--step",
        help="one step: its number in `runbook show` or its id (default: every step "
        "with an action, neither destructive nor a PagerDuty / Slack / Statuspage call)",
    )
    run.add_argument(
        "--incident",
        metavar="ID",
        help="record the results in this incident's timeline "
        "(`active`: the latest open one); the runbook must be attached to it",
    )
    run.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="a placeholder value")
    run.add_argument("--confirm", metavar="WORD", help="a destructive step's confirm word (see `runbook show`)")
    run.add_argument("--json", action="store_true", help="one JSON object per step")
    schema = actions.add_parser("schema", help="print the JSON Schema of a runbook file")
    for name, sub in (("list", listing), ("show", show), ("validate", validate), ("run", run), ("schema", schema)):
        sub.set_defaults(run=_runbook_action(name))


def _runbook_action(name: str) -> Run:
    def run(args: argparse.Namespace) -> int:
        from tessa_tui.cli.runbook import run_action

        return run_action(name, args)

    return run


# -- incident --------------------------------------------------------------------------------------------------


def _incident(clock: Now | None) -> Callable[[Any], None]:
    """The `incident` actions; `clock` gives `now` and `7d` their meaning."""

    def add(actions: Any) -> None:
        def command(name: str, help_text: str) -> Any:
            sub = actions.add_parser(name, help=help_text)
            add_readonly_flag(sub)
            sub.set_defaults(run=_incident_action(name, clock))
            return sub

        moment = _moment_arg(clock)
        command("list", "incidents, open first").add_argument("--open", action="store_true", help="open incidents only")
        command("show", "an incident: clocks, numbered checklist, timeline").add_argument("id", help=ID_HELP)
        declare = command("declare", "declare an incident; its severity's procedure is attached")
        declare.add_argument("severity", help="SEV1..SEV4 (or 1..4)")
        declare.add_argument("title", nargs="?", default="", help="what is wrong (default: the severity's description)")
        declare.add_argument("--runbook", action="append", default=[], metavar="ID", help="also attach this runbook")
        declare.add_argument("--service", action="append", default=[], metavar="NAME", help="a service affected")
        declare.add_argument("--detected-at", type=moment, metavar="TIME", help=TIME_HELP)
        declare.add_argument("--began-at", type=moment, metavar="TIME", help=TIME_HELP)
        command("ack", "acknowledge (stops the response clock)").add_argument("id", help=ID_HELP)
        tick = command("tick", "tick a step (by number in `show`, step id, or runbook/step)")
        tick.add_argument("id", help=ID_HELP)
        tick.add_argument("step")
        tick.add_argument("--undo", action="store_true", help="untick instead")
        note = command("note", "add a note (or root cause, impact, action item ...)")
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
        update = command("update", "record a stakeholder update posted by hand (restarts the update clock)")
        update.add_argument("id", help=ID_HELP)
        update.add_argument("text", help="what stakeholders were told")
        milestone = command("milestone", "set or correct a post-mortem milestone")
        milestone.add_argument("id", help=ID_HELP)
        milestone.add_argument("name", choices=[m.replace("_", "-") for m in MILESTONES])
        milestone.add_argument("--at", type=moment, metavar="TIME", help=TIME_HELP + " (default: now)")
        severity = command("severity", "change the severity; that severity's procedure replaces the old")
        severity.add_argument("id", help=ID_HELP)
        severity.add_argument("severity")
        attach = command("attach", "attach a runbook")
        attach.add_argument("id", help=ID_HELP)
        attach.add_argument("runbook")
        role = command("role", "assign a role (a contact's name or Slack handle, or anyone's name)")
        role.add_argument("id", help=ID_HELP)
        role.add_argument("role", choices=ROLES)
        role.add_argument("person")
        handoff = command("handoff", "hand the incident-commander role to someone, as its own timeline event")
        handoff.add_argument("id", help=ID_HELP)
        handoff.add_argument("person")
        handoff.add_argument(
            "--role", choices=ROLES, default="commander", help="the role handed over (default commander)"
        )
        resolve = command("resolve", "resolve (stops every clock)")
        resolve.add_argument("id", help=ID_HELP)
        resolve.add_argument("--summary", default="", help="what fixed it (goes into the post-mortem's Resolution)")
        command("reopen", "reopen a resolved incident").add_argument("id", help=ID_HELP)
        verify = command("verify", "confirm a resolved incident's services are healthy again (Verified resolved)")
        verify.add_argument("id", help=ID_HELP)
        verify.add_argument("--note", default="", help="how it was verified")
        export = command("export", "write the post-mortem (the seed's template) as Markdown or JSON")
        export.add_argument("id", help=ID_HELP)
        export.add_argument(
            "--format", choices=["md", "json"], help="md or json (default: the --output file's suffix, else md)"
        )
        export.add_argument("--output", "-o", metavar="FILE", help="write here instead of stdout")

    return add


def _now(clock: Now | None) -> Now:
    if clock is not None:
        return clock
    from tessa_tui.base.time_source import utc_now

    return utc_now


def _incident_action(name: str, clock: Now | None) -> Run:
    def run(args: argparse.Namespace) -> int:
        from tessa_tui.cli.incident import run_action

        return run_action(name, args, _now(clock))

    return run


def _moment_arg(clock: Now | None) -> Callable[[str], datetime]:
    def parse(text: str) -> datetime:
        from tessa_tui.base.moments import parse_moment

        try:
            return parse_moment(text, _now(clock)())
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse


def _due_arg(clock: Now | None) -> Callable[[str], date]:
    def parse(text: str) -> date:
        from datetime import date, timedelta

        days = re.fullmatch(r"(\d{1,4})d", text.strip())
        if days:
            return (_now(clock)() + timedelta(days=int(days.group(1)))).date()
        try:
            return date.fromisoformat(text.strip())
        except ValueError:
            from tessa_tui.base.sanitize import sanitize

            raise argparse.ArgumentTypeError(f"{sanitize(text)[:40]!r}: use YYYY-MM-DD or days like 7d") from None

    return parse


# -- journal, logs, serve, db ----------------------------------------------------------------------------------


JOURNAL_DESCRIPTION = """\
The incident journal: every tick, note and role, recorded on this machine first (a SQLite file).
Shared through PostgreSQL, every responder's console sees the same incident: in tessa.yaml,
  journal:
    shared:
      dsn: ${TESSA_JOURNAL_DSN}   # session mode (not a transaction pooler such as port 6543)
then `tessa-tui journal init-shared` once, as the schema's owner. Design: docs/shared-journal.md."""


def _add_journal(actions: Any) -> None:
    check = actions.add_parser(
        "check", help="list rows that cannot be read (id, incident, kind, reason); exit 1 if any"
    )
    check.set_defaults(run=_run_journal_check)
    init = actions.add_parser(
        "init-shared", help="create the shared journal's schema in PostgreSQL (idempotent) and print the grants"
    )
    init.add_argument(
        "--dsn-env", metavar="NAME", help="environment variable holding an owner's DSN (default: journal.shared.dsn)"
    )
    init.add_argument(
        "--role", default="tessa_console", help="the consoles' role named in the printed grants (default: %(default)s)"
    )
    init.set_defaults(run=_run_journal_shared("run_init"))
    status = actions.add_parser(
        "status",
        help="shared: live, N events waiting (offline since ...), or local only",
        description="Where the shared journal stands, with counts; writes nothing. "
        "Exit 0: live, or local only; 1: offline or refused (the reason is printed).",
    )
    status.set_defaults(run=_run_journal_shared("run_status"))
    sync = actions.add_parser(
        "sync",
        help="push this machine's events to the shared journal and pull the others'",
        description="Push this machine's events to the shared journal and pull the other machines' once (with "
        "--readonly: pull only, writing nothing). Exit 0: done; 1: offline or refused (the events wait here).",
    )
    sync.set_defaults(run=_run_journal_shared("run_sync"))


def _run_journal_shared(name: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        from tessa_tui.cli import journal_shared

        action: Callable[[argparse.Namespace], int] = getattr(journal_shared, name)
        return action(args)

    return run


def _run_journal_check(args: argparse.Namespace) -> int:
    from tessa_tui.cli.journal import run_check
    from tessa_tui.cli.loading import load_optional

    return run_check(load_optional(args))


def _add_logs(commands: Any) -> None:
    logs = commands.add_parser("logs", help="read a configured log source through the pane's parser")
    logs.add_argument("name", help="the log source's name in tessa.yaml")
    logs.add_argument("--follow", "-f", action="store_true", help="keep reading new lines (like tail -F)")
    logs.add_argument("--json", action="store_true", help="one JSON object per record")
    logs.add_argument("--level", choices=[lv for lv in LEVELS if lv != "unknown"], help="this level and worse only")
    logs.add_argument("--grep", metavar="RE", help="records whose text matches this regular expression")
    logs.add_argument("--tail", metavar="N", type=_record_count, help="a file source's last N records only")
    logs.add_argument(
        "--since",
        metavar="TIME",
        help="a file source's records from TIME on: 14:05, 2026-12-06 14:05 or 10m (before its newest), "
        "in the log's own clock",
    )
    logs.set_defaults(run=_run_logs)


def _record_count(text: str) -> int:
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        from tessa_tui.base.sanitize import sanitize  # `tessa-tui --help` does not pay for it

        raise argparse.ArgumentTypeError(f"{sanitize(text)[:40]!r}: a number of records, 0 or more")
    return int(text)


def _run_logs(args: argparse.Namespace) -> int:
    from tessa_tui.cli.loading import load
    from tessa_tui.cli.logs import run_logs

    return run_logs(load(args), args)


def _add_serve(commands: Any) -> None:
    serve = commands.add_parser("serve", help="share the console in a browser on this host (read-only by default)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--write", action="store_true", help="let the browser change things (not spectator mode)")
    serve.add_argument("--public", action="store_true", help="allow a --host other than loopback")
    serve.add_argument("--max-sessions", type=int, default=4, help="browser tabs served at once (default 4)")
    serve.set_defaults(run=_run_serve)


def _run_serve(args: argparse.Namespace) -> int:
    from tessa_tui.cli.loading import load
    from tessa_tui.cli.serve import run_serve

    return run_serve(load(args), args)


def _add_db(actions: Any) -> None:
    report = actions.add_parser("report", help="one snapshot: size, top tables, connections, long and slow queries")
    report.add_argument("--json", action="store_true", help="print the snapshot as JSON (docs/cli-json.md)")
    report.set_defaults(run=_run_db_report)


def _run_db_report(args: argparse.Namespace) -> int:
    from tessa_tui.cli.db import run_db_report
    from tessa_tui.cli.loading import load

    return run_db_report(load(args), as_json=args.json)


def _add_deployments(commands: Any) -> None:
    deployments = commands.add_parser(
        "deployments", help="the latest deployments of every source (Vercel, Netlify, git); exit 1 if one is unread"
    )
    deployments.add_argument("--recent", action="store_true", help="only those younger than `deployments.recent` (2h)")
    deployments.add_argument("--json", action="store_true", help="print the documented JSON (docs/cli-json.md)")
    deployments.set_defaults(run=_run_deployments)


def _run_deployments(args: argparse.Namespace) -> int:
    from tessa_tui.cli.deployments import run_deployments
    from tessa_tui.cli.loading import load

    return run_deployments(load(args), as_json=args.json, recent=args.recent)


def _add_metrics(commands: Any) -> None:
    metrics = commands.add_parser(
        "metrics", help="every metrics series once: value, unit, state, age; exit 1 if a source is unread"
    )
    metrics.add_argument("--json", action="store_true", help="print the documented JSON (docs/cli-json.md)")
    metrics.set_defaults(run=_run_metrics)


def _run_metrics(args: argparse.Namespace) -> int:
    from tessa_tui.cli.loading import load
    from tessa_tui.cli.metrics import run_metrics

    return run_metrics(load(args), as_json=args.json)
