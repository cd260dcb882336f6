"""The demo platform's HTTP side (aiohttp): frontend health, edge functions, vendor status pages, drill control."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from aiohttp import web

from tessa_tui.demo import supabase_api_sim, vendor_pages
from tessa_tui.demo.demo_config import DEMO_ENV, SLACK_WEBHOOK_SECRET
from tessa_tui.demo.deployments_sim import BAD_ERROR, BadDeployDrill, NetlifySim, VercelSim
from tessa_tui.demo.drills import ALL_CLEAR, DRILL_NAMES, DrillBoard
from tessa_tui.demo.pagerduty_sim import PagerDutySim
from tessa_tui.demo.slack_sim import CHANNEL, SlackSim
from tessa_tui.demo.statuspage_sim import StatuspageSim

# Returns (ok, detail) for /health/database; the platform runs it against the real PostgreSQL.
DatabaseProbe = Callable[[], Awaitable[tuple[bool, str]]]
# Returns the number of sync_queue rows waiting or failed.
BacklogProbe = Callable[[], Awaitable[int]]


def build_app(
    board: DrillBoard,
    database_probe: DatabaseProbe,
    backlog_probe: BacklogProbe,
    supabase_logs: supabase_api_sim.SupabaseLogsSim | None = None,
) -> web.Application:
    """All routes of the simulated Tessa platform, and of the PagerDuty, Slack and Statuspage it works with;
    `supabase_logs`: the log store the Management API's log query answers from (the log writer fills it)."""
    started = datetime.now(UTC)
    boot = time.monotonic()
    routes = web.RouteTableDef()

    async def latency(low_ms: float, high_ms: float) -> None:
        await asyncio.sleep(random.uniform(low_ms, high_ms) / 1000)

    @routes.get("/health")
    async def health(_: web.Request) -> web.Response:
        await latency(5, 40)
        if "service-unavailable" in board:
            return web.json_response({"status": "unavailable", "error": "no healthy upstream"}, status=503)
        if bad_deploy.broken():  # what production serves: the bad-deploy drill's release until rolled back
            return web.json_response(
                {"status": "error", "error": BAD_ERROR, "version": bad_deploy.version()}, status=500
            )
        uptime = round(time.monotonic() - boot)
        return web.json_response({"status": "ok", "version": bad_deploy.version() or "1.42.0", "uptime_s": uptime})

    @routes.get("/health/database")
    async def health_database(_: web.Request) -> web.Response:
        ok, detail = await database_probe()
        if not ok:
            return web.json_response({"status": "error", "error": detail}, status=503)
        return web.json_response({"status": "ok", "latency_ms": detail})

    @routes.get("/functions/v1/chat/health")
    async def chat_health(_: web.Request) -> web.Response:
        if "ai-chat" in board:
            await latency(2500, 3000)
            return web.json_response({"status": "error", "error": "openai: upstream timeout"}, status=504)
        await latency(80, 250)
        return web.json_response({"status": "ok", "model": "gpt-4o-mini"})

    @routes.get("/functions/v1/sync/health")
    async def sync_health(_: web.Request) -> web.Response:
        await latency(20, 60)
        backlog = await backlog_probe()
        if backlog < 0:
            return web.json_response({"status": "error", "error": "database unreachable"}, status=503)
        status = "error" if backlog >= 100 else "ok"
        return web.json_response({"status": status, "backlog": backlog}, status=500 if backlog >= 100 else 200)

    @routes.get("/functions/v1/auth/health")
    async def auth_health(_: web.Request) -> web.Response:
        await latency(10, 50)
        rate = 0.35 if "login-failures" in board else 0.02
        return web.json_response({"status": "ok", "failed_login_rate": rate})

    # The Supabase API routes the runbooks' steps ask (api_url is the demo's base URL).

    @routes.get("/auth/v1/health")
    async def gotrue_health(request: web.Request) -> web.Response:
        if not request.headers.get("apikey"):
            return web.json_response({"message": "No API key found in request"}, status=401)
        await latency(5, 30)
        description = "GoTrue is a user registration and authentication API"
        return web.json_response({"version": "v2.170.0", "name": "GoTrue", "description": description})

    @routes.get("/rest/v1/")
    async def postgrest_root(_: web.Request) -> web.Response:
        await latency(5, 30)
        ok, _detail = await database_probe()
        if not ok:
            return web.json_response({"message": "Database client error. Retrying the connection."}, status=503)
        return web.json_response(
            {"swagger": "2.0", "info": {"title": "PostgREST API", "version": "12.2.3"}, "paths": {"/": {}}}
        )

    @routes.get("/vendors/{vendor}/api/v2/{document}")
    async def vendor(request: web.Request) -> web.Response:
        name, document = request.match_info["vendor"], request.match_info["document"]
        if name not in vendor_pages.COMPONENTS or document not in {"summary.json", "status.json"}:
            raise web.HTTPNotFound()
        build = vendor_pages.summary if document == "summary.json" else vendor_pages.status
        return web.json_response(build(name, board, started))

    @routes.get("/_demo/drills")
    async def drills(_: web.Request) -> web.Response:
        return web.json_response({"active": sorted(board.active), "drills": list(DRILL_NAMES)})

    @routes.post("/_demo/drills/{name}")
    async def start_drill(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name == ALL_CLEAR:
            board.clear()
        elif name in DRILL_NAMES:
            board.start(name)
        else:
            return web.json_response({"error": f"unknown drill {name!r}", "drills": list(DRILL_NAMES)}, status=404)
        return web.json_response({"active": sorted(board.active)})

    @routes.get("/_demo/slack")
    async def slack_channel(_: web.Request) -> web.Response:
        return web.json_response({"channel": CHANNEL, "messages": slack.messages})

    @routes.get("/_demo/pagerduty")
    async def pagerduty_incidents(_: web.Request) -> web.Response:
        return web.json_response({"incidents": list(pagerduty.incidents.values())})

    pagerduty = PagerDutySim(DEMO_ENV["TESSA_DEMO_PAGERDUTY_TOKEN"], DEMO_ENV["TESSA_DEMO_PAGERDUTY_ROUTING_KEY"])
    slack = SlackSim(DEMO_ENV["TESSA_DEMO_SLACK_BOT_TOKEN"], SLACK_WEBHOOK_SECRET)
    statuspage = StatuspageSim(DEMO_ENV["TESSA_DEMO_STATUSPAGE_TOKEN"])
    board.on_start.append(pagerduty.drill_started)
    vercel = VercelSim(DEMO_ENV["TESSA_DEMO_VERCEL_TOKEN"])
    netlify = NetlifySim(DEMO_ENV["TESSA_DEMO_NETLIFY_TOKEN"])
    bad_deploy = BadDeployDrill(board, vercel)
    app = web.Application()
    app.add_routes(routes)
    pagerduty.add_routes(app, "/pagerduty/api", "/pagerduty/events")
    slack.add_routes(app, "/slack/api", "/slack/services")
    statuspage.add_routes(app, "/statuspage/api", "/status")
    (supabase_logs or supabase_api_sim.SupabaseLogsSim()).add_routes(app)
    vercel.add_routes(app, "/vercel")
    netlify.add_routes(app, "/netlify")
    return app
