"""The Metrics view in a real terminal: `M` from the dashboard shows a tile per series read from a Supabase-style
scrape and a Prometheus API (value and unit, trend, state as symbol and word, age and source) and each source's
state; its hint (escape) and `M` close it, `:metrics` opens it. No credential reaches the screen."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tessa_tui.demo.metrics_sim import DatabaseLoad, error_rate_query
from tests.conftest import REPO
from tests.e2e.tmux_terminal import TmuxTerminal, require_tmux, terminal_env
from tests.metrics_contract_servers import PROM_TOKEN, SECRET_KEY, MetricsServers

pytestmark = pytest.mark.e2e

SERIES = [
    {"name": "Connections", "source": "supabase", "select": "pg_stat_database_num_backends", "critical-above": 50},
    {
        "name": "Memory available",
        "source": "supabase",
        "select": "node_memory_MemAvailable_bytes",
        "per": "node_memory_MemTotal_bytes",
        "scale": 100,
        "unit": "%",
        "warn-below": 20,
    },
    {"name": "Error rate", "source": "prom", "query": error_rate_query("5m"), "scale": 100, "unit": "%"},
]


def test_m_shows_the_tiles_and_source_states_and_closes_on_its_hints(
    terminal: TmuxTerminal, tmp_path: Path, metrics_servers: MetricsServers
) -> None:
    require_tmux()
    metrics_servers.state.load = DatabaseLoad(connections=57, active=0, commits=1, size_bytes=1)
    for n in range(40):
        metrics_servers.state.requests.record(500 if n < 2 else 200, 0.1)
    config = tmp_path / "tessa.yaml"
    section = {"sources": metrics_servers.sources(), "series": SERIES}
    config.write_text(
        "platform: Metrics\n"
        f"journal: {{path: '{tmp_path / 'journal.sqlite3'}', actor: e2e}}\n"
        f"metrics: {json.dumps(section)}\n",
        encoding="utf-8",
    )
    env = {**terminal_env(tmp_path), **metrics_servers.environ()}
    terminal.start([sys.executable, "-m", "tessa_tui", "--config", str(config)], env, REPO)
    terminal.wait_for(lambda s: "1 Services" in s and "Quit" in s)

    terminal.press("M")
    screen = terminal.wait_for(lambda s: "57 is above 50" in s and "● prom (prometheus): ok" in s)
    assert "✖ critical: Connections" in screen
    assert "Connections  ✖ critical" in screen and "Memory available  ● ok" in screen
    assert "Error rate  ● ok" in screen and "5 %" in screen
    assert "· supabase" in screen and "· prom" in screen  # each tile's age and source
    assert "● supabase (scrape): ok, read" in screen
    assert "esc Close" in screen.replace("⎋", "esc")  # the one hint on screen, pressed next
    for secret in (SECRET_KEY, PROM_TOKEN):
        assert secret not in screen

    terminal.press("Escape")
    terminal.wait_for(lambda s: "1 Services" in s and "57 is above 50" not in s)
    terminal.press("M")
    terminal.wait_for(lambda s: "57 is above 50" in s)
    terminal.press("M")  # M again closes it
    terminal.wait_for(lambda s: "1 Services" in s and "57 is above 50" not in s)
    terminal.press(":")
    terminal.wait_for(lambda s: ":deploys" in s or "sev1" in s.lower())
    terminal.type_text("metrics")
    terminal.press("Enter")
    terminal.wait_for(lambda s: "57 is above 50" in s and "Memory available" in s)
