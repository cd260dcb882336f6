"""The demo's metrics: a Supabase-style Metrics API (Prometheus text exposition, HTTP Basic `service_role` and a
secret key) whose CPU, memory and connections follow the demo's real PostgreSQL, and a Prometheus-compatible
query API answering the demo config's error-rate and p95 expressions from the platform's real request log.

CPU: two virtual cores whose busy share is worked out at each scrape from what the database is doing now (the
sessions running a statement or waiting on a lock, the transactions committed since the last scrape); a drill's
sessions (db-slow holds a lock, runs two long queries and a blocked update) raise it. Memory: a base plus a
share per connection. Connections: pg_stat_activity's count. The request log: every request line the log writer
appends, and every drill's error line as a failed request (the demo's error rate and latency move with drills).
The contract servers (tests/metrics_contract_servers.py) serve the same classes.
"""

from __future__ import annotations

import base64
import bisect
import hmac
import math
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

SUPABASE_USER = "service_role"
METRICS_PATH = "/customer/v1/privileged/metrics"
CORES = 2
MEMORY_TOTAL = 4 * 1024**3
MEMORY_BASE = 900 * 1024**2
MEMORY_PER_CONNECTION = 24 * 1024**2
MAX_CONNECTIONS = 40
FILLER_SERIES = 170  # with the figures above, about the 200 series Supabase's endpoint serves


def error_rate_query(window: str = "1m") -> str:
    """The demo config's error-rate expression: 5xx responses as a share of all requests over `window`."""
    return f'sum(rate(http_requests_total{{status=~"5.."}}[{window}])) / sum(rate(http_requests_total[{window}]))'


def p95_query(window: str = "1m") -> str:
    """The demo config's p95 expression: the 95th percentile of request durations (seconds) over `window`."""
    return f"histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[{window}])))"


_WINDOW = r"\[(\d+)([smh])\]"
_ERROR_RATE = re.compile(
    r"sum\(rate\(http_requests_total\{status=~\"5\.\.\"\}"
    + _WINDOW
    + r"\)\)\s*/\s*sum\(rate\(http_requests_total"
    + _WINDOW
    + r"\)\)"
)
_P95 = re.compile(
    r"histogram_quantile\(0\.95,\s*sum by \(le\) \(rate\(http_request_duration_seconds_bucket" + _WINDOW + r"\)\)\)"
)
_SECONDS = {"s": 1, "m": 60, "h": 3600}


@dataclass(frozen=True)
class DatabaseLoad:
    """What the database is doing at one moment, as the exporter would read it."""

    connections: int
    active: int
    """Sessions running a statement or waiting (not idle), the exporter's own left out."""
    commits: int
    """Transactions committed since the cluster started (pg_stat_database)."""
    size_bytes: int
    up: bool = True


LoadProbe = Callable[[], Awaitable[DatabaseLoad]]


