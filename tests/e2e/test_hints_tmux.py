"""Every key hint the console shows, pressed in a real terminal: what the hint says happens, happens.

Two consoles: one over a declared incident, a log file and a runbook whose steps ask a value and need a word
(the incident pane, the logs pane, the step dialogs); one over a real PostgreSQL with two long queries (the
database pane's j/k and x)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.e2e.tmux_terminal import TmuxTerminal, require_tmux, terminal_env

pytestmark = pytest.mark.e2e

RUNBOOK = """\
id: hint-drill
title: "Hint drill"
kind: procedure
summary: Two steps that run locally.
symptoms: [drill]
phases:
  - name: Drill
    steps:
      - id: echo-target
        text: Echo the target back
        action:
          run: [echo, "target={target}"]
          ask: [target]
      - id: wipe
        text: Wipe the scratch file
        destructive: true
        confirm: WIPE
        action:
          run: [echo, wiped]
"""


def _cli(config: Path, home: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "tessa_tui", "--config", str(config), *args],
        env=terminal_env(home), cwd=REPO, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TmuxTerminal, Path, Path]]:
    require_tmux()
    home = tmp_path_factory.mktemp("hints")
    (home / "runbooks").mkdir()
    (home / "runbooks" / "hint-drill.yaml").write_text(RUNBOOK, encoding="utf-8")
    log = home / "app.log"
    log.write_text(
        "2026-11-28 10:00:00 INFO request served path=/ok\n2026-11-28 10:00:01 ERROR upstream timed out path=/pay\n",
        encoding="utf-8",
    )
    config = home / "tessa.yaml"
    config.write_text(
        "platform: Hints\n"
        "services:\n  - name: Checkout\n    url: http://127.0.0.1:9/health\n    interval: 30s\n"
        f"logs:\n  - name: app\n    path: '{log}'\n"
        f"journal:\n  path: '{home / 'journal.sqlite3'}'\n  actor: e2e\n"
        f"runbooks:\n  paths: ['{home / 'runbooks'}']\n",
        encoding="utf-8",
    )
    _cli(config, home, "incident", "declare", "SEV2", "checkout down", "--runbook", "hint-drill")
    term = TmuxTerminal(150, 45)
    term.start([sys.executable, "-m", "tessa_tui", "--config", str(config)], terminal_env(home), REPO)
    term.wait_for(lambda s: "enter opens the checklist" in s and "upstream timed out" in s)
    yield term, config, home
    term.close()


def test_enter_on_the_incident_pane_opens_the_checklist(console: tuple[TmuxTerminal, Path, Path]) -> None:
    term, _, _ = console
    term.press("2")
    term.wait_for(lambda s: "┏━ 2 Incident" in s)  # the focused pane's border
    term.press("Enter")
    term.wait_for(lambda s: "Echo the target back" in s and "Wipe the scratch file" in s and "┏━ Checklist" in s)
