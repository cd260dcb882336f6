"""One GET of a remote log source's API (Supabase's log query, Loki's query_range): credentials in headers, a total
deadline, a body cap, JSON decoded defensively, and every way it goes wrong as a `RemoteFault` of one line.

401 and 403 name the setting to check; 429 carries Retry-After (seconds or an HTTP date, capped) for the poller
to honour; a 5xx, a timeout, a body past the cap and an answer that is not JSON are each the source's failure.
Credentials never appear in what this returns: every line is masked before it leaves.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from tessa_tui.base.deadline import Deadline as SharedDeadline
from tessa_tui.base.redact import clip
from tessa_tui.base.retry_after import retry_after
from tessa_tui.base.sanitize import sanitize

if TYPE_CHECKING:
    import httpx

MAX_BODY = 16 * 1024 * 1024  # a page of 5,000 entries with their labels is a few MB; past this it is cut off
MAX_RETRY_AFTER_S = 300.0  # a Retry-After longer than five minutes is taken as five minutes
FaultKind = Literal["refused", "rate-limited", "failing"]


class RemoteFault(Exception):
    """A poll that failed: the kind of failure, one line (credentials masked), and a rate limit's wait."""

    def __init__(self, kind: FaultKind, line: str, retry_after_s: float | None = None) -> None:
        super().__init__(line)
        self.kind: FaultKind = kind
        self.line = line
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class Api:
    """Which API a call is for, to name its settings in a fault: `logs[platform].supabase.token`."""

    service: str
    """Supabase or Loki."""
    credential: str
    """The setting a 401 or 403 is about, e.g. `logs[platform].supabase.token`."""
    scope: str
    """What else a 403 or 404 may be about, e.g. "`project-ref`"."""
    secrets: frozenset[str]

    def fault(self, kind: FaultKind, problem: str, retry_after_s: float | None = None) -> RemoteFault:
        return RemoteFault(kind, clip(sanitize(f"{self.service}: {problem}"), 300, self.secrets), retry_after_s)


class Deadline(SharedDeadline):
    """`seconds` from now, shared by every page of one poll."""

    def left(self, api: Api) -> float:
        remaining = self.remaining()
        if remaining <= 0.001:
            raise api.fault("failing", f"no complete answer within the {self.seconds:g}s deadline")
        return remaining


async def get_json(
    client: httpx.AsyncClient, url: str, headers: Mapping[str, str], api: Api, deadline: Deadline
) -> Any:
    """The decoded 2xx answer of one GET; RemoteFault for anything else (never another exception for what the
    network or the API does)."""
    from tessa_tui.base.http_fetch import fetch

    outcome = await fetch(
        client,
        "GET",
        url,
        headers={"Accept": "application/json", **headers},
        deadline=deadline.left(api),
        max_body=MAX_BODY,
    )
    if outcome.error:
        timed_out = outcome.error.startswith("timed out")
        raise api.fault(
            "failing", f"no complete answer within the {deadline.seconds:g}s deadline" if timed_out else outcome.error
        )
    status = outcome.status
    if outcome.body_truncated:
        raise api.fault(
            "failing",
            f"HTTP {status}: the answer is larger than {MAX_BODY // (1024 * 1024)} MiB; cut off there, not read",
        )
    body, decoded = decode_json(outcome.body)
    said = _message(body, api.secrets) if decoded else ""
    detail = f" ({said})" if said else ""
    if 200 <= status < 300:
        if not decoded:
            raise api.fault("failing", f"HTTP {status}: the answer is not JSON")
        return body
    if status in (401, 403):
        why = "the credential was not accepted" if status == 401 else "the credential may not read these logs"
        check = f"`{api.credential}`" + (f" and {api.scope}" if status == 403 else "")
        raise api.fault("refused", f"HTTP {status}: {why}{detail}; check {check}")
    if status == 404:
        raise api.fault("refused", f"HTTP 404: not found{detail}; check {api.scope}")
    if status == 429:
        capped = retry_after((outcome.headers or {}).get("retry-after"), at_most=MAX_RETRY_AFTER_S)
        after = f"Retry-After {capped:g}s" if capped is not None else "no Retry-After"
        raise api.fault("rate-limited", f"HTTP 429: rate-limited ({after}){detail}", capped)
    raise api.fault("failing", f"HTTP {status}{detail}")


def decode_json(data: bytes) -> tuple[Any, bool]:
    """(value, True) for a JSON document; (None, False) for anything else (invalid UTF-8 replaced; numbers of
    thousands of digits and nesting deeper than the parser goes are not JSON to us)."""
    if not data.strip():
        return None, False
    try:
        return json.loads(data.decode("utf-8", errors="replace")), True
    except (ValueError, RecursionError):
        return None, False


def _message(body: Any, secrets: frozenset[str] = frozenset()) -> str:
    """The error text of the APIs' error shapes: Supabase's {"message"} or {"error": ...}, Loki's {"error"} or a
    plain-text body (not JSON: nothing said). Masked before it is cut: a cut token's beginning is no longer the
    token the mask knows."""
    if not isinstance(body, dict):
        return ""
    for key in ("message", "error"):
        value = body.get(key)
        if isinstance(value, dict):
            value = value.get("message")
        if isinstance(value, str) and value.strip():
            first = value[:65536].split("\n", 1)[0]
            return clip(sanitize(first), 65536, secrets).strip()[:120]
    return ""
