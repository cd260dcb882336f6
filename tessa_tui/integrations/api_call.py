"""One JSON call to an integration's API (PagerDuty, Slack, Statuspage): a total deadline, retries with
exponential backoff on 429 / 5xx / connection errors that honour `Retry-After`, and a one-line error.

A call that is not idempotent (a Slack message, a Statuspage incident or update: each retry would post
again) is retried only when the vendor says it was not processed (429, Statuspage's 420) or the request
never left (connection refused, no DNS, no route, TLS refused). After an ambiguous failure (a 5xx, a
timeout or a connection lost once the request was sent) it is not sent again: the Reply is `ambiguous` and
its error says the post may have gone through.

The deadline covers every attempt and every wait: a Retry-After that would end beyond it is not waited
for (the call fails at once, saying so), so a step never hangs on a rate-limited service. Credentials are
masked (tessa_tui.base.redact) in everything this returns; nothing here logs.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tessa_tui.base.errors import UserError
from tessa_tui.base.redact import clip
from tessa_tui.base.retry_after import retry_after
from tessa_tui.base.sanitize import sanitize

BACKOFF_S = 0.25  # first wait without a Retry-After; doubles on each retry
MAX_WAIT_S = 30.0  # a Retry-After longer than this is capped (the deadline caps it further)
# 420: Statuspage's historical "enhance your calm" rate limit.
RETRY_STATUSES = frozenset({420, 429, 500, 502, 503, 504})
NOT_PROCESSED_STATUSES = frozenset({420, 429})  # the vendor refused before doing anything: safe to send again
# Failures of http_probe.fetch (its describe_error) where the request cannot have reached the service.
NOT_SENT_PREFIXES = ("connection refused", "DNS:", "network unreachable", "TLS:", "invalid URL", "unsupported URL")


class IntegrationError(UserError):
    """An integration call that did not succeed, as one line (the token never in it)."""


@dataclass(frozen=True)
class Reply:
    """The last answer of a call: status and JSON (or text) body, or the one-line reason it failed."""

    status: int
    body: Any
    attempts: int
    elapsed_s: float
    error: str = ""
    ambiguous: bool = False
    """A non-idempotent call failed in a way that does not say whether the service acted on it."""

    @property
    def ok(self) -> bool:
        return not self.error


async def call_json(
    method: str,
    url: str,
    *,
    service: str,
    headers: Mapping[str, str],
    body: Any = None,
    secrets: Iterable[str] = (),
    deadline: float = 10.0,
    retries: int = 3,
    idempotent: bool = True,
) -> Reply:
    """Send `body` as JSON (if given) and decode the answer; never raises for what the network or the
    service does, nor for a bug met on the way (its traceback goes to crash.log). A 2xx is success; anything
    else ends as `error` ("Slack: HTTP 404 channel_not_found"). `idempotent=False`: see the module text."""
    hidden = {s for s in secrets if len(s) >= 4}
    started = time.monotonic()
    try:
        return await _call(method, url, service, headers, body, hidden, deadline, retries, idempotent)
    except Exception as exc:  # a fault boundary: one failed call, never a dead step or console
        from tessa_tui.base.crash_log import write_crash

        where = write_crash(exc, f"{service} call", hidden)
        problem = f"internal error ({type(exc).__name__}); details in {where}"
        return _failed(service, problem, 0, None, 1, time.monotonic() - started, hidden)


async def _call(
    method: str,
    url: str,
    service: str,
    headers: Mapping[str, str],
    body: Any,
    hidden: set[str],
    deadline: float,
    retries: int,
    idempotent: bool = True,
) -> Reply:
    from tessa_tui.base.http_fetch import fetch, make_client

    sent = {"Accept": "application/json", **headers}
    content = None
    if body is not None:
        content = json.dumps(body)
        sent.setdefault("Content-Type", "application/json; charset=utf-8")
    started = time.monotonic()
    attempt = 0
    async with make_client(max_connections=2) as client:
        while True:
            attempt += 1
            left = deadline - (time.monotonic() - started)
            outcome = await fetch(client, method, url, headers=sent, body=content, deadline=max(left, 0.001))
            elapsed = time.monotonic() - started
            if outcome.error:
                timed_out = outcome.error.startswith("timed out")  # this attempt had what was left of the deadline
                problem, wait = (f"no answer within the {deadline:g}s deadline" if timed_out else outcome.error), None
                retryable = not timed_out
                if not idempotent and not outcome.error.startswith(NOT_SENT_PREFIXES):
                    return _ambiguous(service, problem, outcome.status, attempt, elapsed, hidden)
            else:
                decoded = _decode(outcome.body)
                if 200 <= outcome.status < 300:
                    return Reply(outcome.status, decoded, attempt, elapsed)
                problem = f"HTTP {outcome.status}" + (f" {_message(decoded)}" if _message(decoded) else "")
                wait = retry_after((outcome.headers or {}).get("retry-after"))
                retryable = outcome.status in RETRY_STATUSES
                if not idempotent and outcome.status >= 500:
                    return _ambiguous(service, problem, outcome.status, attempt, elapsed, hidden)
                if not idempotent:
                    retryable = outcome.status in NOT_PROCESSED_STATUSES
                if not retryable:
                    return _failed(service, problem, outcome.status, decoded, attempt, elapsed, hidden)
            if not retryable or attempt > retries:
                tries = f" after {attempt} attempts" if attempt > 1 else ""
                return _failed(service, problem + tries, outcome.status, None, attempt, elapsed, hidden)
            pause = min(wait if wait is not None else BACKOFF_S * 2 ** (attempt - 1), MAX_WAIT_S)
            if elapsed + pause >= deadline:
                why = f"Retry-After {pause:g}s" if wait is not None else "no time left to retry"
                reason = f"{problem} ({why}; the {deadline:g}s deadline would pass)"
                return _failed(service, reason, outcome.status, None, attempt, elapsed, hidden)
            await wait_before_retry(pause)


async def wait_before_retry(seconds: float) -> None:
    """The pause between two attempts; a seam, so tests record the backoff instead of sleeping it."""
    await asyncio.sleep(seconds)


def _failed(
    service: str, problem: str, status: int, body: Any, attempts: int, elapsed: float, hidden: set[str]
) -> Reply:
    line = sanitize(f"{service}: {problem}").replace("\n", " ")
    return Reply(status, body, attempts, elapsed, clip(line, 300, hidden))


def _ambiguous(service: str, problem: str, status: int, attempts: int, elapsed: float, hidden: set[str]) -> Reply:
    """A post that may have gone through: said so, and not sent again (a retry could post it twice)."""
    reply = _failed(service, problem, status, None, attempts, elapsed, hidden)
    note = "; it may have been posted all the same, so it was not sent again: look before running the step again"
    return Reply(reply.status, None, attempts, elapsed, reply.error + note, ambiguous=True)


def _decode(data: bytes) -> Any:
    text = data.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than the parser goes
        return text.strip()


def _message(body: Any) -> str:
    """The error text of the usual API shapes: PagerDuty's {"error": {"message", "errors"}}, Slack's
    {"error": "channel_not_found"} or plain text, Statuspage's {"error": "..."} or {"error": [...]}."""
    if isinstance(body, str):
        return body[:4096]  # a bound on work, far past what _failed keeps once masked
    if not isinstance(body, dict):
        return ""
    error = body.get("error", body.get("message", ""))
    if isinstance(error, dict):
        details = error.get("errors") or []
        text = str(error.get("message", ""))
        return f"{text}: {'; '.join(map(str, details))}" if details else text
    if isinstance(error, list):
        return "; ".join(map(str, error))
    extra = body.get("errors")
    return f"{error}: {'; '.join(map(str, extra))}" if extra and isinstance(extra, list) else str(error)
