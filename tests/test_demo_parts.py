"""The demo platform's parts that need no database: drills, vendor pages, logs, HTTP routes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from aiohttp import web

from tessa_tui.checks.statuspage_status import parse_statuspage
from tessa_tui.config.load import load_config
from tessa_tui.config.model import TessaConfig
from tessa_tui.demo import vendor_pages
from tessa_tui.demo.demo_config import demo_environment, write_demo_config
from tessa_tui.demo.drills import DRILL_NAMES, DrillBoard
from tessa_tui.demo.log_writer import LogWriter
from tessa_tui.demo.web import build_app
from tessa_tui.integrations import pagerduty, slack
from tessa_tui.integrations import statuspage_incidents as statuspage_api


def test_every_seed_common_issue_has_a_drill() -> None:
    seed_issues = {"service-unavailable", "login-failures", "ai-chat", "db-slow", "sync-failures"}
    assert set(DRILL_NAMES) == seed_issues | {"bad-deploy"}  # and the frontend rollback's (seed section 6)
    with pytest.raises(ValueError, match="unknown drill 'nope'"):
        DrillBoard().start("nope")


@pytest.mark.parametrize(
    ("vendor", "drill", "state"), [("openai", "ai-chat", "down"), ("supabase", "login-failures", "degraded")]
)
def test_vendor_pages_follow_the_drills(vendor: str, drill: str, state: str) -> None:
    board = DrillBoard()
    started = datetime.now(UTC)
    assert parse_statuspage(vendor_pages.summary(vendor, board, started)).state == "up"
    board.start(drill)
    broken = parse_statuspage(vendor_pages.summary(vendor, board, started))
    assert broken.state == state
    assert broken.incidents and broken.incidents[0].status == "investigating"
    assert len(broken.components) == 1
    assert parse_statuspage(vendor_pages.status(vendor, board, started)).incidents is None
    board.clear()
    assert parse_statuspage(vendor_pages.summary(vendor, board, started)).state == "up"


def test_log_writer_writes_json_lines_and_error_bursts(tmp_path: Path) -> None:
    board = DrillBoard()
    writer = LogWriter(tmp_path, board, seed=1)
    for _ in range(50):
        writer.write_batch()
    quiet = [json.loads(line) for line in (tmp_path / "app.log").read_text().splitlines()]
    assert all({"time", "level", "msg"} <= set(record) for record in quiet)
    board.start("service-unavailable")
    board.start("ai-chat")
    for _ in range(10):
        writer.write_batch()
    app_errors = [json.loads(x) for x in (tmp_path / "app.log").read_text().splitlines()[len(quiet) :]]
    edge = [json.loads(x) for x in (tmp_path / "edge-functions.log").read_text().splitlines()]
    assert sum(r.get("drill") == "service-unavailable" for r in app_errors) == 10
    assert sum(r.get("drill") == "ai-chat" and r["level"] == "error" for r in edge) == 10


def test_log_writer_rotates_by_rename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tessa_tui.demo.log_writer.ROTATE_BYTES", 2000)
    writer = LogWriter(tmp_path, DrillBoard(), seed=2)
    for _ in range(40):
        writer.write_batch()
    assert (tmp_path / "app.log.1").exists()
    assert (tmp_path / "app.log").stat().st_size <= 2000 + 1000


@pytest.fixture
async def platform() -> AsyncIterator[tuple[str, DrillBoard]]:
    board = DrillBoard()
    backlog = {"rows": 3}

    async def database_probe() -> tuple[bool, str]:
        return ("db-slow" not in board), "1.0" if "db-slow" not in board else "statement timeout"

    async def backlog_probe() -> int:
        return backlog["rows"] + (500 if "sync-failures" in board else 0)

    runner = web.AppRunner(build_app(board, database_probe, backlog_probe))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}", board
    await runner.cleanup()


async def test_routes_break_and_recover_with_drills(platform: tuple[str, DrillBoard]) -> None:
    base, board = platform
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        healthy = {
            p: (await client.get(p)).status_code for p in ("/health", "/health/database", "/functions/v1/sync/health")
        }
        assert set(healthy.values()) == {200}
        assert (await client.get("/functions/v1/auth/health")).json()["failed_login_rate"] < 0.1
        for name in DRILL_NAMES:
            assert (await client.post(f"/_demo/drills/{name}")).status_code == 200
        assert set((await client.get("/_demo/drills")).json()["active"]) == set(DRILL_NAMES)
        assert (await client.get("/health")).status_code == 503
        assert (await client.get("/health/database")).status_code == 503
        assert (await client.get("/functions/v1/sync/health")).json()["backlog"] >= 100
        assert (await client.get("/functions/v1/auth/health")).json()["failed_login_rate"] > 0.1
        assert (await client.get("/functions/v1/chat/health")).status_code == 504
        assert (await client.get("/vendors/openai/api/v2/summary.json")).json()["status"]["indicator"] == "major"
        assert (await client.post("/_demo/drills/all-clear")).json() == {"active": []}
        assert (await client.get("/health")).status_code == 200
        assert (await client.post("/_demo/drills/bogus")).status_code == 404
        assert not board.active


def demo_config_for(base: str, folder: Path) -> TessaConfig:
    """The config `tessa-tui demo` writes, for a platform at `base`, loaded with the demo's environment."""
    dsn = "postgresql://tessa@127.0.0.1:9/tessa"
    path = write_demo_config(folder, base_url=base, dsn=dsn, journal_dsn=dsn.replace("/tessa", "/journal"))
    return load_config(path, environ=demo_environment()).config


