"""The demo's `supabase` command: the few Supabase CLI calls the runbooks make, answered for the demo project.

`tessa-tui demo` puts a `supabase` launcher for this module first on its console's PATH (in the state dir's
bin/), so the runbooks' steps run against the demo: `db dump` really dumps the demo's PostgreSQL with pg_dump;
listings show the demo project's functions, secrets, backups and migrations; `functions deploy` is simulated
(it says so). Anything else is refused as the real CLI refuses an unknown command (exit 1).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

DSN_ENV = "TESSA_DEMO_DSN"
FUNCTIONS = ("chat", "sync", "auth")


def write_launcher(bin_dir: Path, dsn: str) -> Path:
    """bin_dir/supabase: runs this module with this interpreter, the demo's DSN in its environment."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    path = bin_dir / "supabase"
    text = (
        f"#!/bin/sh\n# Written by `tessa-tui demo`: the demo's stand-in for the Supabase CLI.\n"
        f"{DSN_ENV}='{dsn}' exec '{sys.executable}' -m tessa_tui.demo.supabase_cli \"$@\"\n"
    )
    path.write_text(text, encoding="utf-8")
    path.chmod(0o700)
    return path


def _say(text: str, *, error: bool = False) -> None:
    (sys.stderr if error else sys.stdout).write(text + "\n")


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=False)]

    def line(cells: Sequence[str]) -> str:
        return "   " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=False))

    rule = "  " + "-+-".join("-" * (w + 1) for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


def _pg_dump() -> str | None:
    from tessa_tui.demo.pg_binaries import find_binaries

    try:
        bundled = find_binaries().bindir / "pg_dump"
    except Exception:  # no PostgreSQL found: fall back to PATH
        bundled = None
    if bundled is not None and bundled.is_file():
        return str(bundled)
    return shutil.which("pg_dump")


def _dump(args: argparse.Namespace) -> int:
    dsn = os.environ.get(DSN_ENV)
    pg_dump = _pg_dump()
    if not dsn or pg_dump is None:
        _say("error: the demo's database or pg_dump was not found", error=True)
        return 1
    command = [pg_dump, "--dbname", dsn, "--no-owner", "--file", args.file]
    if args.role_only:  # pg_dump has no roles: pg_dumpall would need a superuser; write what the demo has
        Path(args.file).write_text("-- roles of the demo project\nCREATE ROLE tessa_app;\n", encoding="utf-8")
        _say(f"Dumped roles to {args.file} (demo)")
        return 0
    command += ["--data-only"] if args.data_only else ["--schema-only"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        _say(done.stderr.strip(), error=True)
        return done.returncode
    _say(f"Dumped {'data' if args.data_only else 'schema'} to {args.file}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="supabase", description="the demo's stand-in for the Supabase CLI")
    commands = parser.add_subparsers(dest="group", required=True)
    for group, verbs in {
        "secrets": ["list"],
        "backups": ["list"],
        "functions": ["list", "deploy"],
        "migration": ["list"],
        "db": ["dump"],
    }.items():
        sub = commands.add_parser(group).add_subparsers(dest="verb", required=True)
        for verb in verbs:
            command = sub.add_parser(verb)
            command.add_argument("--project-ref")
            command.add_argument("--linked", action="store_true")
            if verb == "deploy":
                command.add_argument("name")
            if verb == "dump":
                command.add_argument("--file", required=True)
                command.add_argument("--role-only", action="store_true")
                command.add_argument("--data-only", action="store_true")
                command.add_argument("--use-copy", action="store_true")
    args = parser.parse_args(argv)
    where = args.project_ref or "tessa-demo (linked)"
    if args.group == "db":
        return _dump(args)
    if args.group == "functions" and args.verb == "deploy":
        if args.name not in FUNCTIONS:
            _say(f"error: function {args.name!r} not found in supabase/functions", error=True)
            return 1
        _say(f"Deployed Function {args.name} on project {where} (simulated by the demo: nothing changed)")
        return 0
    if args.group == "functions":
        rows = [
            (f"fn-{i}", name, name, "ACTIVE", str(40 + i), "2026-01-21 09:00:00") for i, name in enumerate(FUNCTIONS)
        ]
        _say(_table(("ID", "NAME", "SLUG", "STATUS", "VERSION", "UPDATED_AT (UTC)"), rows))
    elif args.group == "secrets":
        _say(_table(("NAME", "DIGEST"), [("OPENAI_API_KEY", "3f1c…e9"), ("SUPABASE_SERVICE_ROLE_KEY", "a07d…42")]))
    elif args.group == "backups":
        _say(
            _table(
                ("REGION", "BACKUP TYPE", "STATUS", "CREATED AT (UTC)"),
                [("us-east-1", "PHYSICAL", "COMPLETED", "2026-01-21 03:00:00")],
            )
        )
    else:
        _say(_table(("LOCAL", "REMOTE", "TIME (UTC)"), [("20260120090000", "20260120090000", "2026-01-20 09:00:00")]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
