"""The Supabase Management API's log query, simulated for the demo project over the platform's own logs
(`GET /v1/projects/{ref}/analytics/endpoints/logs.all?sql=...&iso_timestamp_start=...&iso_timestamp_end=...`).

The demo's log writer adds every request and every drill's error here as an event of edge_logs (the frontend's
requests), function_logs (the chat, sync and auth functions) or postgres_logs (the database), each with an id, a
timestamp in microseconds and the metadata the real sources carry. Queries are answered as the API documents
(tests/vendor_specs/supabase_logs.openapi.json): a bearer token, a 20-letter project ref, the range of the two
timestamps rounded to the nearest minute and at most 24 hours (the last minute when neither is given), rows as
`{"result": [...]}`. The SQL is not run, only read for what the demo needs: its tables (`from x`),
`order by timestamp asc|desc`, `limit n`, and the runbooks' filters (5xx statuses, error levels, a regexp).
The contract servers in tests/logs_contract_servers.py serve this same simulation.
"""

from __future__ import annotations

import bisect
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

PROJECT = "tessademoplatformref"  # a project ref is 20 lower-case letters
ACCESS_TOKEN = "demo-access-token"  # noqa: S105 - the simulation's own, accepted nowhere else
TABLES = ("edge_logs", "function_logs", "postgres_logs", "auth_logs")
KEEP = 50_000  # events kept (about three hours of the demo's traffic)
_FROM = re.compile(r"\bfrom\s+([a-z_]+)", re.IGNORECASE)
_LIMIT = re.compile(r"\blimit\s+(\d{1,6})\s*$", re.IGNORECASE)
_ORDER = re.compile(r"\border\s+by\s+timestamp\s+(asc|desc)\b", re.IGNORECASE)
_REGEXP = re.compile(r"regexp_contains\(\s*lower\(event_message\)\s*,\s*'([^']{1,200})'\s*\)", re.IGNORECASE)
_SELECT = re.compile(r"^\s*select\s+(.*?)\s+from\b", re.IGNORECASE | re.DOTALL)
COLUMNS = ("id", "timestamp", "event_message", "metadata")


@dataclass(frozen=True)
class LogEvent:
    """One event of a Supabase log source."""

    table: str
    timestamp_us: int
    event_message: str
    metadata: list[dict[str, Any]] = field(default_factory=list)
    id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def row(self, columns: tuple[str, ...]) -> dict[str, Any]:
        every = {
            "id": self.id,
            "timestamp": self.timestamp_us,
            "event_message": self.event_message,
            "metadata": self.metadata,
        }
        return {name: every[name] for name in columns}

    @property
    def level(self) -> str:
        for item in self.metadata:
            if isinstance(item.get("level"), str):
                return str(item["level"])
            parsed = item.get("parsed")
            if isinstance(parsed, list) and parsed and isinstance(parsed[0].get("error_severity"), str):
                return str(parsed[0]["error_severity"]).lower()
        return ""

    @property
    def status(self) -> int:
        for item in self.metadata:
            response = item.get("response")
            if isinstance(response, list) and response and isinstance(response[0].get("status_code"), int):
                return int(response[0]["status_code"])
        return 0


def now_us() -> int:
    return int(time.time() * 1_000_000)


def edge_event(
    method: str, path: str, status: int, at_us: int | None = None, *, error: str = "", **ids: str
) -> LogEvent:
    """An API gateway (edge_logs) request, shaped as Supabase logs one; a failed one says what the upstream said."""
    metadata = [{"request": [{"method": method, "path": path}], "response": [{"status_code": status}]}]
    message = f"{method} | {status} | {path}" + (f" | {error}" if error else "")
    return LogEvent("edge_logs", at_us or now_us(), message, metadata, **ids)


def function_event(function: str, level: str, message: str, at_us: int | None = None, **ids: str) -> LogEvent:
    """An edge function's console line (function_logs)."""
    metadata = [{"level": level, "function_id": f"fn-{function}", "event_type": "Log"}]
    return LogEvent("function_logs", at_us or now_us(), f"{function}: {message}", metadata, **ids)


def postgres_event(severity: str, message: str, at_us: int | None = None, **ids: str) -> LogEvent:
    """A database server line (postgres_logs)."""
    metadata = [{"parsed": [{"error_severity": severity.upper(), "user_name": "authenticator"}]}]
    return LogEvent("postgres_logs", at_us or now_us(), message, metadata, **ids)


