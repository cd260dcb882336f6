"""Log sources that live on a platform, not on this disk: Supabase's log query (Management API) and Grafana
Loki's `query_range`, each polled incrementally; their credentials from the environment."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

import msgspec

from tessa_tui.config.fields import CONTROL, Duration, Section, doc, duration, http_url

EnvToken = Annotated[str, msgspec.Meta(min_length=1)]
_REF = re.compile(r"[a-z]{20}")
_TAIL_CLAUSE = re.compile(r"\b(order\s+by|limit)\b[^()]*$", re.IGNORECASE | re.DOTALL)
_HEADER_VALUE = re.compile(r"[\x00-\x1f\x7f]")
SUPABASE_WINDOW = timedelta(hours=24)
"""The Management API's widest query: "The timestamp range must be no more than 24 hours" (its OpenAPI)."""
DEFAULT_SQL = "select id, timestamp, event_message, metadata from edge_logs"


Interval = Annotated[Duration, doc("Time between polls, from the end of the last (default 10s).")]
Overlap = Annotated[
    Duration,
    doc("Each poll reads again this far behind the newest event seen, for events that arrive late (default 2m)."),
]
Timeout = Annotated[Duration, doc("Total deadline of one poll, every page in it (default 10s).")]
Backfill = Annotated[Duration, doc("How far back the first poll reads (default 15m).")]


def check_polling(
    interval: timedelta, overlap: timedelta, timeout: timedelta, backfill: timedelta, window: timedelta
) -> None:
    """Refuse polling settings the API or the cursor cannot honour."""
    if interval < timedelta(seconds=1):
        raise ValueError("`interval` is at least 1s")
    if timeout <= timedelta(0) or overlap < timedelta(0) or backfill <= timedelta(0):
        raise ValueError("`timeout` and `backfill` must be longer than 0s, `overlap` at least 0s")
    if backfill > window or overlap > window:
        raise ValueError(f"`backfill` and `overlap` fit in the API's window ({window.total_seconds() / 3600:g}h)")


class SupabaseLogs(Section, frozen=True):
    """A Supabase project's logs through the Management API's log query
    (`GET /v1/projects/{ref}/analytics/endpoints/logs.all`)."""

    project_ref: Annotated[str, doc("The project's ref: 20 lower-case letters (Project Settings: General).")]
    token: Annotated[
        EnvToken,
        doc("A personal access token, from the environment: `${SUPABASE_ACCESS_TOKEN}`; never shown or logged."),
    ]
    sql: Annotated[
        str,
        doc(
            "The query over edge_logs, function_logs, auth_logs, postgres_logs ...: returning `id`, `timestamp` and "
            "`event_message` (and `metadata` for levels), without `order by` or `limit`: tessa-tui adds "
            "`order by timestamp asc limit N` to read forward page by page.",
            min_length=1,
        ),
    ] = DEFAULT_SQL
    limit: Annotated[int, doc("Rows per page (default 1000).", ge=10, le=1000)] = 1000
    api_url: Annotated[str, doc("Management API base URL.")] = "https://api.supabase.com"
    interval: Interval = duration("10s")
    overlap: Overlap = duration("2m")
    timeout: Timeout = duration("10s")
    backfill: Backfill = duration("15m")

    def __post_init__(self) -> None:
        http_url(self.api_url, "api-url")
        if not _REF.fullmatch(self.project_ref):
            raise ValueError("`project-ref` is the project's ref: 20 lower-case letters")
        text = self.sql.strip()
        if not re.match(r"(select|with)\b", text, re.IGNORECASE) or ";" in text:
            raise ValueError("`sql` is one `select` (or `with`) statement, without `;`")
        if _TAIL_CLAUSE.search(text):
            raise ValueError("`sql`: leave out `order by` and `limit`: tessa-tui adds them to read page by page")
        if len(text) > 8000:
            raise ValueError("`sql` is at most 8000 characters (it travels in the URL)")
        check_polling(self.interval, self.overlap, self.timeout, self.backfill, SUPABASE_WINDOW)


class LokiLogs(Section, frozen=True):
    """A LogQL selector read from Grafana Loki's `GET /loki/api/v1/query_range` (Loki, Grafana Cloud Logs)."""

    url: Annotated[str, doc("Loki's base URL, e.g. https://logs-prod-us-central1.grafana.net (no /loki/api/...).")]
    query: Annotated[str, doc('A LogQL log query, e.g. `{app="tessa", env="production"}`.', min_length=2)]
    token: Annotated[EnvToken | None, doc("A bearer token, from the environment; never shown or logged.")] = None
    username: Annotated[str | None, doc("HTTP Basic user (Grafana Cloud: the stack's user id).")] = None
    password: Annotated[EnvToken | None, doc("HTTP Basic password, from the environment: `${LOKI_PASSWORD}`.")] = None
    org_id: Annotated[str | None, doc("Sent as X-Scope-OrgID: the tenant of a multi-tenant Loki.")] = None
    limit: Annotated[
        int, doc("Entries per page (default 1000; Loki's own cap is 5000 by default).", ge=10, le=5000)
    ] = 1000
    max_window: Annotated[
        Duration, doc("The widest range one query may span (Loki's max_query_length; default 24h).")
    ] = duration("24h")
    interval: Interval = duration("10s")
    overlap: Overlap = duration("2m")
    timeout: Timeout = duration("10s")
    backfill: Backfill = duration("15m")

    def __post_init__(self) -> None:
        http_url(self.url, "url")
        if not self.query.lstrip().startswith("{") or CONTROL.search(self.query.replace("\t", " ")):
            raise ValueError("`query` is a LogQL log query: a `{...}` stream selector first, on one line")
        if self.token is not None and (self.username is not None or self.password is not None):
            raise ValueError("give `token` (bearer) or `username` and `password` (basic), not both")
        if (self.username is None) != (self.password is None):
            raise ValueError("`username` and `password` go together")
        for field, value in (("org-id", self.org_id), ("username", self.username)):
            colon = field == "username" and ":" in (value or "")
            if value is not None and (_HEADER_VALUE.search(value) or not value or colon):
                raise ValueError(f"`{field}` must be one line of text" + (" without `:`" if colon else ""))
        if self.max_window < timedelta(minutes=1):
            raise ValueError("`max-window` is at least 1m")
        check_polling(self.interval, self.overlap, self.timeout, self.backfill, self.max_window)
