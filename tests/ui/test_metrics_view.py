"""The Metrics view: `M` opens it over the dashboard (built then, not on the first frame), one tile per series with
value and unit, trend, state as symbol + word and data age; each source's state in its own line, a failing one
said so; a tile repainted only when its text changes, a value going stale with the tick; the watcher running only
while the view is open; `M`, escape and `:metrics`; no credential on screen."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

from textual.widgets import Static
from textual.worker import WorkerState

from screens.app import TessaApp
from screens.dashboard.dashboard_screen import DashboardScreen
from screens.messages import MetricsPolled
from screens.metrics.metrics_screen import MetricsScreen
from tessa_tui.config.load import load_config
from tessa_tui.demo.metrics_sim import DatabaseLoad, error_rate_query
from tessa_tui.metrics.model import MetricsUpdate, SeriesReading, SourceReading
from tests.metrics_contract_servers import PROM_TOKEN, SECRET_KEY, MetricsServers
from tests.ui.screen_text import screen_text, wait_until

SIZE = (160, 40)
NOW = datetime(2026, 1, 21, 14, 0, tzinfo=UTC)
SERIES = [
    {"name": "CPU", "source": "supabase", "select": "node_load1", "unit": "%", "warn-above": 50, "critical-above": 80},
    {"name": "Connections", "source": "supabase", "select": "pg_stat_database_num_backends", "critical-above": 50},
    {"name": "Error rate", "source": "prom", "query": error_rate_query("5m"), "scale": 100, "unit": "%"},
]


def _app(tmp_path: Path, servers: MetricsServers | None = None, *, live: bool = False) -> TessaApp:
    config = tmp_path / "tessa.yaml"
    sources = (
        servers.sources()
        if servers
        else [
            {"name": "supabase", "scrape": {"url": "http://127.0.0.1:9/m"}},
            {"name": "prom", "prometheus": {"url": "http://127.0.0.1:9"}},
        ]
    )
    section = {"sources": sources, "series": SERIES}
    config.write_text(
        f"platform: Tessa\njournal: {{path: '{tmp_path / 'journal.sqlite3'}'}}\nmetrics: {json.dumps(section)}\n",
        encoding="utf-8",
    )
    environ = servers.environ() if servers else {}
    return TessaApp(
        load_config(config, environ=environ), live=live, clock=lambda: NOW if not live else datetime.now(UTC)
    )


def _update() -> MetricsUpdate:
    fresh = NOW - timedelta(seconds=4)
    cpu = SeriesReading(
        "CPU", "supabase", "%", "cpu", 87.5, fresh, "critical", "87.5 % is above 80 %", (20.0, 40.0, 87.5), True
    )
    connections = SeriesReading("Connections", "supabase", "", None, 12.0, fresh, "ok", "", (10.0, 12.0), True)
    errors = SeriesReading(
        "Error rate", "prom", "%", None, math.nan, NOW - timedelta(minutes=2), "unknown", "source prom is refused"
    )
    sources = (
        SourceReading("supabase", "scrape", "ok", read_at=fresh, samples=200),
        SourceReading(
            "prom",
            "prometheus",
            "refused",
            "Prometheus API: HTTP 401: the credentials were not accepted; check `token` of "
            "`metrics.sources[prom].prometheus`",
            failing_since=NOW - timedelta(minutes=1),
        ),
    )
    return MetricsUpdate(sources, (cpu, connections, errors), NOW)


def watching(app: TessaApp) -> bool:
    return any(w.group == "metrics" and w.state == WorkerState.RUNNING for w in app.workers)


async def test_m_opens_the_view_on_first_use_with_tiles_states_and_source_lines(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert not any(isinstance(s, MetricsScreen) for s in app.screen_stack)  # not built for the first frame
        await pilot.press("M")
        await wait_until(pilot, lambda: isinstance(app.screen, MetricsScreen))
        assert "reading…" in screen_text(app)
        app.screen.post_message(MetricsPolled(_update()))
        await wait_until(pilot, lambda: "87.5 %" in screen_text(app))
        text = screen_text(app)
        assert "✖ critical: CPU  · not known now: Error rate" in text
        assert "CPU  ✖ critical" in text and "87.5 % is above 80 %" in text and "4s ago · supabase" in text
        assert "▁▃█" in text  # the trend
        assert "Connections  ● ok" in text
        assert "Error rate  ? unknown" in text and "NaN" in text and "source prom is refused" in text
        assert "● supabase (scrape): ok, read 4s ago" in text
        assert "✖ prom (prometheus): refused since 13:59:00 UTC: Prometheus API: HTTP 401" in text
        await pilot.press("M")
        await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("M")
        await wait_until(pilot, lambda: isinstance(app.screen, MetricsScreen))
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen))


async def test_the_tick_repaints_only_tiles_whose_text_changed_and_a_value_goes_stale(tmp_path: Path) -> None:
    now = [NOW]
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("M")
        await wait_until(pilot, lambda: isinstance(app.screen, MetricsScreen))
        screen = app.screen
        assert isinstance(screen, MetricsScreen)
        screen._clock = lambda: now[0]
        screen.post_message(MetricsPolled(_update()))
        await wait_until(pilot, lambda: "87.5 %" in screen_text(app))
        painted: list[str] = []
        for tile in screen.query(".metric-tile").results(Static):
            original = tile.update

            def spy(content: object = "", *, _tile: Static = tile, _original: object = original) -> None:
                painted.append(str(_tile.id))
                _original(content)  # type: ignore[operator]

            tile.update = spy  # type: ignore[method-assign,assignment]
        screen.tick()  # the same second: nothing changed, nothing repainted
        assert painted == []
        now[0] = NOW + timedelta(minutes=5)  # past 3 intervals: the scrape's values go stale
        screen.tick()
        await pilot.pause()
        assert set(painted) == {"tile-0", "tile-1", "tile-2"}  # every age moved
        text = screen_text(app)
        assert "CPU  ? unknown" in text and "stale: no new value for 304s" in text


async def test_the_view_reads_the_sources_itself_its_watcher_stops_when_closed_and_no_secret_shows(
    tmp_path: Path, metrics_servers: MetricsServers
) -> None:
    metrics_servers.state.load = DatabaseLoad(connections=55, active=0, commits=1, size_bytes=1)
    for n in range(50):
        metrics_servers.state.requests.record(500 if n < 5 else 200, 0.1)
    app = _app(tmp_path, metrics_servers, live=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(":")
        await pilot.press(*"metrics", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, MetricsScreen))
        await wait_until(pilot, lambda: "10 %" in screen_text(app) and "Connections  ✖ critical" in screen_text(app))
        text = screen_text(app)
        assert "● supabase (scrape): ok" in text and "● prom (prometheus): ok" in text
        for secret in (SECRET_KEY, PROM_TOKEN):
            assert secret not in text
        assert watching(app)
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await wait_until(pilot, lambda: not watching(app))  # closed: its watcher stopped with it


async def test_without_metrics_the_view_says_how_to_add_them(tmp_path: Path) -> None:
    config = tmp_path / "tessa.yaml"
    config.write_text("platform: Tessa\n", encoding="utf-8")
    app = TessaApp(load_config(config, environ={}), live=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("M")
        await wait_until(pilot, lambda: "No metrics configured" in screen_text(app))
        assert not watching(app)
