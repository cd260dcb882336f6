"""The demo's application and edge-function logs: JSON lines, a realistic mix, error bursts during drills.

The same events go to the simulated Supabase log query (tessa_tui/demo/supabase_api_sim.py) as edge_logs,
function_logs and postgres_logs, which the demo config reads as remote sources: the production shape.
"""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from datetime import UTC, datetime
from pathlib import Path

from tessa_tui.demo.drills import DrillBoard
from tessa_tui.demo.supabase_api_sim import LogEvent, SupabaseLogsSim, edge_event, function_event, postgres_event

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tessa_tui.demo.metrics_sim import RequestLog

ROTATE_BYTES = 20 * 1024 * 1024
PATHS = ("/api/chat", "/api/messages", "/api/sync", "/api/profile", "/", "/api/auth/session")
DRILL_ERRORS = {
    "service-unavailable": ("frontend", "upstream connect error: 503 Service Unavailable from edge router"),
    "login-failures": ("auth", "login failed: invalid login credentials"),
    "ai-chat": ("chat", "openai request timed out after 30000ms (model gpt-4o-mini)"),
    "db-slow": ("db", "canceling statement due to statement timeout"),
    "sync-failures": ("sync", "sync batch failed: conflict on sync_queue item, will retry"),
    "bad-deploy": ("frontend", "GET /checkout 500: TypeError: Cannot read properties of undefined (reading 'session')"),
}
DRILL_REQUESTS = {"service-unavailable": (503, 0.02), "ai-chat": (504, 30.0), "db-slow": (500, 5.0)}
"""A drill's error line as the failed request it logs: (status, seconds); others (500, 0.08)."""

FUNCTIONS = frozenset({"chat", "sync", "auth"})  # services that run as edge functions


class LogWriter:
    """Appends lines to `app.log` (and the edge functions' to `edge-functions.log`, or to the platform's log store
    when there is one), rotating by rename like logrotate."""

    def __init__(
        self,
        folder: Path,
        board: DrillBoard,
        *,
        rate_per_s: float = 4.0,
        seed: int | None = None,
        supabase: SupabaseLogsSim | None = None,
        requests: RequestLog | None = None,
    ) -> None:
        self.folder = folder
        self.supabase = supabase
        self.requests = requests
        """Where each logged request is also counted (the demo's Prometheus answers from it)."""
        self.board = board
        self.rate = rate_per_s
        self.random = random.Random(seed)
        folder.mkdir(parents=True, exist_ok=True)
        self.app_log = folder / "app.log"
        self.edge_log = folder / "edge-functions.log"

    async def run(self) -> None:
        """Write forever at about `rate_per_s` lines a second, more during drills."""
        while True:
            self.write_batch()
            await asyncio.sleep(1.0 / self.rate)

    def write_batch(self) -> None:
        """One tick: a request line, and one error line per running drill."""
        lines = [self._request_line()]
        lines += [self._drill_line(name) for name in sorted(self.board.active) if name in DRILL_ERRORS]
        if self.requests is not None:
            for _, record in lines:
                self.requests.record(*_as_request(record))
        app: list[str] = []
        edge: list[str] = []
        for service, record in lines:
            if self.supabase is not None:
                self.supabase.add(self._platform_event(service, record))
            if service not in FUNCTIONS:
                app.append(json.dumps(record))
            elif self.supabase is None:  # with a platform log store, functions' lines live there, as in production
                edge.append(json.dumps(record))
        for path, batch in ((self.app_log, app), (self.edge_log, edge)):
            if batch:
                self._append(path, batch)

    def _append(self, path: Path, lines: list[str]) -> None:
        if path.exists() and path.stat().st_size > ROTATE_BYTES:
            path.replace(path.with_suffix(path.suffix + ".1"))
        with path.open("a", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")

    def _platform_event(self, service: str, record: dict[str, object]) -> LogEvent:
        """The record as the platform's log store has it: a request at the edge, a function's line, a database's."""
        event_id = str(uuid.UUID(int=self.random.getrandbits(128)))
        level, message = str(record.get("level", "info")), str(record.get("msg", ""))
        if service == "db":
            return postgres_event("error" if level == "error" else "log", message, id=event_id)
        if service in FUNCTIONS:
            return function_event(service, level, message, id=event_id)
        method = message.partition(" ")[0]
        path = str(record.get("path") or "/")
        status = record.get("status")
        if isinstance(status, int):
            return edge_event(method or "GET", path, status, id=event_id)
        drill = str(record.get("drill", ""))
        code = 503 if drill == "service-unavailable" else 500
        return edge_event("GET", "/checkout" if drill == "bad-deploy" else "/", code, id=event_id, error=message)

    def _request_line(self) -> tuple[str, dict[str, object]]:
        r = self.random
        path = r.choice(PATHS)
        service = {"/api/chat": "chat", "/api/sync": "sync", "/api/auth/session": "auth"}.get(path, "frontend")
        # A healthy platform's odd failures are the client's (404, 429): one random 500 among the few requests of a
        # demo started seconds ago is a 5 % error rate, and the daily review would fail a healthy demo by chance.
        # Server errors come from drills.
        status = 200 if r.random() > 0.004 else r.choice((404, 429))
        duration = round(r.lognormvariate(4.6, 0.5), 1)
        level = "info" if status < 400 else "warn" if status < 500 else "error"
        return service, {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "level": level,
            "msg": f"{r.choice(('GET', 'POST'))} {path} {status} {duration}ms",
            "service": service,
            "path": path,
            "status": status,
            "duration_ms": duration,
            "request_id": uuid.UUID(int=r.getrandbits(128)).hex[:16],
        }

    def _drill_line(self, drill: str) -> tuple[str, dict[str, object]]:
        service, message = DRILL_ERRORS[drill]
        return service, {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "level": "error",
            "msg": message,
            "service": service,
            "drill": drill,
            "request_id": uuid.UUID(int=self.random.getrandbits(128)).hex[:16],
        }


def _as_request(record: dict[str, object]) -> tuple[int, float]:
    """A logged line as the request it stands for: (status, seconds)."""
    drill = record.get("drill")
    if drill is not None:
        return DRILL_REQUESTS.get(str(drill), (500, 0.08))
    return int(str(record["status"])), float(str(record["duration_ms"])) / 1000
