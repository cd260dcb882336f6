"""`tessa-tui check`: every service check once, through the same engine as the services pane; with
`--review daily|weekly`, a health review: its measurable items judged, the result saved in the journal."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime

from tessa_tui.base.capabilities import Capabilities
from tessa_tui.base.errors import UserError
from tessa_tui.checks.result import STATE_SYMBOL, CheckResult
from tessa_tui.cli.loading import load
from tessa_tui.config.load import LoadedConfig

EXIT_ALL_UP = 0
EXIT_NOT_ALL_UP = 1


def run_check_args(args: argparse.Namespace) -> int:
    """`tessa-tui check` as typed: a review acts (it runs measuring steps and saves itself), so not read-only."""
    if args.review:
        Capabilities.from_flag(args.readonly).require("act", f"check --review {args.review}")
    return run_check_command(load(args), only=args.only, as_json=args.json, review=args.review, readonly=args.readonly)


def run_check_command(
    loaded: LoadedConfig, *, only: list[str] | None, as_json: bool, review: str | None = None, readonly: bool = False
) -> int:
    """Run the checks, print a table or JSON, exit 0 when every check is up, 1 otherwise; unless `readonly`,
    record the post-mortem's evidence (state flips, green checks after a resolution) in the journal."""
    if review is not None:
        if only:
            raise UserError("--only does not go with --review: a review runs its own items")
        return run_review_command(loaded, review, as_json=as_json)
    from tessa_tui.checks.poller import run_all_once  # httpx and aiohttp load only for commands that poll

    checks = list(loaded.config.services or [])
    if not checks:
        raise UserError("no services configured: add a `services:` section", source=str(loaded.path))
    if only:
        names = {c.name for c in checks}
        unknown = [n for n in only if n not in names]
        if unknown:
            raise UserError(f"--only {unknown[0]!r}: no such check (have: {', '.join(sorted(names))})")
        checks = [c for c in checks if c.name in only]
    started = datetime.now(UTC)
    results = asyncio.run(run_all_once(checks, secrets=loaded.secrets))
    print(json.dumps(_document(loaded, results, started), indent=2) if as_json else _table(results), flush=True)
    if not readonly:
        record_evidence(loaded, results)
    return EXIT_ALL_UP if all(r.state == "up" for r in results) else EXIT_NOT_ALL_UP


def _document(loaded: LoadedConfig, results: list[CheckResult], started: datetime) -> dict[str, object]:
    return {
        "platform": loaded.config.platform,
        "environment": loaded.config.environment,
        "checked_at": started.isoformat(),
        "all_up": all(r.state == "up" for r in results),
        "checks": [r.to_json() for r in results],
    }


def _table(results: list[CheckResult]) -> str:
    rows = [("STATE", "CHECK", "GROUP", "LATENCY", "REASON")]
    for r in results:
        latency = "-" if r.latency_ms is None else f"{r.latency_ms:.0f} ms"
        rows.append((f"{STATE_SYMBOL[r.state]} {r.state}", r.name, r.group, latency, r.reason))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4] for row in rows]
    return "\n".join(line.rstrip() for line in lines)


def run_review_command(loaded: LoadedConfig, which: str, *, as_json: bool) -> int:
    """Run the daily or weekly review, save it, print it; exit 0 when no measurable item failed, 1 otherwise."""
    from tessa_tui.incidents.actors import default_actor
    from tessa_tui.incidents.journal_location import journal_file
    from tessa_tui.run.review import format_review, review_runbook, run_review, save_review, to_json

    runbook = review_runbook(loaded, which)
    journal = journal_file(loaded)
    review = asyncio.run(run_review(runbook, loaded.config, secrets=loaded.secrets, journal=journal))
    try:
        save_review(review, journal, default_actor(loaded.config.journal.actor))
    finally:  # not saved (JournalError, exit 2): what was measured is still shown
        print(to_json(review) if as_json else format_review(review), flush=True)
    return EXIT_ALL_UP if review.passed else EXIT_NOT_ALL_UP


def record_evidence(loaded: LoadedConfig, results: list[CheckResult]) -> None:
    """Each result's evidence into the journal: a state flip when it differs from the last one recorded (so
    `check` in a loop writes only changes), and green results counted toward verifying a resolved incident.
    A failure (a read-only file system, a locked journal) is one line on stderr; the exit status stays the
    checks'."""
    from tessa_tui.base.redact import redact_text
    from tessa_tui.incidents.book import open_book

    try:
        book = open_book(loaded)
        try:
            for result in results:
                for pending in book.observe_check(result.name, result.state, result.reason, "check"):
                    book.record(pending)
        finally:
            book.journal.close()
    except UserError as exc:
        print(f"tessa-tui: warning: evidence not recorded: {redact_text(exc.message)}", file=sys.stderr)
