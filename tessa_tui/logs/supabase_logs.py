"""Supabase's log query (Management API `GET /v1/projects/{ref}/analytics/endpoints/logs.all`, as
tests/vendor_specs/supabase_logs.openapi.json describes it): the source's SQL read forward in pages by timestamp.

The API's rules, from its description: `iso_timestamp_start` and `iso_timestamp_end` bound the query, the range
"must be no more than 24 hours and is rounded to the nearest minute". So windows are whole minutes here (the start
floored, the end ceiled: rounding can then move neither), and never wider than 24 hours. Rows are untrusted:
any shape, any type; a row is an event when it has a readable `timestamp`, its key is its `id`.
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from tessa_tui.base.redact import clip
from tessa_tui.base.sanitize import sanitize
from tessa_tui.config.remote_logs import SUPABASE_WINDOW, SupabaseLogs
from tessa_tui.logs.parse import MAX_RECORD, LogRecord, level_of, parse_line, stamp_time
from tessa_tui.logs.remote_cursor import NS, Event, Window
from tessa_tui.logs.remote_http import Api, Deadline, get_json
from tessa_tui.logs.remote_poll import Page

if TYPE_CHECKING:
    import httpx

    from tessa_tui.logs.levels import Level

MINUTE_NS = 60 * NS
WINDOW_NS = int(SUPABASE_WINDOW.total_seconds()) * NS
_LEVEL_KEYS = ("level", "error_severity", "severity")
_STATUS_KEYS = ("status_code", "status")


class SupabaseApi:
    """One configured `supabase:` source's requests and rows."""

    def __init__(self, name: str, settings: SupabaseLogs, secrets: frozenset[str]) -> None:
        self.name = name
        self.settings = settings
        where = f"logs[{name}].supabase"
        self.api = Api("Supabase", f"{where}.token", f"`{where}.project-ref`", secrets | {settings.token})
        base = settings.api_url.rstrip("/")
        self._url = f"{base}/v1/projects/{quote(settings.project_ref, safe='')}/analytics/endpoints/logs.all"
        self._sql = f"{settings.sql.strip()} order by timestamp asc limit {settings.limit}"

    def align(self, window: Window) -> Window:
        start = window.start_ns - window.start_ns % MINUTE_NS
        end = -(-window.end_ns // MINUTE_NS) * MINUTE_NS
        earliest = end - WINDOW_NS
        if start < earliest:
            return Window(earliest, end, window.lost_ns + earliest - start)
        return Window(start, end, window.lost_ns)

    def next_start(self, last_ns: int, start_ns: int) -> int:
        return last_ns - last_ns % MINUTE_NS

    def step_over(self, start_ns: int) -> int:
        return start_ns - start_ns % MINUTE_NS + MINUTE_NS

    def url(self, start_ns: int, end_ns: int) -> str:
        query = {"sql": self._sql, "iso_timestamp_start": iso(start_ns), "iso_timestamp_end": iso(end_ns)}
        return f"{self._url}?{urlencode(query, quote_via=quote)}"

    async def page(self, client: httpx.AsyncClient, start_ns: int, end_ns: int, deadline: Deadline) -> Page:
        headers = {"Authorization": f"Bearer {self.settings.token}"}
        body = await get_json(client, self.url(start_ns, end_ns), headers, self.api, deadline)
        return self.read_page(body)

    def read_page(self, body: Any) -> Page:
        """An answer's rows as events; RemoteFault for an error the API reports or another shape."""
        if not isinstance(body, dict):
            raise self.api.fault("failing", "the answer is not what the API documents: not an object")
        error = body.get("error")
        if error:
            said = error.get("message") if isinstance(error, dict) else error
            # Masked before it is cut: a token cut short is no longer the token the mask knows.
            text = (
                clip(sanitize(said[:65536]), 300, self.api.secrets)
                if isinstance(said, str)
                else "an error of unknown shape"
            )
            raise self.api.fault("failing", f"the query failed: {text}; check `logs[{self.name}].supabase.sql`")
        rows = body.get("result")
        if rows is None:
            rows = []
        if not isinstance(rows, list):
            raise self.api.fault("failing", "the answer is not what the API documents: `result` is not a list")
        # More rows than the query's `limit` asked for are not read (a 16 MiB answer of 100k rows held the event
        # loop for over a second): the page is full, and the next one goes on from its newest row.
        rows = rows[: self.settings.limit]
        events = [event for row in rows if (event := row_event(row, self.name)) is not None]
        return Page(events, full=len(rows) >= self.settings.limit, skipped=len(rows) - len(events))


def iso(at_ns: int) -> str:
    """A time as the API's parameters take it: `2025-03-01T00:00:00Z`."""
    return datetime.fromtimestamp(at_ns // NS, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def row_event(row: Any, source: str) -> Event | None:
    """One row of the answer as an event; None for a row without a readable time (left out, counted)."""
    if not isinstance(row, dict):
        return None
    at_ns = timestamp_ns(row.get("timestamp"))
    if at_ns is None:
        return None
    message = row.get("event_message")
    text = message if isinstance(message, str) else ""
    full = _compact(row)
    level = metadata_level(row.get("metadata"))
    if level == "unknown" and text:
        level = parse_line(text[:4096]).level
    seconds = at_ns / NS
    clock = datetime.fromtimestamp(at_ns // NS, UTC).strftime("%H:%M:%S")
    summary = sanitize(text[:MAX_RECORD]) if text else ""
    record = LogRecord(level, clock, sanitize(full, keep_newlines=False), summary, seconds, source)
    key = row.get("id")
    if not isinstance(key, str) or not key or len(key) > 200:
        key = "#" + hashlib.sha1(f"{at_ns}\0{full}".encode("utf-8", "replace"), usedforsecurity=False).hexdigest()
    return Event(key, at_ns, record)


def timestamp_ns(value: Any) -> int | None:
    """The API's `timestamp`: microseconds since the epoch (a number or digits), or ISO 8601 text; None for
    anything else (NaN, booleans, times before 1973 or after 2200, numbers of hundreds of digits)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        if not 10**14 <= value <= 7_258_118_400 * 10**6:
            return None
        return value * 1000
    if isinstance(value, float):
        if not math.isfinite(value) or not 1e14 <= value <= 7.2581184e15:
            return None
        return int(value) * 1000
    if isinstance(value, str) and 10 <= len(value) <= 40:
        if value.isascii() and value.isdigit():
            return timestamp_ns(int(value))
        _clock, seconds = stamp_time(value)
        if seconds is None or not 1e8 <= seconds <= 7_258_118_400:
            return None
        return round(seconds * 1_000_000) * 1000
    return None


def metadata_level(metadata: Any) -> Level:
    """A level from the metadata Supabase's sources carry (function_logs' `level`, postgres_logs'
    `parsed.error_severity`, edge_logs' `response.status_code`), searched a few levels deep, a bounded number of
    values; "unknown" when there is none."""
    stack: list[tuple[Any, int]] = [(metadata, 0)]
    budget = 200
    while stack and budget > 0:
        value, depth = stack.pop()
        budget -= 1
        if isinstance(value, list):
            stack.extend((item, depth + 1) for item in reversed(value[:8]) if depth < 4)
        elif isinstance(value, dict):
            for key in _LEVEL_KEYS:
                found = value.get(key)
                if isinstance(found, str) and (level := level_of(found)) != "unknown":
                    return level
            for key in _STATUS_KEYS:
                found = value.get(key)
                if isinstance(found, int) and not isinstance(found, bool) and 100 <= found <= 599:
                    return "error" if found >= 500 else "warn" if found >= 400 else "info"
            if depth < 4:
                stack.extend((item, depth + 1) for item in list(value.values())[:16])
    return "unknown"


def _compact(row: dict[str, Any]) -> str:
    """The whole row as one JSON line (the detail view and pinning show it), cut at the record limit."""
    try:
        text = json.dumps(row, ensure_ascii=False, default=str)
    except (ValueError, RecursionError, TypeError):
        message = row.get("event_message")
        text = message if isinstance(message, str) else ""
    return text[:MAX_RECORD]
