"""The Deployments view in a real terminal: `D` from the dashboard shows the rows read from Vercel, Netlify and the
app's checkout, the mark on those of the last 2 hours and the one production serves; its hint (escape) and `D`
close it, `:deploys` opens it. No token reaches the screen."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tessa_tui.demo.app_repo import create_app_repo
from tests.conftest import REPO
from tests.deployment_contract_servers import SECRETS, DeploymentServers
from tests.e2e.tmux_terminal import TmuxTerminal, require_tmux, terminal_env

pytestmark = pytest.mark.e2e


def test_d_shows_the_deployments_marks_the_recent_ones_and_closes_on_its_hints(
    terminal: TmuxTerminal, tmp_path: Path, deployment_servers: DeploymentServers
) -> None:
    require_tmux()
    create_app_repo(tmp_path / "repo")
    sources = [*deployment_servers.sources(), {"name": "app", "git": {"path": str(tmp_path / "repo")}}]
    config = tmp_path / "tessa.yaml"
    config.write_text(
        "platform: Deploys\n"
        f"journal: {{path: '{tmp_path / 'journal.sqlite3'}', actor: e2e}}\n"
        f"deployments: {json.dumps({'sources': sources})}\n",
        encoding="utf-8",
    )
    env = {**terminal_env(tmp_path), **deployment_servers.environ()}
    terminal.start([sys.executable, "-m", "tessa_tui", "--config", str(config)], env, REPO)
    terminal.wait_for(lambda s: "1 Services" in s and "Quit" in s)

    terminal.press("D")
    screen = terminal.wait_for(lambda s: "dpl_3Lr6Uv5Be" in s and "● ok · app (git)" in s and "● ok · docs" in s)
    assert "▲ 6 deployments in the last 2h: the first suspects" in screen
    row = next(line for line in screen.splitlines() if "dpl_3Lr6Uv5Be" in line)
    assert "20m" in row and "▲ last 2h" in row and "● ready" in row and "production ★ current" in row
    assert "release: frontend 1.42.0" in row and "demo-dev" in row
    old = next(line for line in screen.splitlines() if "dpl_8Hw3Np2Yb" in line)
    assert "▲" not in old and "8h" in old and "production" in old and "★" not in old
    failed = next(line for line in screen.splitlines() if "dpl_9Jx4Qr3Zc" in line)
    assert "✖ error" in failed
    commit = next(line for line in screen.splitlines() if "fix(chat): time out OpenAI" in line)
    assert "◇ commit" in commit and "Demo Developer" in commit and "▲ last 2h" in commit
    assert "esc Close" in screen.replace("⎋", "esc")  # the one hint on screen, pressed next
    for secret in SECRETS:
        assert secret not in screen

    terminal.press("Escape")
    terminal.wait_for(lambda s: "1 Services" in s and "dpl_3Lr6Uv5Be" not in s)
    terminal.press("D")
    terminal.wait_for(lambda s: "dpl_3Lr6Uv5Be" in s)
    terminal.press("D")  # D again closes it
    terminal.wait_for(lambda s: "1 Services" in s and "dpl_3Lr6Uv5Be" not in s)
    terminal.press(":")
    terminal.wait_for(lambda s: ":ack" in s)  # the command line's usage is up (SEV1 is always on the dashboard)
    terminal.type_text("deploys")
    terminal.press("Enter")
    terminal.wait_for(lambda s: "dpl_3Lr6Uv5Be" in s and "the first suspects" in s)