async def test_the_simulated_pagerduty_pages_per_drill_and_moves_like_pagerduty(
    platform: tuple[str, DrillBoard], tmp_path: Path
) -> None:
    base, board = platform
    config = demo_config_for(base, tmp_path)
    assert await pagerduty.list_incidents(config) == []
    board.start("ai-chat")
    board.start("ai-chat")  # still open: deduplicated, not paged twice
    board.start("db-slow")
    listed = await pagerduty.list_incidents(config)
    assert [(i.status, i.service) for i in listed] == [("triggered", "Tessa AI Platform (demo)")] * 2
    chat = next(i for i in listed if "AI Chat" in i.title)
    acked = await pagerduty.set_status(config, chat.id, "acknowledged")
    assert (acked.status, acked.body["incident"]["status"]) == (200, "acknowledged")
    resolved = await pagerduty.set_status(config, chat.id, "resolved")
    assert resolved.ok and resolved.body["incident"]["status"] == "resolved"
    again = await pagerduty.set_status(config, chat.id, "acknowledged")  # a resolved incident stays resolved
    assert again.status == 400 and "Incident Already Resolved" in again.error
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        shown = (await client.get("/_demo/pagerduty")).json()["incidents"]
    assert {i["id"]: i["status"] for i in shown}[chat.id] == "resolved"
    assert [i.title for i in await pagerduty.list_incidents(config)] == [next(i.title for i in listed if i != chat)]
    board.start("ai-chat")  # resolved, so the drill pages again: a new incident
    assert len(await pagerduty.list_incidents(config)) == 2
    # The Events API: acknowledge and resolve by dedup key; an unknown key is accepted and changes nothing.
    events = await pagerduty.events_v2(config, "demo-drill-db-slow", "resolve")
    assert (events.status, events.body["status"]) == (202, "success")
    assert {i.title for i in await pagerduty.list_incidents(config)} == {chat.title}
    assert (await pagerduty.events_v2(config, "no-such-alert", "acknowledge")).status == 202


