"""The Supabase Management API's log query, simulated for the demo project: the runbooks' edge-function log steps
(`GET /v1/projects/{ref}/analytics/endpoints/logs.all?sql=...`) rehearse against rows that follow the drills."""

from __future__ import annotations

import time

from aiohttp import web

from tessa_tui.demo.drills import DrillBoard

PROJECT = "tessa-demo"
ACCESS_TOKEN = "demo-access-token"  # noqa: S105 - the simulation's own, accepted nowhere else

# What the edge functions log while a drill runs, newest first (the real API answers in that order when asked to).
DRILL_ROWS = {
    "ai-chat": ["chat: OpenAI request failed: 429 Too Many Requests", "chat: upstream timeout after 30000ms"],
    "service-unavailable": ["chat: fetch failed: connect ECONNREFUSED", "sync: 503 from the frontend"],
    "db-slow": ["sync: canceling statement due to statement timeout"],
    "sync-failures": ["sync: conflict on sync_queue row 4121, retry 5 of 5"],
    "login-failures": ["auth: invalid login credentials for user7@example.com"],
}
QUIET = ["chat: POST /functions/v1/chat 200 182ms", "sync: POST /functions/v1/sync 200 95ms"]


def add_routes(app: web.Application, board: DrillBoard) -> None:
    """Serve the log query under `/v1/projects/{ref}/...` as the Management API does: bearer token, project ref."""

    async def logs(request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {ACCESS_TOKEN}":
            return web.json_response({"message": "Unauthorized"}, status=401)
        if request.match_info["ref"] != PROJECT:
            return web.json_response({"message": "Project not found"}, status=404)
        if not request.query.get("sql", "").strip():
            return web.json_response({"result": None, "error": "sql is required"}, status=400)
        now_us = int(time.time() * 1_000_000)  # the API's timestamps are microseconds since the epoch
        messages = [m for drill in sorted(board.active) for m in DRILL_ROWS.get(drill, [])] or QUIET
        rows = [{"timestamp": now_us - n * 7_000_000, "event_message": m} for n, m in enumerate(messages)]
        return web.json_response({"result": rows, "error": None})

    app.router.add_get("/v1/projects/{ref}/analytics/endpoints/logs.all", logs)
