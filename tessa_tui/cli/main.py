"""The `tessa-tui` command line: opens the console, or runs a pane's headless twin."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO

from tessa_tui import __version__
from tessa_tui.base import secret_registry
from tessa_tui.base.capabilities import Capabilities
from tessa_tui.base.crash_log import write_crash
from tessa_tui.base.errors import UserError
from tessa_tui.base.redact import redact_text
from tessa_tui.base.sanitize import sanitize
from tessa_tui.base.user_dirs import config_dir
from tessa_tui.cli.console import open_console
from tessa_tui.cli.db import add_db_parser, run_db_report
from tessa_tui.cli.demo import add_demo_parser
from tessa_tui.cli.incident import add_incident_parser
from tessa_tui.cli.journal import add_journal_parser
from tessa_tui.cli.logs import add_logs_parser, run_logs
from tessa_tui.cli.runbook import add_runbook_parser
from tessa_tui.cli.serve import add_serve_parser, run_serve
from tessa_tui.config.load import (
    CONFIG_ENV,
    CONFIG_NAME,
    LoadedConfig,
    config_json_schema,
    load_config,
    locate_config,
)
from tessa_tui.incidents.book import ACTOR_ENV, check_actor

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 70  # EX_SOFTWARE: our bug, not the user's input


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad command line in one line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        raise UserError(f"{message} (see `{self.prog} --help`)")


def build_parser() -> argparse.ArgumentParser:
    """The whole command tree; each subcommand names the function that runs it."""
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

    add_demo_parser(commands)
    runbook = add_runbook_parser(commands, _load_optional)
    runbook.set_defaults(run=lambda _args: _usage(runbook))
    incident = add_incident_parser(commands, _load_optional)
    incident.set_defaults(run=lambda _args: _usage(incident))
    journal = add_journal_parser(commands, _load_optional)
    journal.set_defaults(run=lambda _args: _usage(journal))
    add_logs_parser(commands, lambda args: run_logs(_load(args), args))
    add_serve_parser(commands, lambda args: run_serve(_load(args), args))
    db = add_db_parser(commands, lambda args: run_db_report(_load(args), as_json=args.json))
    db.set_defaults(run=lambda _args: _usage(db))

    config = commands.add_parser("config", help="validate a configuration or print its JSON Schema")
    config_commands = config.add_subparsers(title="config commands", metavar="ACTION", parser_class=_Parser)
    config.set_defaults(run=lambda _args: _usage(config))
    validate = config_commands.add_parser("validate", help="check a config file; exit 2 naming file:line and field")
    validate.add_argument("path", nargs="?", help="file to check (default: the config lookup order)")
    validate.set_defaults(run=_run_config_validate)
    schema = config_commands.add_parser("schema", help="print the JSON Schema of tessa.yaml")
    schema.set_defaults(run=_run_config_schema)
    _accept_global_options_anywhere(parser)
    return parser


AS_HELP = "who is typing, recorded on every event (default: $TESSA_ACTOR, journal.actor, the OS user)"


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


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_BAD_INPUT


def _load(args: argparse.Namespace, path: str | None = None) -> LoadedConfig:
    return load_config(locate_config(path or args.config))


def _load_optional(args: argparse.Namespace) -> LoadedConfig | None:
    """The config when one is given or found; None when there is none at all (the defaults then apply)."""
    if not args.config and not os.environ.get(CONFIG_ENV):
        candidates = [Path.cwd() / CONFIG_NAME, config_dir() / CONFIG_NAME]
        if not any(c.is_file() for c in candidates):
            return None
    return _load(args)


def _run_console(args: argparse.Namespace) -> int:
    return open_console(_load(args), readonly=args.readonly, actor=args.actor)


def _run_check(args: argparse.Namespace) -> int:
    from tessa_tui.cli.check import run_check_command

    if args.review:  # a review runs its measuring steps and saves itself as REV-N: neither is read-only
        Capabilities.from_flag(args.readonly).require("act", f"check --review {args.review}")
    return run_check_command(_load(args), only=args.only, as_json=args.json, review=args.review, readonly=args.readonly)


def _run_config_validate(args: argparse.Namespace) -> int:
    loaded = _load(args, args.path)
    cfg = loaded.config
    summary = (
        f"{len(cfg.services or [])} services, {len(cfg.logs or [])} log sources, "
        f"database {'configured' if cfg.database else 'not configured'}"
    )
    print(f"{loaded.path}: ok ({summary})")
    return EXIT_OK


def _run_config_schema(_args: argparse.Namespace) -> int:
    print(json.dumps(config_json_schema(), indent=2))
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; bad input is one line on stderr with exit 2, never a traceback. Everything it prints
    passes through the secret registry's mask (see `_MaskedStream`)."""
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _MaskedStream(sys.stdout), _MaskedStream(sys.stderr)
    try:
        return _main(argv)
    finally:
        for masked in (sys.stdout, sys.stderr):
            if isinstance(masked, _MaskedStream):
                with contextlib.suppress(OSError, ValueError):
                    masked.flush()
        sys.stdout, sys.stderr = streams


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        run: Callable[[argparse.Namespace], int] = args.run
        with _acting_as(getattr(args, "actor", None)):
            return run(args)
    except UserError as exc:
        # The message quotes what the user typed: shown, never obeyed (no escape reaches the terminal).
        print(f"tessa-tui: error: {sanitize(redact_text(str(exc)))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK  # `tessa-tui ... | head` closed the pipe: not an error
    except Exception as exc:  # the last line of defence: the user sees one line, the log keeps the rest
        # Only the type: a message can quote a secret (an invalid port quotes the netloc, password and all).
        where = _log_crash(exc)
        print(f"tessa-tui: internal error: {type(exc).__name__}; details in {where}", file=sys.stderr)
        return EXIT_INTERNAL


@contextlib.contextmanager
def _acting_as(name: str | None) -> Iterator[None]:
    """`--as NAME` for the whole run: checked first (a bad name is exit 2 whatever the subcommand), then
    $TESSA_ACTOR for the run's length, which `--as` outranks anyway; so every subcommand that records
    (incident, runbook run, check --review, the console) and every `tessa-tui` a step runs records NAME."""
    if name is None:
        yield
        return
    name = check_actor(name, "--as")
    before = os.environ.get(ACTOR_ENV)
    os.environ[ACTOR_ENV] = name
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(ACTOR_ENV, None)
        else:
            os.environ[ACTOR_ENV] = before


def _log_crash(exc: BaseException) -> Path | str:
    """Append the traceback (no locals, secrets masked) to the crash log; return where it went."""
    return write_crash(exc, "tessa-tui command line")


class _MaskedStream(io.TextIOBase):
    """stdout / stderr with every registered secret masked. Whole lines are masked (a secret split over
    writes, as print and json.dump make them, is still one line): writes are collected up to CHUNK characters
    (at each newline on a terminal) and masked in one pass, so `tessa-tui logs | ...` pays one regex search
    per chunk, not per line."""

    CHUNK = 8192
    LONGEST_LINE = 1 << 20  # a line longer than this is masked in pieces rather than held without end

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._parts: list[str] = []
        self._size = 0
        try:
            self._tty = stream.isatty()
        except (AttributeError, ValueError, OSError):
            self._tty = False

    def write(self, text: str) -> int:
        self._parts.append(text)
        self._size += len(text)
        if self._size >= self.CHUNK or (self._tty and "\n" in text):
            self._drain(everything=self._size >= self.LONGEST_LINE)
        return len(text)

    def _drain(self, *, everything: bool) -> None:
        data = "".join(self._parts)
        end = len(data) if everything else data.rfind("\n") + 1
        self._parts = [data[end:]] if end < len(data) else []
        self._size = len(data) - end
        if end:
            self._stream.write(secret_registry.mask(data[:end]))

    def flush(self) -> None:
        self._drain(everything=True)
        self._stream.flush()

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._stream, "encoding", "utf-8")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
