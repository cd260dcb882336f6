"""One exchange with a metrics source (a scrape endpoint or a Prometheus query API): its credentials, what is left
of the read's deadline, a 4 MiB body cap, and every way it can go wrong as one line and a source state.

401 and 403 name the setting to check; 429 carries its Retry-After (seconds, capped) for the watcher to honour;
a 5xx, a timeout and a body past the cap are the source's failure. A 50 MB scrape is cut at the cap while it
arrives, never read whole. Every line is masked before it leaves: no password or token is ever in one.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tessa_tui.base.deadline import Deadline
from tessa_tui.base.redact import clip
from tessa_tui.base.retry_after import retry_after
from tessa_tui.base.sanitize import sanitize

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    import httpx

    from tessa_tui.config.metrics import MetricSource
    from tessa_tui.metrics.model import SourceState

MAX_BODY = 4 * 1024 * 1024  # Supabase's ~200 series are some 60 KB; past this a scrape is cut off, not read
MAX_RETRY_AFTER_S = 600.0  # a Retry-After longer than ten minutes is taken as ten minutes


class SourceFailure(Exception):
    """A read that failed as a whole: the source's state, one line, how long a rate limit asks to wait."""

    def __init__(self, state: SourceState, error: str, retry_after_s: float | None = None) -> None:
        super().__init__(error)
        self.state: SourceState = state
        self.error = error
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class Answer:
    """A 2xx answer's body, or (for the caller to judge) a 4xx a query API explains in its body."""

    status: int
    body: bytes
    content_type: str = ""


def place(source: MetricSource) -> str:
    """The source's settings in the file: `metrics.sources[supabase].scrape`."""
    return f"metrics.sources[{source.name}].{source.kind}"


def auth_headers(source: MetricSource) -> dict[str, str]:
    settings = source.scrape or source.prometheus
    assert settings is not None
    if settings.token is not None:
        return {"Authorization": f"Bearer {settings.token}"}
    if settings.username is not None and settings.password is not None:
        pair = f"{settings.username}:{settings.password}".encode()
        return {"Authorization": f"Basic {base64.b64encode(pair).decode()}"}
    return {}


def hidden(source: MetricSource, secrets: Iterable[str]) -> set[str]:
    """Every value no line may show: the credentials, their Basic-auth form, the configured secrets."""
    values = {value for _, value in source.credentials()} | set(secrets)
    values |= {v.split(" ", 1)[1] for v in auth_headers(source).values()}
    return {v for v in values if len(v) >= 4}


async def get(
    client: httpx.AsyncClient,
    url: str,
    source: MetricSource,
    deadline: Deadline,
    secrets: Iterable[str],
    *,
    accept: str,
    explained: Mapping[int, str] | None = None,
) -> Answer:
    """GET `url` with the source's credentials in what is left of `deadline`: the 2xx Answer (or a status in
    `explained`, which the caller reads as a per-query error); SourceFailure for anything else."""
    from tessa_tui.base.http_fetch import fetch

    masked = hidden(source, secrets)
    service = "scrape" if source.scrape else "Prometheus API"
    left = deadline.remaining()
    if left <= 0.001:
        raise SourceFailure("failing", line(service, f"no complete answer within the {deadline.seconds:g}s deadline"))
    headers = {**auth_headers(source), "Accept": accept}
    outcome = await fetch(client, "GET", url, headers=headers, deadline=left, max_body=MAX_BODY)
    if outcome.error:
        said = outcome.error
        if said.startswith("timed out"):
            said = f"no complete answer within the {deadline.seconds:g}s deadline"
        raise SourceFailure("failing", line(service, said, masked))
    status = outcome.status
    if outcome.body_truncated:
        problem = f"HTTP {status}: the answer is larger than {MAX_BODY // (1024 * 1024)} MiB; cut off there, not read"
        raise SourceFailure("failing", line(service, problem, masked))
    content_type = (outcome.headers or {}).get("content-type", "") or (outcome.headers or {}).get("Content-Type", "")
    if 200 <= status < 300 or status in (explained or {}):
        return Answer(status, outcome.body, content_type)
    setting = place(source)
    if status in (401, 403):
        why = "the credentials were not accepted" if status == 401 else "the credentials may not read this"
        which = "`token`" if "Bearer" in auth_headers(source).get("Authorization", "") else "`username` and `password`"
        raise SourceFailure("refused", line(service, f"HTTP {status}: {why}; check {which} of `{setting}`", masked))
    if status == 404:
        raise SourceFailure("refused", line(service, f"HTTP 404: not found; check `{setting}.url`", masked))
    if status == 429:
        capped = retry_after((outcome.headers or {}).get("retry-after"), at_most=MAX_RETRY_AFTER_S)
        after = f"Retry-After {capped:g}s" if capped is not None else "no Retry-After"
        raise SourceFailure("rate-limited", line(service, f"HTTP 429: rate-limited ({after})", masked), capped)
    raise SourceFailure("failing", line(service, f"HTTP {status}", masked))


def line(service: str, problem: str, masked: Iterable[str] = ()) -> str:
    return clip(sanitize(f"{service}: {problem}"), 300, set(masked))
