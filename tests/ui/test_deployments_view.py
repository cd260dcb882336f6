"""The Deployments view: `D` opens it over the dashboard (built then, not on the first frame), the rows read from
Vercel, Netlify and git with age, status, target, commit and creator, those of the last 2 hours marked, the one
production serves starred; each source's state in its own line, a failing one said so with how old its rows are;
`D` or escape closes it; no token on screen."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from textual.widgets import DataTable, Input, OptionList
from textual.widgets.data_table import ColumnKey, RowKey
from textual.worker import WorkerState

from screens.app import TessaApp
from screens.dashboard.dashboard_screen import DashboardScreen
from screens.deployments.deployments_screen import DeploymentsScreen
from screens.incident.incident_screen import IncidentScreen
from screens.incident.step_dialogs import AskValues, ConfirmRun
from screens.messages import DeploymentsPolled
from tessa_tui.config.load import load_config
from tessa_tui.deployments.model import Deployment, DeploymentsUpdate, SourceReading
from tessa_tui.incidents.incident import describe_event
from tests.deployment_contract_servers import SECRETS, DeploymentServers
from tests.ui.screen_text import screen_text, wait_until

SIZE = (180, 40)
NOW = datetime(2026, 1, 21, 14, 0, tzinfo=UTC)


def _app(tmp_path: Path, servers: DeploymentServers | None = None, *, live: bool = False) -> TessaApp:
    config = tmp_path / "tessa.yaml"
    section = (
        {"sources": servers.sources(), "interval": "5s"}
        if servers
        else {"sources": [{"name": "app", "git": {"path": "/nowhere"}}]}
    )
    config.write_text(
        f"platform: Tessa\njournal: {{path: '{tmp_path / 'journal.sqlite3'}'}}\ndeployments: {json.dumps(section)}\n",
        encoding="utf-8",
    )
    environ = servers.environ() if servers else {}
    return TessaApp(
        load_config(config, environ=environ), live=live, clock=lambda: NOW if not live else datetime.now(UTC)
    )


def _deployment(source: str, id_: str, minutes: float, **fields: object) -> Deployment:
    base: dict[str, object] = {
        "kind": "vercel",
        "status": "ready",
        "target": "production",
        "sha": "a1b2c3d4e5f6",
        "message": f"release {id_}",
        "creator": "dana",
    }
    base.update(fields)
    return Deployment(source=source, id=id_, created_at=NOW - timedelta(minutes=minutes), **base)  # type: ignore[arg-type]


def _update() -> DeploymentsUpdate:
    web = SourceReading(
        "web",
        "vercel",
        "ok",
        (
            _deployment("web", "dpl_new", 25, current=True, message="feat: [red]not markup[/red] \\e]0;x"),
            _deployment("web", "dpl_failed", 90, status="error"),
            _deployment("web", "dpl_old", 600),
        ),
        read_at=NOW - timedelta(seconds=20),
    )
    docs = SourceReading(
        "docs",
        "netlify",
        "rate-limited",
        (_deployment("docs", "64f0aa", 300, kind="netlify", creator=""),),
        error="Netlify: HTTP 429: rate-limited (Retry-After 120s)",
        read_at=NOW - timedelta(minutes=5),
        failing_since=NOW - timedelta(minutes=1),
        retry_at=NOW + timedelta(minutes=1),
    )
    return DeploymentsUpdate((web, docs), NOW, timedelta(hours=2))


async def test_d_opens_the_view_on_first_use_and_shows_the_rows_marks_and_source_states(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert not any(isinstance(s, DeploymentsScreen) for s in app.screen_stack)  # not built for the first frame
        await pilot.press("D")
        await wait_until(pilot, lambda: isinstance(app.screen, DeploymentsScreen))
        screen = app.screen
        assert "reading…" in screen_text(app)
        screen.post_message(DeploymentsPolled(_update()))
        await wait_until(pilot, lambda: "dpl_old" in screen_text(app))
        text = screen_text(app)
        assert "▲ 2 deployments in the last 2h: the first suspects" in text
        assert "not read now: docs" in text
        rows = [line for line in text.splitlines() if "dpl_" in line or "64f0aa" in line]
        assert [("dpl_new" in r, "dpl_failed" in r, "dpl_old" in r, "64f0aa" in r) for r in rows] == [
            (True, False, False, False),
            (False, True, False, False),
            (False, False, False, True),
            (False, False, True, False),
        ]  # newest first, across sources
        new, failed, docs, old = rows
        assert "25m" in new and "▲ last 2h" in new and "● ready" in new and "production ★ current" in new
        assert "a1b2c3d" in new and "dana" in new and "web" in new
        assert "[red]not markup[/red]" in new  # outside text is text
        assert "1h" in failed and "▲ last 2h" in failed and "✖ error" in failed
        assert "▲" not in old and "10h" in old
        assert "5h" in docs and "docs" in docs
        assert "● ok · web (vercel): 3 deployments, read <1m ago" in text
        assert (
            "▲ rate-limited · docs (netlify) since 13:59:00 UTC: Netlify: HTTP 429: rate-limited (Retry-After 120s); "
            "asked again at 14:01:00 UTC; no data since 13:55:00 UTC"
        ) in text
        await pilot.press("D")
        await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("D")
        await wait_until(pilot, lambda: isinstance(app.screen, DeploymentsScreen))
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen))


async def test_ages_move_on_with_the_tick_repainting_only_the_cells_that_changed(tmp_path: Path) -> None:
    now = [NOW]
    app = _app(tmp_path)
    app.clock = lambda: now[0]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("D")
        await wait_until(pilot, lambda: isinstance(app.screen, DeploymentsScreen))
        screen = app.screen
        assert isinstance(screen, DeploymentsScreen)
        screen._clock = lambda: now[0]
        screen.post_message(DeploymentsPolled(_update()))
        await wait_until(pilot, lambda: "dpl_old" in screen_text(app))
        table = screen.query_one("#deploys-table", DataTable)
        updated: list[tuple[object, object]] = []
        original = table.update_cell

        def spy(row_key: RowKey | str, column_key: ColumnKey | str, value: Any, *, update_width: bool = False) -> None:
            updated.append((row_key, column_key))
            original(row_key, column_key, value, update_width=update_width)

        table.update_cell = spy  # type: ignore[method-assign]
        screen.tick()  # the same second: nothing changed, nothing repainted
        assert updated == []
        now[0] = NOW + timedelta(minutes=40)  # dpl_failed passes 2 hours: its age and its mark change
        screen.tick()
        await pilot.pause()
        assert ("web/dpl_failed", "Recent") in updated and ("web/dpl_new", "Age") in updated
        assert {column for _, column in updated} <= {"Age", "Recent"}
        failed = next(line for line in screen_text(app).splitlines() if "dpl_failed" in line)
        assert "▲" not in failed and "2h" in failed


async def test_ten_thousand_deployments_show_the_newest_rows_only_and_say_how_many_more(tmp_path: Path) -> None:
    # Many sources times `limit`: 10,000 rows had the tick re-key every cell each second (0.9 s of the loop).
    sources = tuple(
        SourceReading(
            name,
            "vercel",
            "ok",
            tuple(_deployment(name, f"{name}_{i:04d}", 2 * i + n, message="m" * 200) for i in range(5000)),
            read_at=NOW,
        )
        for n, name in enumerate(("web", "api"))
    )
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("D")
        await wait_until(pilot, lambda: isinstance(app.screen, DeploymentsScreen))
        screen = app.screen
        assert isinstance(screen, DeploymentsScreen)
        screen.post_message(DeploymentsPolled(DeploymentsUpdate(sources, NOW, timedelta(hours=2))))
        table = screen.query_one("#deploys-table", DataTable)
        await wait_until(pilot, lambda: table.row_count > 0)
        assert table.row_count == 200
        assert [str(key.value) for key in list(table.rows)[:3]] == ["web/web_0000", "api/api_0000", "web/web_0001"]
        text = screen_text(app)
        assert "▲ 121 deployments in the last 2h" in text  # counted over all, not only those shown
        assert "the newest 200 of 10000 shown (tessa-tui deployments lists all)" in text


async def test_the_view_reads_the_configured_sources_itself_and_shows_no_token(
    tmp_path: Path, deployment_servers: DeploymentServers
) -> None:
    app = _app(tmp_path, deployment_servers, live=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("D")
        await wait_until(
            pilot, lambda: "dpl_3Lr6Uv5Be" in screen_text(app) and "64f0c1a2b3d4e5f6a7b8c9d2" in screen_text(app)
        )
        text = screen_text(app)
        assert "production ★ current" in text and "release: frontend 1.42.0" in text
        assert "● ok · web (vercel)" in text and "● ok · docs (netlify)" in text
        for secret in SECRETS:
            assert secret not in text
        assert watching(app)
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await wait_until(pilot, lambda: not watching(app))  # closed: its watcher stopped with it


def watching(app: TessaApp) -> bool:
    return any(w.group == "deployments" and w.state == WorkerState.RUNNING for w in app.workers)


async def test_without_sources_the_view_says_how_to_add_them(tmp_path: Path) -> None:
    config = tmp_path / "tessa.yaml"
    config.write_text("platform: Tessa\n", encoding="utf-8")
    app = TessaApp(load_config(config, environ={}), live=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("D")
        await wait_until(pilot, lambda: "No deployment sources configured" in screen_text(app))


async def test_the_promote_step_asks_which_deployment_confirms_by_its_word_and_records_the_proof(
    tmp_path: Path, deployment_servers: DeploymentServers
) -> None:
    app = _app(tmp_path, deployment_servers)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.desk.book is not None)
        book = app.desk.book
        assert book is not None
        await app.desk.record(book.declare("SEV1", "Checkout returns 500", runbooks=["rollback-frontend"]))
        app.action_open_incident("INC-1")
        await wait_until(pilot, lambda: 'Click "Promote to Production"' in screen_text(app))
        screen = app.screen
        assert isinstance(screen, IncidentScreen)
        listing = screen.query_one("#checklist", OptionList)
        listing.highlighted = listing.get_option_index("step:rollback-frontend:promote")
        await pilot.pause()
        await pilot.press("g")
        await wait_until(pilot, lambda: isinstance(app.screen, AskValues))
        assert "{deployment_id}: a deployment's id (the Deployments view, D, lists them)" in screen_text(app)
        assert app.screen.query_one(Input).value == "previous"  # prefilled: the one before the current
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmRun))
        confirm = app.screen
        assert isinstance(confirm, ConfirmRun)
        shown = "Vercel: promote the previous production deployment to production, then re-read until it serves it"
        assert confirm.command == shown
        await wait_until(pilot, lambda: "Vercel: promote the previous production deployment" in screen_text(app))
        assert deployment_servers.received("vercel") == []  # nothing sent before the word
        await pilot.press(*"promote", "enter")
        await wait_until(pilot, lambda: any(e.kind == "action_output" for e in book.get("INC-1").events))
        recorded = next(e for e in book.get("INC-1").events if e.kind == "action_output")
        assert recorded.data["ok"] is True and recorded.data["ticks"] is True
        assert recorded.data["status"].startswith("Vercel: production is now dpl_8Hw3Np2Yb (was dpl_3Lr6Uv5Be)")
        assert deployment_servers.vercel.history.current == "dpl_8Hw3Np2Yb"
        # The timeline's line ends on the tick: the proof is the re-read, there is no expectation text to quote
        # (it said "ticked ()" with empty brackets).
        assert describe_event(recorded).endswith("a re-read confirms it ✔ expected · ticked")
        ticked = '[x] Click "Promote to Production"'
        await wait_until(pilot, lambda: ticked in screen_text(app) and "Vercel: production is now" in screen_text(app))
