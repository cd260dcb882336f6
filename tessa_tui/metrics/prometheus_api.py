"""A Prometheus-compatible query API: `GET /api/v1/query` (one PromQL expression now) and `GET /api/v1/query_range`
(its trend), as tests/vendor_specs/prometheus_query.openapi.json (Prometheus's published OpenAPI) describes them.

Answers are decoded defensively: the envelope `{"status", "data": {"resultType", "result"}}`, vectors, scalars and
matrices; sample values are strings ("1.5", "NaN", "+Inf"). A query the server cannot run (400 bad_data, 422
execution) is that series' error, not the source's: the other series of the source still read.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from tessa_tui.base.deadline import Deadline
from tessa_tui.base.redact import clip
from tessa_tui.base.sanitize import sanitize
from tessa_tui.metrics.exposition import aggregate
from tessa_tui.metrics.source_http import SourceFailure, get, line

if TYPE_CHECKING:
    from collections.abc import Iterable

    import httpx

    from tessa_tui.config.metrics import MetricSeries, MetricSource

QUERY_ERRORS = {400: "bad_data", 422: "execution"}  # the API's own answers about a query, per its docs
MAX_POINTS = 120


class QueryError(ValueError):
    """This query has no number: the server said why, or its answer has another shape."""


@dataclass(frozen=True)
class QueryResult:
    value: float | None
    at: datetime | None
    """The evaluation time the server stamped on the value."""
    why: str = ""


def _base(source: MetricSource) -> str:
    assert source.prometheus is not None
    return source.prometheus.url.rstrip("/") + "/api/v1"


async def query(
    client: httpx.AsyncClient, source: MetricSource, series: MetricSeries, deadline: Deadline, secrets: Iterable[str]
) -> QueryResult:
    """The series' expression evaluated now, aggregated to one number; QueryError for this query's own fault,
    SourceFailure when the source cannot be read at all."""
    assert series.query is not None
    url = f"{_base(source)}/query?" + urlencode({"query": series.query})
    answer = await get(client, url, source, deadline, secrets, accept="application/json", explained=QUERY_ERRORS)
    document = _envelope(answer.body, answer.status)
    return instant(document, series.aggregate)


async def query_range(
    client: httpx.AsyncClient,
    source: MetricSource,
    series: MetricSeries,
    start: float,
    end: float,
    step: float,
    deadline: Deadline,
    secrets: Iterable[str],
) -> list[float]:
    """The series' trend from `start` to `end` (epoch seconds) every `step` seconds: finite values, oldest first."""
    assert series.query is not None
    params = {"query": series.query, "start": rfc3339(start), "end": rfc3339(end), "step": f"{step:g}s"}
    url = f"{_base(source)}/query_range?" + urlencode(params)
    answer = await get(client, url, source, deadline, secrets, accept="application/json", explained=QUERY_ERRORS)
    return trend(_envelope(answer.body, answer.status), series.aggregate)


def rfc3339(epoch: float) -> str:
    """A time as RFC 3339 (the API takes it or unix seconds; the published description's oneOf reads this one
    unambiguously)."""
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _envelope(body: bytes, status: int) -> Any:
    try:
        document = json.loads(body.decode("utf-8", errors="replace"))
    except (ValueError, RecursionError):
        if status >= 400:
            raise QueryError(f"HTTP {status}: the query was refused") from None
        raise SourceFailure("failing", line("Prometheus API", f"HTTP {status}: the answer is not JSON")) from None
    if not isinstance(document, dict):
        raise QueryError("the answer is not the API's envelope")
    if document.get("status") != "success" or status >= 400:
        kind = _text(document.get("errorType"), 40) or f"HTTP {status}"
        said = _text(document.get("error"), 200) or "no reason given"
        raise QueryError(f"{kind}: {said}")
    return document.get("data")


def _text(value: object, limit: int) -> str:
    return clip(sanitize(value), limit) if isinstance(value, str) else ""


def sample_value(pair: object) -> tuple[float, float] | None:
    """`[<unix time>, "<value>"]` as (time, value); None for anything else. NaN and ±Inf are values."""
    if not isinstance(pair, list) or len(pair) != 2:
        return None
    when, text = pair
    if isinstance(when, bool) or not isinstance(when, int | float) or not isinstance(text, str) or len(text) > 64:
        return None
    if not 0 <= when <= 7_258_118_400 or not math.isfinite(when):
        return None
    try:
        return float(when), float(text.replace("_", "x"))  # Python reads 1_000; Prometheus never sends it
    except ValueError:
        return None


def instant(data: Any, how: str) -> QueryResult:
    """An instant query's `data` as one number: a vector aggregated, a scalar as is, a matrix by its last points."""
    if not isinstance(data, dict):
        raise QueryError("the answer has no `data` object")
    kind, result = data.get("resultType"), data.get("result")
    pairs: list[tuple[float, float]] = []
    if kind == "scalar":
        one = sample_value(result)
        if one is None:
            raise QueryError('a scalar that is not [time, "value"]')
        pairs = [one]
    elif kind in ("vector", "matrix") and isinstance(result, list):
        for item in result:
            if not isinstance(item, dict):
                continue
            if kind == "vector":
                one = sample_value(item.get("value"))
            else:
                values = item.get("values")
                one = sample_value(values[-1]) if isinstance(values, list) and values else None
            if one is not None:
                pairs.append(one)
        if not pairs:
            return QueryResult(None, None, "the query returned no series (the data may be gone)")
    elif kind == "string":
        raise QueryError("the query gives a string, not a number")
    else:
        raise QueryError("the answer's `resultType` is not vector, matrix or scalar")
    value = aggregate(tuple(v for _, v in pairs), how)
    when = datetime.fromtimestamp(max(t for t, _ in pairs), UTC)
    return QueryResult(value, when)


def trend(data: Any, how: str) -> list[float]:
    """A range query's `data` as one finite value per step (the series aggregated at each), oldest first."""
    if not isinstance(data, dict) or data.get("resultType") != "matrix" or not isinstance(data.get("result"), list):
        raise QueryError("a range query's answer is not a matrix")
    by_time: dict[float, list[float]] = {}
    for item in data["result"]:
        values = item.get("values") if isinstance(item, dict) else None
        if not isinstance(values, list):
            continue
        for pair in values[-MAX_POINTS * 4 :]:
            one = sample_value(pair)
            if one is not None:
                by_time.setdefault(one[0], []).append(one[1])
    points = [aggregate(tuple(by_time[t]), how) for t in sorted(by_time)]
    return [p for p in points if p is not None and math.isfinite(p)][-MAX_POINTS:]
