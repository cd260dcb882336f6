"""Remote log sources in a real terminal: a Supabase source's rows in the logs pane beside a file's, the state line
saying the Supabase source is live and the Loki one failing (its refused token named, the token itself nowhere),
the `/` filter over the remote rows, and `q` quits."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tessa_tui.demo.supabase_api_sim import function_event
from tests.conftest import REPO
from tests.e2e.tmux_terminal import TmuxTerminal, require_tmux, terminal_env
from tests.logs_contract_servers import LOKI_TOKEN, SECRETS, LogsServers

pytestmark = pytest.mark.e2e


def test_remote_rows_and_their_states_in_the_logs_pane(
    terminal: TmuxTerminal, tmp_path: Path, logs_servers: LogsServers
) -> None:
    require_tmux()
    at = int((datetime.now(UTC) - timedelta(minutes=2)).timestamp() * 1_000_000)
    logs_servers.add(function_event("chat", "error", "remote-timeout after 30000ms", at))
    logs_servers.add(function_event("chat", "info", "remote-ok 200", at + 1000))
    logs_servers.require_loki(authorization="Bearer the-right-one")  # the configured token is refused
    log = tmp_path / "app.log"
    log.write_text('{"level": "info", "msg": "file-line"}\n', encoding="utf-8")
    functions = "select id, timestamp, event_message, metadata from function_logs"
    sources = [
        {"name": "app", "path": str(log)},
        logs_servers.supabase_source(sql=functions),
        logs_servers.loki_source(token="${LOKI_TOKEN}"),
    ]
    config = tmp_path / "tessa.yaml"
    config.write_text(
        f"platform: Remote\njournal: {{path: '{tmp_path / 'journal.sqlite3'}', actor: e2e}}\n"
        f"logs: {json.dumps(sources)}\n",
        encoding="utf-8",
    )
    env = {**terminal_env(tmp_path), **logs_servers.environ()}
    terminal.start([sys.executable, "-m", "tessa_tui", "--config", str(config)], env, REPO)
    terminal.wait_for(lambda s: "file-line" in s)
    terminal.press("3")
    terminal.press("z")  # the logs pane, full width
    screen = terminal.wait_for(
        lambda s: "remote-timeout" in s and "remote-ok" in s and "platform live since" in s and "loki failing" in s
    )
    assert "● platform live since" in screen and "✖ loki failing since" in screen
    assert "HTTP 401" in screen and "logs[loki].loki.token" in screen
    for secret in (*SECRETS, LOKI_TOKEN):
        assert secret not in screen
    terminal.press("/")
    terminal.type_text("remote-timeout")
    terminal.press("Enter")
    terminal.wait_for(lambda s: "remote-timeout" in s and "remote-ok" not in s and "file-line" not in s)
    terminal.press("Escape")  # back to the four panes (a key pressed at once after it would read as alt+key)
    terminal.wait_for(lambda s: "─ 1 Services" in s)  # the pane's border, not the footer's key
    terminal.press("q")
    screen = terminal.wait_for(lambda s: "EXIT=" in s)
    assert "EXIT=0" in screen and "Traceback" not in screen