class RequestLog:
    """The platform's requests as the log writer logs them: (monotonic time, status, seconds), the last hour."""

    def __init__(self, keep_s: float = 3600.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.keep_s = keep_s
        self.clock = clock
        self._times: deque[float] = deque()
        self._rows: deque[tuple[int, float]] = deque()

    def record(self, status: int, seconds: float) -> None:
        now = self.clock()
        self._times.append(now)
        self._rows.append((status, seconds))
        while self._times and self._times[0] < now - self.keep_s:
            self._times.popleft()
            self._rows.popleft()

    def window(self, seconds: float, at: float | None = None) -> list[tuple[int, float]]:
        end = self.clock() if at is None else at
        times = list(self._times)
        first, last = bisect.bisect_left(times, end - seconds), bisect.bisect_right(times, end)
        rows = list(self._rows)
        return rows[first:last]

    def error_rate(self, seconds: float, at: float | None = None) -> float:
        """Requests answered 5xx as a share of all: NaN with no request (PromQL's 0/0)."""
        rows = self.window(seconds, at)
        errors = sum(1 for status, _ in rows if status >= 500)
        return errors / len(rows) if rows else math.nan

    def p95(self, seconds: float, at: float | None = None) -> float:
        """The 95th percentile of request durations in seconds (nearest rank); NaN with no request."""
        durations = sorted(d for _, d in self.window(seconds, at))
        if not durations:
            return math.nan
        return durations[max(0, math.ceil(0.95 * len(durations)) - 1)]


class SupabaseMetricsSim:
    """`GET /customer/v1/privileged/metrics`: node_exporter and postgres_exporter figures in Prometheus's text
    format, behind HTTP Basic `service_role` and the secret key, as Supabase's Metrics API serves them."""

    def __init__(self, secret_key: str, probe: LoadProbe, *, project_ref: str = "tessa-demo") -> None:
        self.secret_key = secret_key
        self.probe = probe
        self.project_ref = project_ref
        self.cpu_seconds = {(cpu, mode): 0.0 for cpu in range(CORES) for mode in ("idle", "user", "system", "iowait")}
        self._last: tuple[float, int] | None = None  # (monotonic time, commits) of the last scrape
        self.scrapes = 0

    def authorized(self, header: str) -> bool:
        expected = "Basic " + base64.b64encode(f"{SUPABASE_USER}:{self.secret_key}".encode()).decode()
        return hmac.compare_digest(header.encode(), expected.encode())

    def add_routes(self, app: web.Application, prefix: str = "") -> None:
        app.router.add_get(prefix + METRICS_PATH, self.handle)

    async def handle(self, request: web.Request) -> web.Response:
        if not self.authorized(request.headers.get("Authorization", "")):
            return web.json_response({"message": "Invalid authentication credentials"}, status=401)
        load = await self.probe()
        self.scrapes += 1
        return web.Response(text=self.exposition(load), content_type="text/plain", charset="utf-8")

    def busy_share(self, load: DatabaseLoad, commits_per_s: float) -> float:
        """The share of the cores busy: a floor, the transaction rate, and the sessions at work now."""
        return min(0.97, 0.04 + min(0.3, commits_per_s / 400) + 0.14 * load.active)

    def exposition(self, load: DatabaseLoad) -> str:
        now = time.monotonic()
        commits_per_s = 0.0
        elapsed = 15.0
        if self._last is not None:
            elapsed = max(0.001, now - self._last[0])
            commits_per_s = max(0, load.commits - self._last[1]) / elapsed
        self._last = (now, load.commits)
        busy = self.busy_share(load, commits_per_s)
        for cpu in range(CORES):
            self.cpu_seconds[(cpu, "user")] += elapsed * busy * 0.7
            self.cpu_seconds[(cpu, "system")] += elapsed * busy * 0.25
            self.cpu_seconds[(cpu, "iowait")] += elapsed * busy * 0.05
            self.cpu_seconds[(cpu, "idle")] += elapsed * (1 - busy)
        used = MEMORY_BASE + MEMORY_PER_CONNECTION * load.connections
        labels = f'supabase_project_ref="{self.project_ref}",service_type="db"'
        pg = f'supabase_project_ref="{self.project_ref}",service_type="postgresql",server="localhost:5432"'
        out = [
            "# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.",
            "# TYPE node_cpu_seconds_total counter",
        ]
        out += [
            f'node_cpu_seconds_total{{{labels},cpu="{cpu}",mode="{mode}"}} {seconds:.3f}'
            for (cpu, mode), seconds in self.cpu_seconds.items()
        ]
        out += [
            "# HELP node_memory_MemTotal_bytes Memory information field MemTotal_bytes.",
            "# TYPE node_memory_MemTotal_bytes gauge",
            f"node_memory_MemTotal_bytes{{{labels}}} {MEMORY_TOTAL}",
            "# HELP node_memory_MemAvailable_bytes Memory information field MemAvailable_bytes.",
            "# TYPE node_memory_MemAvailable_bytes gauge",
            f"node_memory_MemAvailable_bytes{{{labels}}} {max(0, MEMORY_TOTAL - used)}",
            "# HELP node_load1 1m load average.",
            "# TYPE node_load1 gauge",
            f"node_load1{{{labels}}} {busy * CORES + 0.1 * load.active:.2f}",
            "# HELP pg_up Whether the last scrape of metrics from PostgreSQL was able to connect to the server.",
            "# TYPE pg_up gauge",
            f"pg_up{{{pg}}} {1 if load.up else 0}",
            "# HELP pg_stat_database_num_backends The number of backends currently connected to this database.",
            "# TYPE pg_stat_database_num_backends gauge",
            f"pg_stat_database_num_backends{{{pg}}} {load.connections}",
            "# HELP pg_settings_max_connections Server Parameter: max_connections.",
            "# TYPE pg_settings_max_connections gauge",
            f"pg_settings_max_connections{{{pg}}} {MAX_CONNECTIONS}",
            "# HELP pg_stat_database_xact_commit_total Transactions committed.",
            "# TYPE pg_stat_database_xact_commit_total counter",
            f"pg_stat_database_xact_commit_total{{{pg}}} {load.commits}",
            "# HELP pg_database_size_mb Disk space used by the database.",
            "# TYPE pg_database_size_mb gauge",
            f"pg_database_size_mb{{{pg}}} {load.size_bytes / 1024**2:.1f}",
        ]
        out += filler(labels, self.scrapes)
        return "\n".join(out) + "\n"


def filler(labels: str, tick: int, count: int = FILLER_SERIES) -> list[str]:
    """The rest of the ~200 series (disk, network, WAL ...) with slowly moving values: read, never charted."""
    lines: list[str] = []
    families = ("node_disk_read_bytes_total", "node_disk_written_bytes_total", "node_network_receive_bytes_total")
    per_family = max(1, count // len(families))
    for family in families:
        lines += [f"# HELP {family} A node_exporter counter.", f"# TYPE {family} counter"]
        lines += [f'{family}{{{labels},device="dev{n}"}} {1000 * n + 17 * tick}' for n in range(per_family)]
    return lines


class PrometheusSim:
    """`GET /api/v1/query` and `/api/v1/query_range` for the demo config's two expressions (error rate and p95,
    over any window), computed from the request log; any other expression is refused as Prometheus refuses a
    query it cannot parse (400 bad_data). A bearer token, as a Prometheus behind an auth proxy asks for one."""

    def __init__(self, token: str, requests: RequestLog) -> None:
        self.token = token
        self.requests = requests
        self.queries = 0

    def add_routes(self, app: web.Application, prefix: str) -> None:
        app.router.add_get(prefix + "/api/v1/query", self.instant)
        app.router.add_get(prefix + "/api/v1/query_range", self.range)

    def _refused(self, request: web.Request) -> web.Response | None:
        if not hmac.compare_digest(request.headers.get("Authorization", "").encode(), f"Bearer {self.token}".encode()):
            return web.Response(status=401, text="Unauthorized\n")
        return None

    def evaluate(self, expression: str, at: float | None = None) -> float:
        """The expression's value at monotonic time `at` (now); ValueError for an expression not served."""
        if match := _ERROR_RATE.fullmatch(expression.strip()):
            return self.requests.error_rate(int(match.group(1)) * _SECONDS[match.group(2)], at)
        if match := _P95.fullmatch(expression.strip()):
            return self.requests.p95(int(match.group(1)) * _SECONDS[match.group(2)], at)
        raise ValueError("the demo's Prometheus answers the demo config's error-rate and p95 expressions only")

    async def instant(self, request: web.Request) -> web.Response:
        if (refused := self._refused(request)) is not None:
            return refused
        self.queries += 1
        try:
            value = self.evaluate(request.query.get("query", ""))
        except ValueError as exc:
            return _error(400, "bad_data", str(exc))
        vector = [{"metric": {}, "value": [round(time.time(), 3), _number(value)]}]
        return web.json_response({"status": "success", "data": {"resultType": "vector", "result": vector}})

    async def range(self, request: web.Request) -> web.Response:
        if (refused := self._refused(request)) is not None:
            return refused
        try:
            start, end = (_epoch(request.query[k]) for k in ("start", "end"))
            step = float(request.query["step"].removesuffix("s"))
        except (KeyError, ValueError):
            return _error(400, "bad_data", "start, end and step are numbers (unix seconds; step in seconds)")
        if step <= 0 or end < start or (end - start) / step > 11_000:
            return _error(400, "bad_data", "exceeded maximum resolution of 11,000 points per timeseries")
        values: list[list[Any]] = []
        offset = time.monotonic() - time.time()  # the log keeps monotonic times
        moment = start
        try:
            while moment <= end:
                value = self.evaluate(request.query.get("query", ""), moment + offset)
                if not math.isnan(value):
                    values.append([round(moment, 3), _number(value)])
                moment += step
        except ValueError as exc:
            return _error(400, "bad_data", str(exc))
        result = [{"metric": {}, "values": values}] if values else []
        return web.json_response({"status": "success", "data": {"resultType": "matrix", "result": result}})


def _epoch(text: str) -> float:
    """Unix seconds or RFC 3339, as the API takes a time."""
    try:
        return float(text)
    except ValueError:
        from datetime import datetime

        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(round(value, 6))


def _error(status: int, kind: str, message: str) -> web.Response:
    return web.json_response({"status": "error", "errorType": kind, "error": message}, status=status)


def database_load_probe(dsn: str) -> LoadProbe:
    """The exporter's view of the demo's PostgreSQL, on a connection of its own (as Supabase's exporter has)."""
    state: dict[str, Any] = {"conn": None}

    async def probe() -> DatabaseLoad:
        import asyncpg

        try:
            conn = state["conn"]
            if conn is None or conn.is_closed():
                conn = state["conn"] = await asyncpg.connect(
                    dsn,
                    timeout=5,
                    server_settings={"application_name": "supabase-exporter", "statement_timeout": "2000"},
                )
            row = await conn.fetchrow(
                "SELECT (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend') AS connections,"
                " (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND state <> 'idle'"
                "  AND pid <> pg_backend_pid()) AS active,"
                " (SELECT sum(xact_commit) FROM pg_stat_database) AS commits,"
                " pg_database_size(current_database()) AS size"
            )
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
            state["conn"] = None
            return DatabaseLoad(0, 0, 0, 0, up=False)
        return DatabaseLoad(int(row["connections"]), int(row["active"]), int(row["commits"] or 0), int(row["size"]))

    return probe


def add_routes(app: web.Application, dsn: str, requests: RequestLog, secret_key: str, token: str) -> None:
    """The Supabase-style Metrics API at its path and a Prometheus query API under /prometheus."""
    SupabaseMetricsSim(secret_key, database_load_probe(dsn)).add_routes(app)
    PrometheusSim(token, requests).add_routes(app, "/prometheus")