class SupabaseLogsSim:
    """The demo project's logs and the Management API's log query over them."""

    def __init__(self, token: str = ACCESS_TOKEN, project: str = PROJECT, *, keep: int = KEEP) -> None:
        self.token = token
        self.project = project
        self.keep = keep
        self._events: list[LogEvent] = []
        self._times: list[int] = []
        self.queries = 0

    def add(self, event: LogEvent) -> None:
        """Store an event in time order (a late one lands where its time says)."""
        at = bisect.bisect_right(self._times, event.timestamp_us)
        self._events.insert(at, event)
        self._times.insert(at, event.timestamp_us)
        if len(self._events) > self.keep * 1.2:  # trimmed in steps: a list's head is costly to cut each time
            del self._events[: len(self._events) - self.keep]
            del self._times[: len(self._times) - self.keep]

    def clear(self) -> None:
        self._events.clear()
        self._times.clear()

    @property
    def events(self) -> list[LogEvent]:
        return list(self._events)

    def query(self, sql: str, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """The rows `sql` asks for in [start, end)."""
        tables = {t.lower() for t in _FROM.findall(sql)} & set(TABLES) or {"edge_logs"}
        lo = bisect.bisect_left(self._times, int(start.timestamp() * 1_000_000))
        hi = bisect.bisect_left(self._times, int(end.timestamp() * 1_000_000))
        rows = [e for e in self._events[lo:hi] if e.table in tables]
        lowered = sql.lower()
        if "status_code >= 500" in lowered:
            rows = [e for e in rows if e.status >= 500]
        if re.search(r"level\s*=\s*'error'", lowered):
            rows = [e for e in rows if e.level == "error"]
        if match := _REGEXP.search(sql):
            pattern = re.compile(match.group(1))
            rows = [e for e in rows if pattern.search(e.event_message.lower())]
        order = _ORDER.search(sql)
        if order is None or order.group(1).lower() == "desc":
            rows.reverse()
        limit = _LIMIT.search(sql.strip())
        rows = rows[: int(limit.group(1)) if limit else 100]
        return [e.row(_columns(sql)) for e in rows]

    def add_routes(self, app: web.Application, prefix: str = "") -> None:
        """Serve the log query under `{prefix}/v1/projects/{ref}/...` as the Management API does."""
        app.router.add_get(f"{prefix}/v1/projects/{{ref}}/analytics/endpoints/logs.all", self._logs)

    async def _logs(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.json_response({"message": "Unauthorized"}, status=401)
        if request.match_info["ref"] != self.project:
            return web.json_response({"message": "Project not found"}, status=404)
        self.queries += 1
        window = _window(request.query.get("iso_timestamp_start"), request.query.get("iso_timestamp_end"))
        if isinstance(window, str):
            return web.json_response({"error": window}, status=400)
        sql = request.query.get("sql") or "select id, timestamp, event_message, metadata from edge_logs"
        # No `error` key on success: the description's `error` is a string or an object, never null.
        return web.json_response({"result": self.query(sql, *window)})


def _columns(sql: str) -> tuple[str, ...]:
    match = _SELECT.match(sql)
    if match is None or match.group(1).strip() == "*":
        return COLUMNS
    named = tuple(c for c in COLUMNS if re.search(rf"\b{c}\b", match.group(1)))
    return named or COLUMNS


def _window(start_text: str | None, end_text: str | None) -> tuple[datetime, datetime] | str:
    """The range the API reads: rounded to the nearest minute; one minute around a single bound, the last minute
    without any; an error past 24 hours."""
    try:
        start = _parse(start_text)
        end = _parse(end_text)
    except ValueError:
        return "iso_timestamp_start and iso_timestamp_end must be ISO 8601 times"
    minute = timedelta(minutes=1)
    if start is None and end is None:
        end = datetime.now(UTC)
        return end - minute, end
    if start is None:
        assert end is not None
        end = _round(end)
        return end - minute, end
    if end is None:
        start = _round(start)
        return start, start + minute
    start, end = _round(start), _round(end)
    if end - start > timedelta(hours=24):
        return "the timestamp range must be no more than 24 hours"
    return start, end


def _parse(text: str | None) -> datetime | None:
    if not text:
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _round(moment: datetime) -> datetime:
    floor = moment.replace(second=0, microsecond=0)
    return floor + timedelta(minutes=1) if moment - floor >= timedelta(seconds=30) else floor
