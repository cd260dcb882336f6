"""Health checks in a real terminal: a check of a self-signed HTTPS server with `tls: {insecure: true}` is up and
says on its row that its certificate is not verified; the same server without it is down with the TLS reason."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.e2e.tmux_terminal import TmuxTerminal, require_tmux, terminal_env
from tests.loopback import LoopbackServers

pytestmark = pytest.mark.e2e


def test_an_insecure_check_is_up_and_says_so_a_strict_one_is_down(
    terminal: TmuxTerminal, tmp_path: Path, servers: LoopbackServers
) -> None:
    require_tmux()
    if servers.https is None:
        pytest.skip("openssl is needed for the self-signed server")
    config = tmp_path / "tessa.yaml"
    config.write_text(
        f"platform: Lab\njournal: {{path: '{tmp_path / 'journal.sqlite3'}', actor: e2e}}\n"
        "services:\n"
        f"  - {{name: lab, url: '{servers.https}/ok', interval: 30s, tls: {{insecure: true}}}}\n"
        f"  - {{name: strict, url: '{servers.https}/ok', interval: 30s}}\n",
        encoding="utf-8",
    )
    terminal.start([sys.executable, "-m", "tessa_tui", "--config", str(config)], terminal_env(tmp_path), REPO)
    screen = terminal.wait_for(lambda s: "lab ⚠ insecure" in s and "✖ down" in s and "● up" in s)
    lab = next(line for line in screen.splitlines() if "lab ⚠ insecure" in line)
    strict = next(line for line in screen.splitlines() if " strict " in line)
    assert "● up" in lab and "⚠" not in strict and "✖ down" in strict
    terminal.press("q")
    terminal.wait_for(lambda s: "EXIT=0" in s)
