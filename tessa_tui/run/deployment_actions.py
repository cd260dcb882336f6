"""The deployment step actions: `deployments: recent|list` reads every source once (the seed's "check recent
deployments"), `rollback:` puts an earlier deployment back into production and says so only when the platform's
re-read shows it (tessa_tui/deployments/rollback.py)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable

from tessa_tui.base.durations import format_duration
from tessa_tui.base.redact import redact_text
from tessa_tui.base.time_source import utc_now
from tessa_tui.conditions.condition import Observation
from tessa_tui.config.model import TessaConfig
from tessa_tui.deployments.rollback import Platform, RollbackOutcome, roll_back

DEFAULT_ROLLBACK_TIMEOUT_S = 60.0  # the promote, then re-reads until production serves the chosen deployment


async def list_deployments(
    which: str, config: TessaConfig, secrets: Iterable[str], deadline: float
) -> tuple[Observation, str, str, bool]:
    """(what `expect` sees, the status line, the table, truncated) for `deployments: recent` or `list`.

    [BODY].count is the deployments shown, [BODY].failed the sources that could not be read: a step that
    expects `[BODY].failed == 0` is ticked only when every source answered, so "no recent deployments" is never
    said of a source nobody could read."""
    from tessa_tui.deployments.report import table
    from tessa_tui.deployments.watch import read_all_once

    hidden = frozenset(s for s in secrets if len(s) >= 4)
    try:
        async with asyncio.timeout(deadline):
            update = await read_all_once(config, hidden, utc_now)
    except TimeoutError:
        return Observation(), f"timed out after {deadline:g}s", "", False
    if not update.sources:
        return (
            Observation(),
            "cannot run: no deployment sources (`deployments:` or a `repo_path` placeholder)",
            "",
            False,
        )
    recent_only = which == "recent"
    shown = update.recent() if recent_only else update.deployments()
    failed = [s.name for s in update.sources if s.state != "ok"]
    body = {
        "count": len(shown),
        "failed": len(failed),
        "sources": {s.name: s.state for s in update.sources},
        "deployments": [d.to_json(update.at, update.recent_within) for d in shown],
    }
    scope = f"in the last {format_duration(update.recent_within)}" if recent_only else "listed"
    status = f"{len(shown)} deployment{'s' * (len(shown) != 1)} {scope}"
    if failed:
        status += f"; not read: {', '.join(failed)}"
    text = redact_text(table(update, recent_only=recent_only), hidden)
    return Observation(status=len(failed), body=json.dumps(body)), status, text, False


async def rollback(
    platform: str, wanted: str, source: str, config: TessaConfig, secrets: Iterable[str], deadline: float | None
) -> RollbackOutcome:
    """Run a `rollback:` action; never raises for what the platform does."""
    chosen: Platform = "vercel" if platform == "vercel" else "netlify"
    hidden = frozenset(s for s in secrets if len(s) >= 4)
    return await roll_back(
        chosen,
        wanted,
        config,
        hidden,
        source_name=source or None,
        deadline_s=deadline if deadline is not None else DEFAULT_ROLLBACK_TIMEOUT_S,
    )
