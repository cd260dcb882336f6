"""Putting an earlier deployment back into production: Vercel's promote, Netlify's restore; done only when the
platform's own answer says so.

The source is read first (which deployment production serves, the one asked for: an id, or `previous`, the newest
ready production deployment before the current one), the request is sent once, and the source is read again
until production serves the chosen deployment or the deadline passes. The outcome is "done" only when that
re-read shows it; a request the platform refused changed nothing; one that failed ambiguously (a 5xx, a timeout)
is followed by the same re-read, which says what happened. Every line names deployments by id, as the platform
does, and masks the tokens.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

from tessa_tui.base.redact import redact_text
from tessa_tui.base.sanitize import sanitize
from tessa_tui.config.deployments import DeploymentSource
from tessa_tui.config.model import TessaConfig
from tessa_tui.deployments.deadline import Deadline
from tessa_tui.deployments.model import Deployment
from tessa_tui.deployments.sources import read_source, settings_of
from tessa_tui.deployments.vendor_http import Answer, Listing, SourceFailure

if TYPE_CHECKING:
    import httpx

Platform = Literal["vercel", "netlify"]
PREVIOUS = "previous"
CANDIDATES = 50  # deployments read to find the one asked for (and the previous one)
CONFIRM_EVERY_S = 2.0
SERVICE = {"vercel": "Vercel", "netlify": "Netlify"}
VERB = {"vercel": "promote", "netlify": "restore"}

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class RollbackOutcome:
    """What the rollback did: ok only when a re-read shows production serving the chosen deployment."""

    status: str
    ok: bool
    why: str = ""
    output: str = ""


def describe(deployment: Deployment) -> str:
    """`dpl_123 (ready, production, 2026-01-21 13:40 UTC, a1b2c3d "fix: checkout")`."""
    when = f"{deployment.created_at:%Y-%m-%d %H:%M} UTC" if deployment.created_at else "time unknown"
    parts = [
        deployment.status,
        deployment.target,
        when,
        deployment.sha[:7],
        f'"{deployment.message}"' * bool(deployment.message),
    ]
    return f"{deployment.id} ({', '.join(p for p in parts if p)})"


def choose(listing: Listing, wanted: str, service: str) -> Deployment | str:
    """The deployment `wanted` names in `listing`, or why none can be put into production."""
    current = listing.current
    if wanted == PREVIOUS:
        if current is None or current.created_at is None:
            return f"{service} did not say which deployment production serves now, so none is `previous`: give an id"
        earlier = [
            d
            for d in listing.deployments
            if d.production
            and d.status == "ready"
            and not d.current
            and d.created_at
            and d.created_at < current.created_at
        ]
        if not earlier:
            return f"no ready production deployment before the current one ({current.id}) among the last {CANDIDATES}"
        return max(earlier, key=lambda d: d.created_at or datetime.min.replace(tzinfo=UTC))
    chosen = next((d for d in listing.deployments if d.id == wanted), None)
    if chosen is None:
        # What was typed, as text a terminal shows and cut: it reaches the timeline, the screen and the post-mortem.
        typed = sanitize(wanted[:200])[:80] + " …" * (len(wanted) > 80)
        return f"{typed} is not among the last {CANDIDATES} deployments (the Deployments view, D, lists them)"
    if chosen.status != "ready":
        return f"{chosen.id} is {chosen.status}, not ready: it would put a build that did not finish into production"
    if not chosen.production:
        return f"{chosen.id} is a {chosen.target} deployment: only a production deployment is put back"
    return chosen


async def roll_back(
    platform: Platform,
    wanted: str,
    config: TessaConfig,
    secrets: frozenset[str] = frozenset(),
    *,
    source_name: str | None = None,
    deadline_s: float = 60.0,
    sleep: Sleep = asyncio.sleep,
    read: Callable[..., Awaitable[Listing]] = read_source,
) -> RollbackOutcome:
    """Put `wanted` (an id, or `previous`) back into production on the first `platform` source (or the one named);
    never raises for what the platform or the network does."""
    from tessa_tui.base.http_fetch import make_client

    service = SERVICE[platform]
    settings = settings_of(config)
    sources = [s for s in settings.sources if s.kind == platform and source_name in (None, s.name)]
    if not sources:
        named = f" named {source_name!r}" if source_name else ""
        reason = f"no {service} source{named} under `deployments: sources:` in tessa.yaml"
        return RollbackOutcome(f"cannot run: {reason}", False, reason)
    source = sources[0]
    hidden = secrets | {t for s in (source.vercel, source.netlify) if s for t in [s.token]}
    deadline = Deadline(deadline_s, service)
    async with make_client(max_connections=2) as client:
        try:
            outcome = await _roll_back(client, platform, source, wanted.strip(), deadline, hidden, sleep, read)
        except SourceFailure as failure:  # the first read failed: nothing was sent
            outcome = RollbackOutcome(f"error: {failure.error}; nothing sent", False, failure.error)
    return RollbackOutcome(
        redact_text(outcome.status, hidden),
        outcome.ok,
        redact_text(outcome.why, hidden),
        redact_text(outcome.output, hidden),
    )


async def _roll_back(
    client: httpx.AsyncClient,
    platform: Platform,
    source: DeploymentSource,
    wanted: str,
    deadline: Deadline,
    secrets: frozenset[str],
    sleep: Sleep,
    read: Callable[..., Awaitable[Listing]],
) -> RollbackOutcome:
    service, verb = SERVICE[platform], VERB[platform]
    before = await read(client, source, CANDIDATES, deadline, secrets)
    what = "project" if platform == "vercel" else "site"
    lines = [f"source: {source.name} ({service} {what} {before.target})"]
    current = before.current
    lines.append(f"before: production served {describe(current)}" if current else "before: production served unknown")
    chosen = choose(before, wanted or PREVIOUS, service)
    if isinstance(chosen, str):
        return RollbackOutcome(f"cannot run: {chosen}; nothing sent", False, chosen, "\n".join(lines))
    lines.append(
        f"chosen: {describe(chosen)}" + (" (the previous production deployment)" if wanted in ("", PREVIOUS) else "")
    )
    if chosen.current:
        lines.append("sent: nothing (it is production already)")
        return RollbackOutcome(
            f"{service}: {chosen.id} is production already; nothing sent", True, "nothing sent", "\n".join(lines)
        )
    answer = await _send(client, platform, source, before.target, chosen.id, deadline, secrets)
    lines.append(f"sent: {verb} {chosen.id} -> " + (f"HTTP {answer.status}" if answer.ok else answer.error))
    if not answer.ok and (not answer.sent or answer.state in ("refused", "rate-limited") or 400 <= answer.status < 500):
        return RollbackOutcome(f"error: {answer.error}; production unchanged", False, answer.error, "\n".join(lines))
    after, seen = await _confirm(client, source, chosen.id, deadline, secrets, sleep, read)
    lines.append(f"after: production serves {describe(after)} (re-read)" if after else f"after: {seen}")
    was = f" (was {current.id})" if current else ""
    if after is not None and after.id == chosen.id:
        answered = f"{verb} answered HTTP {answer.status}" if answer.ok else f"the {verb} call failed ({answer.error})"
        status = f"{service}: production is now {chosen.id}{was}: {answered}; a re-read confirms it"
        return RollbackOutcome(status, True, "", "\n".join(lines))
    now = after.id if after else "unknown"
    if answer.ok:
        reason = (
            f"{service} accepted the {verb} (HTTP {answer.status}) but production still serves {now} after "
            f"{deadline.seconds:g}s: not confirmed; look at the Deployments view (D) before running it again"
        )
    else:
        reason = f"{answer.error}; it may have been applied all the same: production serves {now}, look first"
    return RollbackOutcome(f"not confirmed: {reason}", False, reason, "\n".join(lines))


async def _send(
    client: httpx.AsyncClient,
    platform: Platform,
    source: DeploymentSource,
    target: str,
    deployment_id: str,
    deadline: Deadline,
    secrets: frozenset[str],
) -> Answer:
    if platform == "vercel":
        from tessa_tui.deployments.vercel import promote

        return await promote(client, source, target, deployment_id, deadline, secrets)
    from tessa_tui.deployments.netlify import restore

    return await restore(client, source, target, deployment_id, deadline, secrets)


async def _confirm(
    client: httpx.AsyncClient,
    source: DeploymentSource,
    chosen: str,
    deadline: Deadline,
    secrets: frozenset[str],
    sleep: Sleep,
    read: Callable[..., Awaitable[Listing]],
) -> tuple[Deployment | None, str]:
    """Re-read until production serves `chosen` or the deadline passes: (what it serves at the last read, or None,
    and what the last read said)."""
    last: Deployment | None = None
    said = "production unknown: no re-read succeeded"
    while True:
        try:
            listing = await read(client, source, CANDIDATES, deadline, secrets)
        except SourceFailure as failure:
            said = f"production unknown: the re-read failed ({failure.error})"
            if failure.state == "refused" or deadline.remaining() < CONFIRM_EVERY_S:
                return last, said
        else:
            last = listing.current
            if last is not None and last.id == chosen:
                return last, ""
        if deadline.remaining() < CONFIRM_EVERY_S:
            return last, said
        await sleep(CONFIRM_EVERY_S)
