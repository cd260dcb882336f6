"""The `metrics:` section: where the Metrics view, `tessa-tui metrics`, the daily review's error-rate and p95 items
and the performance runbooks' metric steps read the platform's figures. Two kinds of source: a Prometheus text
exposition to scrape (Supabase's Metrics API) and a Prometheus-compatible query API (PromQL); named series with
a unit and thresholds on either. Credentials come from the environment."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Annotated, Literal

import msgspec

from tessa_tui.config.fields import CONTROL, Duration, Name, Section, doc, duration, http_url
from tessa_tui.config.metric_selector import Selector, SelectorError, parse_selector

EnvSecret = Annotated[str, msgspec.Meta(min_length=1)]
Role = Literal["cpu", "memory", "connections", "error-rate", "latency-p95"]
ROLES: tuple[str, ...] = ("cpu", "memory", "connections", "error-rate", "latency-p95")
MAX_QUERY = 4000


class Scrape(Section, frozen=True):
    """A Prometheus text exposition endpoint, e.g. Supabase's Metrics API
    (`https://<project-ref>.supabase.co/customer/v1/privileged/metrics`, HTTP Basic `service_role` and a secret
    API key)."""

    url: Annotated[str, doc("The endpoint to scrape.")]
    username: Annotated[str | None, doc("HTTP Basic user (Supabase: `service_role`).")] = None
    password: Annotated[
        EnvSecret | None, doc("HTTP Basic password, from the environment: `${SUPABASE_SECRET_KEY}`; never shown.")
    ] = None
    token: Annotated[EnvSecret | None, doc("A bearer token instead, from the environment; never shown.")] = None

    def __post_init__(self) -> None:
        http_url(self.url, "url")
        _auth(self.username, self.password, self.token)


class Prometheus(Section, frozen=True):
    """A Prometheus-compatible query API (Prometheus, Grafana Mimir, VictoriaMetrics, Thanos):
    `/api/v1/query` and `/api/v1/query_range` under `url`."""

    url: Annotated[str, doc("The API's base, the part before `/api/v1` (Mimir: `.../prometheus`).")]
    username: Annotated[str | None, doc("HTTP Basic user, if the API is behind Basic auth.")] = None
    password: Annotated[EnvSecret | None, doc("HTTP Basic password, from the environment; never shown.")] = None
    token: Annotated[EnvSecret | None, doc("A bearer token, from the environment: `${PROMETHEUS_TOKEN}`.")] = None

    def __post_init__(self) -> None:
        http_url(self.url, "url")
        _auth(self.username, self.password, self.token)


def _auth(username: str | None, password: str | None, token: str | None) -> None:
    if token is not None and (username is not None or password is not None):
        raise ValueError("give `token` (bearer) or `username` and `password` (Basic), not both")
    if (username is None) != (password is None):
        raise ValueError("HTTP Basic needs both `username` and `password`")
    if username is not None and (":" in username or CONTROL.search(username)):
        raise ValueError("`username` may not contain `:` or control characters")
    for secret in (password, token):
        if secret is not None and CONTROL.search(secret):
            raise ValueError("a credential may not contain control characters (a line break would split the header)")


class MetricSource(Section, frozen=True):
    """One place metrics come from: exactly one of `scrape` or `prometheus`."""

    name: Annotated[Name, doc("Named by each series' `source`; shown in the Metrics view's source line.")]
    scrape: Scrape | None = None
    prometheus: Prometheus | None = None
    interval: Annotated[
        Duration | None, doc("Time between reads, from the end of the last (default: scrape 60s, prometheus 30s).")
    ] = None

    def __post_init__(self) -> None:
        if (self.scrape is None) == (self.prometheus is None):
            raise ValueError("give exactly one of `scrape` or `prometheus`")
        if self.interval is not None and self.interval < timedelta(seconds=5):
            raise ValueError("`interval` is at least 5s")

    @property
    def kind(self) -> str:
        return "scrape" if self.scrape is not None else "prometheus"

    @property
    def every(self) -> timedelta:
        return self.interval or (timedelta(seconds=60) if self.scrape else timedelta(seconds=30))

    def credentials(self) -> list[tuple[str, str]]:
        settings = self.scrape or self.prometheus
        assert settings is not None
        return [(key, value) for key in ("password", "token") if (value := getattr(settings, key)) is not None]


class MetricSeries(Section, frozen=True):
    """A named figure shown as a tile: one number from a source, with a unit and thresholds."""

    name: Annotated[Name, doc("The tile's title; `tessa-tui metrics` prints it.")]
    source: Annotated[Name, doc("The `sources` entry it is read from.")]
    select: Annotated[
        str | None,
        doc(
            "From a scrape: the samples to read, a Prometheus selector (`node_load1`, "
            '`node_cpu_seconds_total{mode!="idle"}`); counters become per-second rates between scrapes.'
        ),
    ] = None
    per: Annotated[
        str | None,
        doc("From a scrape: divide by the samples this selector reads (a share: busy CPU seconds per CPU second)."),
    ] = None
    aggregate: Annotated[
        Literal["sum", "avg", "max", "min"], doc("How the selected samples become one number (default sum).")
    ] = "sum"
    query: Annotated[str | None, doc("From a prometheus source: a PromQL expression giving one number.")] = None
    scale: Annotated[float, doc("The value is multiplied by this (100 turns a share into %).")] = 1.0
    unit: Annotated[str, doc("Shown after the value: %, ms, s, B, conn ...", max_length=12)] = ""
    warn_above: Annotated[float | None, doc("Warn above this value.")] = None
    critical_above: Annotated[float | None, doc("Critical above this value.")] = None
    warn_below: Annotated[float | None, doc("Warn below this value.")] = None
    critical_below: Annotated[float | None, doc("Critical below this value.")] = None
    role: Annotated[
        Role | None,
        doc(
            "What the runbooks and reviews read it as: cpu, memory, connections (the performance runbooks' steps), "
            "error-rate (unit % or none: a share) and latency-p95 (unit ms or s) (the daily review)."
        ),
    ] = None

    def __post_init__(self) -> None:
        if (self.select is None) == (self.query is None):
            raise ValueError("give exactly one of `select` (a scrape source) or `query` (a prometheus source)")
        if self.per is not None and self.select is None:
            raise ValueError("`per` divides a scrape's `select`: it needs one")
        for field, text in (("select", self.select), ("per", self.per)):
            if text is not None:
                try:
                    parse_selector(text)
                except SelectorError as exc:
                    raise ValueError(f"`{field}`: not a series selector: {exc}") from None
        if self.query is not None and (not self.query.strip() or len(self.query) > MAX_QUERY):
            raise ValueError(f"`query` is a PromQL expression of 1 to {MAX_QUERY} characters")
        if self.query is not None and CONTROL.search(self.query.replace("\n", " ").replace("\t", " ")):
            raise ValueError("`query` may not contain control characters")
        if CONTROL.search(self.unit):
            raise ValueError("`unit` may not contain control characters")
        numbers = (self.scale, self.warn_above, self.critical_above, self.warn_below, self.critical_below)
        if any(n is not None and not math.isfinite(n) for n in numbers) or self.scale == 0:
            raise ValueError("`scale` and the thresholds are finite numbers (and `scale` is not 0)")
        if self.warn_above is not None and self.critical_above is not None and self.warn_above > self.critical_above:
            raise ValueError("`warn-above` is at most `critical-above`")
        if self.warn_below is not None and self.critical_below is not None and self.warn_below < self.critical_below:
            raise ValueError("`warn-below` is at least `critical-below`")

    def selector(self) -> Selector:
        assert self.select is not None
        return parse_selector(self.select)

    def divisor(self) -> Selector | None:
        return parse_selector(self.per) if self.per is not None else None


class Metrics(Section, frozen=True):
    """The platform's figures: the Metrics view (`M`), `tessa-tui metrics`, the daily review's error rate and
    p95, the performance runbooks' CPU, memory and connection-pool steps."""

    sources: Annotated[list[MetricSource], doc("Scrape endpoints and Prometheus-compatible query APIs.")] = (
        msgspec.field(default_factory=list)
    )
    series: Annotated[list[MetricSeries], doc("The figures shown, one tile each.")] = msgspec.field(
        default_factory=list
    )
    timeout: Annotated[Duration, doc("Total deadline of one read of a source, every call in it (default 10s).")] = (
        duration("10s")
    )
    history: Annotated[
        Duration, doc("How far back a tile's trend reaches; a prometheus series fills it at once (default 30m).")
    ] = duration("30m")
    stale_after: Annotated[
        int, doc("A value older than this many of its source's intervals is unknown (default 3).", ge=1, le=100)
    ] = 3

    def __post_init__(self) -> None:
        names = [s.name for s in self.sources]
        twice = next((n for n in names if names.count(n) > 1), None)
        if twice is not None:
            raise ValueError(f"`sources`: name {twice!r} is used twice; names must be unique")
        series = [s.name for s in self.series]
        twice = next((n for n in series if series.count(n) > 1), None)
        if twice is not None:
            raise ValueError(f"`series`: name {twice!r} is used twice; names must be unique")
        kinds = {s.name: s.kind for s in self.sources}
        for one in self.series:
            kind = kinds.get(one.source)
            if kind is None:
                have = ", ".join(names) or "none"
                raise ValueError(f"`series` {one.name!r}: no source {one.source!r} (have: {have})")
            if kind == "scrape" and one.select is None:
                raise ValueError(f"`series` {one.name!r}: source {one.source!r} is a scrape: give `select`")
            if kind == "prometheus" and one.query is None:
                raise ValueError(f"`series` {one.name!r}: source {one.source!r} is a prometheus API: give `query`")
        if self.timeout <= timedelta(0) or self.history <= timedelta(0):
            raise ValueError("`timeout` and `history` must be longer than 0s")

    def source(self, name: str) -> MetricSource:
        return next(s for s in self.sources if s.name == name)

    def credentials(self) -> list[tuple[tuple[str | int, ...], str]]:
        """(location in the file, value) of every password and token, which must come from the environment."""
        found: list[tuple[tuple[str | int, ...], str]] = []
        for index, source in enumerate(self.sources):
            for key, value in source.credentials():
                found.append((("metrics", "sources", index, source.kind, key), value))
        return found
