"""The logs pane with remote sources: a Supabase source's rows arrive in the same view, counts and filter as a
file's; the state line says each remote source's state and since when (a refused Loki source names its setting);
hostile rows reach the screen as escapes, never as markup; no credential reaches the screen."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from screens.app import TessaApp
from screens.dashboard.logs_pane import LogsPane
from tessa_tui.config.load import load_config
from tessa_tui.demo.supabase_api_sim import function_event
from tests.logs_contract_servers import SECRETS, LogsServers
from tests.ui.screen_text import screen_text, wait_until


async def test_remote_rows_and_the_state_line(logs_servers: LogsServers, write_config: Callable[[str], Path]) -> None:
    now = datetime.now(UTC)
    at = int((now - timedelta(minutes=2)).timestamp() * 1_000_000)
    logs_servers.add(function_event("chat", "error", "upstream timeout after 30000ms", at))
    logs_servers.add(function_event("chat", "warn", "\x1b]0;pwned\x07slow [bold]reply[/] \x1b[2J", at + 1000))
    logs_servers.fail("loki", 401, times=50)  # every poll of this one is refused
    functions = "select id, timestamp, event_message, metadata from function_logs"
    sources = [logs_servers.supabase_source(sql=functions), logs_servers.loki_source(token="${LOKI_TOKEN}")]
    path = write_config(f"platform: Tessa\nlogs: {json.dumps(sources)}\n")
    app = TessaApp(load_config(path, environ=logs_servers.environ()))
    async with app.run_test(size=(160, 44)) as pilot:
        pane = app.screen.query_one(LogsPane)
        await wait_until(pilot, lambda: pane.counts["error"] == 1 and pane.counts["warn"] == 1)
        await pilot.press("3", "z")
        await wait_until(pilot, lambda: "upstream timeout" in screen_text(app) and "loki failing" in screen_text(app))
        shown = screen_text(app)
        assert "ERROR platform   chat: upstream timeout after 30000ms" in shown
        assert "\\e]0;pwned\\x07slow [bold]reply[/] \\e[2J" in shown  # visible escapes; the markup as typed
        since = f"since {datetime.now(UTC):%H}:"
        live = next(line for line in shown.splitlines() if "platform live" in line)
        assert "● platform live " + since in live
        failing = next(line for line in shown.splitlines() if "loki failing" in line)
        assert "✖ loki failing " + since in failing
        assert "Loki: HTTP 401: the credential was not accepted" in failing
        assert "check `logs[loki].loki.token`" in shown
        for secret in SECRETS:
            assert secret not in shown
        # The same filter as a file's rows: `/` and a word keeps the platform's error only.
        await pilot.press("slash", *"timeout", "enter")
        await wait_until(pilot, lambda: "slow" not in screen_text(app).split("loki failing")[-1])
        assert "upstream timeout" in screen_text(app)


async def test_healthy_remote_sources_share_one_line_and_a_failing_one_keeps_its_own(
    logs_servers: LogsServers, write_config: Callable[[str], Path]
) -> None:
    """Three live sources cost the pane one row, not three; the one that needs a look is on a line of its own; a
    source name longer than the usual column (edge-functions) is shown whole."""
    at = int((datetime.now(UTC) - timedelta(minutes=1)).timestamp() * 1_000_000)
    logs_servers.add(function_event("chat", "error", "upstream timeout after 30000ms", at))
    functions = "select id, timestamp, event_message, metadata from function_logs"
    sources = [
        logs_servers.supabase_source("edge", sql=functions.replace("function_logs", "edge_logs")),
        logs_servers.supabase_source("edge-functions", sql=functions),
        logs_servers.supabase_source("postgres", sql=functions.replace("function_logs", "postgres_logs")),
        logs_servers.loki_source(token="${LOKI_TOKEN}"),
    ]
    logs_servers.fail("loki", 503, times=50)
    path = write_config(f"platform: Tessa\nlogs: {json.dumps(sources)}\n")
    app = TessaApp(load_config(path, environ=logs_servers.environ()))
    async with app.run_test(size=(160, 44)) as pilot:
        await pilot.press("3", "z")
        await wait_until(pilot, lambda: "● edge, edge-functions, postgres live" in screen_text(app))
        await wait_until(pilot, lambda: "upstream timeout" in screen_text(app))
        shown = screen_text(app)
        row = next(line for line in shown.splitlines() if "upstream timeout" in line)
        assert "ERROR edge-functions chat: upstream timeout after 30000ms" in row, row  # the whole name
        assert "loki failing since" in shown
        assert not any(line.strip().startswith("● edge live") for line in shown.splitlines())


async def test_three_failing_sources_each_keep_a_row_of_the_state_lines(
    logs_servers: LogsServers, write_config: Callable[[str], Path]
) -> None:
    """Seen with the demo's three Supabase sources refused at 120 columns: each failing line wrapped to two rows,
    the four rows of state lines showed two sources and not the third at all. Now, when wrapped lines would not
    fit, each source keeps one row, cut with `…`; where they fit (a wide terminal, `z`) they wrap whole again."""
    logs_servers.fail("supabase", 401, times=500)
    functions = "select id, timestamp, event_message, metadata from function_logs"
    sources = [
        logs_servers.supabase_source("edge", sql=functions.replace("function_logs", "edge_logs")),
        logs_servers.supabase_source("edge-functions", sql=functions),
        logs_servers.supabase_source("postgres", sql=functions.replace("function_logs", "postgres_logs")),
    ]
    path = write_config(f"platform: Tessa\nlogs: {json.dumps(sources)}\n")
    app = TessaApp(load_config(path, environ=logs_servers.environ()))
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.screen.query_one(LogsPane)
        await wait_until(pilot, lambda: sum(state == "failing" for state, _ in pane._remote.values()) == 3)
        await wait_until(pilot, lambda: "✖ postgres failing since" in screen_text(app))
        shown = screen_text(app)
        for name in ("edge", "edge-functions", "postgres"):
            assert f"✖ {name} failing since" in shown
        assert "…" in shown  # cut, not wrapped out of sight
        await pilot.resize_terminal(240, 50)
        await pilot.press("3", "z")  # wide enough to wrap them whole: the setting to check is readable again
        await wait_until(pilot, lambda: "check `logs[postgres].supabase.token`" in screen_text(app))
        for secret in SECRETS:
            assert secret not in screen_text(app)
