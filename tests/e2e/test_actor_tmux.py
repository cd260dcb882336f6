"""A shared war-room terminal: `:iam bob` typed into the real console, a note added, and another process's
`tessa-tui incident show` names bob as the one who wrote it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.e2e.tmux_terminal import TmuxTerminal, terminal_env

pytestmark = pytest.mark.e2e


def test_iam_in_the_console_is_who_incident_show_names(terminal: TmuxTerminal, tmp_path: Path) -> None:
    config = tmp_path / "tessa.yaml"
    config.write_text(
        "platform: War room\n"
        f"journal:\n  path: {tmp_path / 'journal.sqlite3'}\n  actor: alice\n"
        "contacts:\n  people:\n"
        "    - {role: primary, name: alice, phone: '+1 555 0100'}\n"
        "    - {role: secondary, name: bob, slack: '@bob'}\n",
        encoding="utf-8",
    )
    env = terminal_env(tmp_path)
    cli = [sys.executable, "-m", "tessa_tui", "--config", str(config)]

    def run(*args: str) -> str:
        done = subprocess.run([*cli, *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout

    run("incident", "declare", "SEV2", "Checkout slow")
    terminal.start(cli, env, REPO)
    terminal.wait_for(lambda s: "Checkout slow" in s and "typing: alice" in s)
    terminal.press(":")
    terminal.wait_for(lambda s: ":iam" in s)  # the command line's usage is up
    terminal.press("iam b", "Right", "Enter")  # `b` completes to bob from the contacts; right takes it
    terminal.wait_for(lambda s: "typing: bob" in s)
    terminal.press(":")
    terminal.wait_for(lambda s: ":iam" in s)
    terminal.press("note rolled back the deploy", "Enter")
    terminal.wait_for(lambda s: "INC-1: note added" in s)

    shown = run("incident", "show", "1")
    timeline = shown[shown.index("timeline:") :].splitlines()
    assert any(line.split()[1:3] == ["bob", "note:"] and line.endswith("rolled back the deploy") for line in timeline)
    assert any(line.split()[1:3] == ["alice", "declared"] for line in timeline)
    terminal.press("q")
    screen = terminal.wait_for(lambda s: "EXIT=" in s)
    assert "EXIT=0" in screen and "Traceback" not in screen
