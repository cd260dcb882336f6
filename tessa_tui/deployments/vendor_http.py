"""One exchange with a deployment platform's API (Vercel, Netlify): a bearer token, a total deadline, a body
cap, JSON decoded defensively, and every way it can go wrong as one line and a source state.

401 and 403 name the setting to check; 429 carries its Retry-After (seconds, capped) for the poller to honour;
a 5xx, a timeout, a body past the cap, text that is not JSON are each the source's failure. Tokens never appear
in what this returns: every line is masked before it leaves.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from tessa_tui.base.redact import clip, redact_text
from tessa_tui.base.retry_after import retry_after
from tessa_tui.base.sanitize import sanitize
from tessa_tui.deployments.model import Deployment, SourceState, clean

if TYPE_CHECKING:
    from collections.abc import Iterable

    import httpx

    from tessa_tui.deployments.deadline import Deadline

MAX_BODY = 4 * 1024 * 1024  # a hundred deployments are some 300 KB; past this an answer is cut off, not read
MAX_RETRY_AFTER_S = 600.0  # a Retry-After longer than ten minutes is taken as ten minutes
NOT_SENT = ("connection refused", "DNS:", "network unreachable", "TLS:", "invalid URL", "unsupported URL")


@dataclass(frozen=True)
class Place:
    """Which configured source a call is for, to name its settings in an error: `deployments.sources[web].vercel`."""

    service: str
    """Vercel or Netlify."""
    setting: str
    """The source's settings in the file, e.g. `deployments.sources[web].vercel`."""
    names: tuple[str, ...]
    """The settings a 403 or 404 may be about: `project` and `team-id`, or `site-id`."""
    secrets: frozenset[str]

    def named(self) -> str:
        return " and ".join(f"`{name}`" for name in self.names)


@dataclass(frozen=True)
class Answer:
    """A decoded 2xx answer, or the one line that says why there is none."""

    status: int
    body: Any = None
    error: str = ""
    state: SourceState = "ok"
    retry_after_s: float | None = None
    sent: bool = True
    """False when the request cannot have reached the platform (refused before sending): nothing was changed."""

    @property
    def ok(self) -> bool:
        return not self.error


class SourceFailure(Exception):
    """A read of a source that failed: the state to show, one line, and how long a rate limit asks to wait."""

    def __init__(self, state: SourceState, error: str, retry_after_s: float | None = None) -> None:
        super().__init__(error)
        self.state: SourceState = state
        self.error = error
        self.retry_after_s = retry_after_s

    @classmethod
    def of(cls, answer: Answer) -> SourceFailure:
        return cls(answer.state, answer.error, answer.retry_after_s)


@dataclass(frozen=True)
class Listing:
    """One successful read of a platform source: its deployments (the current one marked) and what was left out."""

    deployments: tuple[Deployment, ...]
    skipped: int
    """Items without an id, left out."""
    target: str
    """What a promote or restore names: the Vercel project's id, the Netlify site's."""

    @property
    def current(self) -> Deployment | None:
        return next((d for d in self.deployments if d.current), None)


def malformed(place: Place, what: str) -> SourceFailure:
    """A JSON answer of another shape than the platform documents."""
    return SourceFailure("failing", _line(place, f"the answer is not what the API documents: {what}", place.secrets))


def segment(value: str) -> str | None:
    """`value` as one URL path segment, every separator encoded; None for an empty, `.` or `..` one, which no
    encoding keeps: a URL drops it (`/promote/..` is `/v10/projects/{id}`), so the call would go elsewhere; None
    too for one that is no text UTF-8 can carry (a lone surrogate)."""
    if value.strip(".") == "":
        return None
    try:
        return quote(value, safe="")
    except UnicodeEncodeError:
        return None


def unsendable(place: Place, what: str, value: str) -> Answer:
    """The answer for a call refused before sending: an id that cannot be one piece of its URL."""
    problem = f"{what} {value!r} cannot be sent as one piece of a URL; nothing sent"
    return Answer(0, error=_line(place, problem, place.secrets), state="refused", sent=False)


