"""[DOMAIN_EXPIRATION]: when a host's domain registration expires, from RDAP (RFC 9082 query, RFC 9083 answer),
asked of a bootstrap service (rdap.org, which redirects to the registry) or a configured RDAP base URL.

Registries rate-limit, and a registration changes a few times a year: an answer is kept for 10 days (3 when the
domain expires within 30 days, as Gatus does), a failure for an hour, and checks of one domain share one look-up.
The registrable domain is not known without the public suffix list, so the host is asked for first, then each
shorter name down to two labels, at most four names, the first answer with an expiration winning.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

from tessa_tui.base.http_fetch import fetch

MAX_RDAP_BYTES = 256 * 1024
FRESH_FAR = timedelta(hours=240)
FRESH_NEAR = timedelta(hours=72)
NEAR = timedelta(hours=720)
FRESH_FAILURE = timedelta(hours=1)
MAX_NAMES = 4


class RdapError(ValueError):
    """An RDAP answer with no usable expiration; the message is one line."""


@dataclass(frozen=True)
class _Known:
    expires: datetime | None
    error: str
    fresh_until: float  # time.monotonic()


_KNOWN: dict[tuple[str, str], _Known] = {}
_ASKING: dict[tuple[str, str], asyncio.Future[_Known]] = {}


def expiration(document: object) -> datetime:
    """The `expiration` event's date of an RDAP domain object; RdapError when there is none to trust."""
    if not isinstance(document, dict):
        raise RdapError("the RDAP answer is not a JSON object")
    events = document.get("events")
    if not isinstance(events, list):
        raise RdapError("the RDAP answer has no events")
    for event in events:
        if isinstance(event, dict) and event.get("eventAction") == "expiration":
            date = event.get("eventDate")
            if not isinstance(date, str) or len(date) > 40:
                raise RdapError("the RDAP expiration event has no date")
            try:
                when = datetime.fromisoformat(date)
            except ValueError:
                raise RdapError("the RDAP expiration date is not an RFC 3339 time") from None
            return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    raise RdapError("the RDAP answer has no expiration event")


def names_to_ask(host: str) -> list[str]:
    """The host, then each shorter name down to two labels (at most MAX_NAMES), without a trailing dot."""
    labels = host.rstrip(".").lower().split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)][:MAX_NAMES] or [host]


async def _look_up(client: httpx.AsyncClient, base: str, host: str, deadline: float) -> _Known:
    """Ask RDAP about `host` (and its parents); every request shares the one deadline."""
    stop = time.monotonic() + deadline
    error = "no RDAP answer"
    for name in names_to_ask(host):
        left = stop - time.monotonic()
        if left <= 0:
            error = f"RDAP timed out after {deadline:g}s"
            break
        outcome = await fetch(
            client, "GET", f"{base.rstrip('/')}/domain/{name}", deadline=left, max_body=MAX_RDAP_BYTES
        )
        if outcome.error:
            error = f"RDAP: {outcome.error}"
            break
        if outcome.status == 404:
            error = f"RDAP knows no domain {host}"
            continue  # a subdomain: its parent may be the registered name
        if outcome.status != 200:
            error = f"RDAP answered HTTP {outcome.status}" + (" (rate-limited)" if outcome.status == 429 else "")
            break
        try:
            if outcome.body_truncated:
                raise RdapError(f"the RDAP answer is over {MAX_RDAP_BYTES // 1024} KiB")
            expires = expiration(json.loads(outcome.body))
        except (RdapError, ValueError, RecursionError) as exc:
            error = str(exc) if isinstance(exc, RdapError) else "the RDAP answer is not JSON"
            break
        fresh = FRESH_NEAR if expires - datetime.now(UTC) <= NEAR else FRESH_FAR
        return _Known(expires, "", time.monotonic() + fresh.total_seconds())
    return _Known(None, error, time.monotonic() + FRESH_FAILURE.total_seconds())


async def domain_expiration_ms(client: httpx.AsyncClient, base: str, host: str, deadline: float) -> tuple[float, str]:
    """Milliseconds until `host`'s domain expires (0 when expired) and, when unknown, why (one line)."""
    key = (base, host.lower())
    known = _KNOWN.get(key)
    if known is None or known.fresh_until <= time.monotonic():
        asking = _ASKING.get(key)
        if asking is None:
            asking = asyncio.ensure_future(_look_up(client, base, host, deadline))
            _ASKING[key] = asking
            asking.add_done_callback(lambda _: _ASKING.pop(key, None))
        try:
            async with asyncio.timeout(deadline):
                known = await asyncio.shield(asking)
        except TimeoutError:
            return 0.0, f"RDAP timed out after {deadline:g}s"
        _KNOWN[key] = known
    if known.expires is None:
        return 0.0, known.error
    return max(0.0, (known.expires - datetime.now(UTC)).total_seconds() * 1000), ""


def forget() -> None:
    """Drop every cached answer (tests; a config reload keeps them: the registry's answer has not changed)."""
    _KNOWN.clear()