async def test_the_simulated_vendors_refuse_what_the_real_ones_refuse(platform: tuple[str, DrillBoard]) -> None:
    base, _ = platform
    env = demo_environment()
    pd_auth = {"Authorization": f"Token token={env['TESSA_DEMO_PAGERDUTY_TOKEN']}", "Accept": pagerduty.ACCEPT}
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        assert (
            await client.get("/pagerduty/api/incidents", headers={**pd_auth, "Authorization": "Token token=x"})
        ).json()["error"]["code"] == 2006
        assert (await client.get("/pagerduty/api/incidents", headers={**pd_auth, "Accept": "*/*"})).status_code == 400
        no_from = await client.put("/pagerduty/api/incidents/PDEMO01", headers=pd_auth, json={})
        assert no_from.json()["error"]["errors"] == ["Requester User Not Found"]
        unknown = await client.put("/pagerduty/api/incidents/P0", headers={**pd_auth, "From": "a@b.c"}, json={})
        assert unknown.status_code == 404
        bad_key = await client.post(
            "/pagerduty/events/v2/enqueue", json={"routing_key": "x", "event_action": "resolve"}
        )
        assert (bad_key.status_code, bad_key.json()["status"]) == (400, "invalid event")
        slack = "/slack/api/chat.postMessage"
        assert (await client.post(slack, json={"channel": "#incidents", "text": "x"})).json()["error"] == "not_authed"
        bearer = {"Authorization": f"Bearer {env['TESSA_DEMO_SLACK_BOT_TOKEN']}"}
        wrong_channel = await client.post(slack, headers=bearer, json={"channel": "#random", "text": "x"})
        assert (wrong_channel.status_code, wrong_channel.json()) == (200, {"ok": False, "error": "channel_not_found"})
        assert (await client.post("/slack/services/T1/B1/wrong", json={"text": "x"})).status_code == 403
        sp = "/statuspage/api/pages/tessademo/incidents"
        oauth = {"Authorization": f"OAuth {env['TESSA_DEMO_STATUSPAGE_TOKEN']}"}
        assert (await client.post(sp, json={"incident": {}})).status_code == 401
        blank = await client.post(sp, headers=oauth, json={"incident": {"status": "nope", "components": {"x": "up"}}})
        assert blank.status_code == 422
        assert set(blank.json()["error"]) == {
            "Name can't be blank",
            "Status is not included in the list",
            "Components are not on this page",
        }
        assert (
            await client.patch(f"{sp}/demo9999", headers=oauth, json={"incident": {"status": "resolved"}})
        ).status_code == 404
        assert (await client.get("/_demo/slack")).json() == {"channel": "#incidents", "messages": []}


async def test_slack_and_status_page_posts_show_in_the_demo(platform: tuple[str, DrillBoard], tmp_path: Path) -> None:
    base, _ = platform
    config = demo_config_for(base, tmp_path)
    posted = await slack.post_message(config, ":rotating_light: SEV1 declared INC-1")
    assert posted.ok and posted.body["ok"] is True
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        channel = (await client.get("/_demo/slack")).json()
        page = f"{base}/status"
        assert parse_statuspage((await client.get("/status/api/v2/summary.json")).json()).state == "up"
        created = await statuspage_api.save_incident(
            config,
            incident_id=None,
            name="Frontend down",
            status="investigating",
            body="Looking",
            components={"cmp-frontend": "major_outage"},
        )
        assert created.status == 201 and created.body["shortlink"]
        down = parse_statuspage((await client.get("/status/api/v2/summary.json")).json())
        resolved = await statuspage_api.save_incident(
            config,
            incident_id=created.body["id"],
            name="Frontend down",
            status="resolved",
            body="Fixed",
            components={"cmp-frontend": "operational"},
        )
        assert resolved.status == 200
        healed = parse_statuspage((await client.get("/status/api/v2/summary.json")).json())
    assert [m["text"] for m in channel["messages"]] == [":rotating_light: SEV1 declared INC-1"]
    assert down.state == "down" and down.incidents and down.incidents[0].name == "Frontend down"
    assert [c.name for c in down.components] == ["Frontend"]
    assert healed.state == "up" and not healed.incidents
    assert config.services and any(s.statuspage == page for s in config.services)  # the services pane watches it