def need(answer: Answer) -> Answer:
    """The answer, when it is one; SourceFailure with its state otherwise."""
    if not answer.ok:
        raise SourceFailure.of(answer)
    return answer


async def exchange(
    client: httpx.AsyncClient, method: str, url: str, token: str, place: Place, *, deadline: Deadline
) -> Answer:
    """Send one request with the token as a bearer credential, in what is left of `deadline`; never raises for
    what the network or the platform does (SourceFailure only when the deadline had passed before it began)."""
    from tessa_tui.base.http_fetch import fetch

    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    outcome = await fetch(client, method, url, headers=headers, deadline=deadline.left(), max_body=MAX_BODY)
    hidden = {token, *place.secrets}
    if outcome.error:
        sent = not outcome.error.startswith(NOT_SENT)
        problem = f"no complete answer within the {deadline.seconds:g}s deadline"
        said = problem if outcome.error.startswith("timed out") else outcome.error
        return Answer(0, error=_line(place, said, hidden), state="failing", sent=sent)
    status = outcome.status
    if outcome.body_truncated:
        problem = f"HTTP {status}: the answer is larger than {MAX_BODY // (1024 * 1024)} MiB; cut off there, not read"
        return Answer(status, error=_line(place, problem, hidden), state="failing")
    body, decoded = decode_json(outcome.body) if outcome.body.strip() else (None, True)
    if 200 <= status < 300:
        if not decoded:
            return Answer(status, error=_line(place, f"HTTP {status}: the answer is not JSON", hidden), state="failing")
        return Answer(status, body)
    said = vendor_message(body, hidden)
    detail = f" ({said})" if said else ""
    if status in (401, 403):
        why = "the token was not accepted" if status == 401 else "the token may not do this"
        check = f"`{place.setting}.token`" + (f" and its {place.named()}" if status == 403 else "")
        problem = f"HTTP {status}: {why}{detail}; check {check}"
        return Answer(status, body, _line(place, problem, hidden), "refused")
    if status == 404:
        problem = f"HTTP 404: not found{detail}; check {place.named()} of `{place.setting}`"
        return Answer(status, body, _line(place, problem, hidden), "refused")
    if status == 429:
        capped = retry_after((outcome.headers or {}).get("retry-after"), at_most=MAX_RETRY_AFTER_S)
        after = f"Retry-After {capped:g}s" if capped is not None else "no Retry-After"
        problem = f"HTTP 429: rate-limited ({after}){detail}"
        return Answer(status, body, _line(place, problem, hidden), "rate-limited", retry_after_s=capped)
    return Answer(status, body, _line(place, f"HTTP {status}{detail}", hidden), "failing")


def decode_json(data: bytes) -> tuple[Any, bool]:
    """(value, True) for a JSON document; (None, False) for anything else: invalid UTF-8 is replaced, numbers with
    thousands of digits and nesting deeper than the parser goes are not JSON to us."""
    try:
        return json.loads(data.decode("utf-8", errors="replace")), True
    except (ValueError, RecursionError):
        return None, False


def vendor_message(body: Any, hidden: Iterable[str] = ()) -> str:
    """The error text of the platforms' error shapes: Vercel's {"error": {"code", "message"}}, Netlify's
    {"code", "message"}; "" for anything else. `hidden` is masked before the text is cut: a token echoed across
    the cut would otherwise show its first characters."""
    if not isinstance(body, dict):
        return ""
    secrets = {s for s in hidden if len(s) >= 4}

    def said(value: object, limit: int) -> str:
        return clean(redact_text(value, secrets) if isinstance(value, str) else value, limit)

    error = body.get("error")
    if isinstance(error, dict):
        return said(error.get("message"), 120) or said(error.get("code"), 60)
    return said(body.get("message"), 120) or said(error, 120)


def _line(place: Place, problem: str, hidden: Iterable[str]) -> str:
    return clip(sanitize(f"{place.service}: {problem}"), 300, {s for s in hidden if len(s) >= 4})
