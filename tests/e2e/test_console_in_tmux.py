"""The real console in a real terminal: start it, read the screen, press `?`, quit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE_CONFIG, REPO
from tests.e2e.tmux_terminal import TmuxTerminal, terminal_env

pytestmark = pytest.mark.e2e


def test_console_starts_shows_help_and_quits(terminal: TmuxTerminal, tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "tessa_tui", "--config", str(EXAMPLE_CONFIG)]
    terminal.start(argv, terminal_env(tmp_path), REPO)
    screen = terminal.wait_for(lambda s: "1 Services" in s and "4 Database" in s)
    assert "Tessa AI Platform" in screen and "PRODUCTION" in screen
    assert "Frontend" in screen and "No active incident." in screen
    terminal.press("?")
    screen = terminal.wait_for(lambda s: "Binding id" in s and "high_contrast" in s)
    assert "focus_services" in screen and "Toggle the high-contrast theme" in screen
    terminal.press("Escape")
    terminal.wait_for(lambda s: "Binding id" not in s)
    terminal.press("q")
    screen = terminal.wait_for(lambda s: "EXIT=" in s)
    assert "EXIT=0" in screen
    assert "Traceback" not in screen


def test_bad_config_in_a_terminal_is_one_line(terminal: TmuxTerminal, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("services:\n  - name: web\n    url: http://127.0.0.1/\n    intervall: 5s\n")
    terminal.start([sys.executable, "-m", "tessa_tui", "--config", str(bad)], terminal_env(tmp_path), REPO)
    screen = terminal.wait_for(lambda s: "EXIT=" in s)
    assert f"{bad}:4: services[0].intervall: unknown key 'intervall'; did you mean 'interval'?" in screen
    assert "EXIT=2" in screen and "Traceback" not in screen


HOSTILE = (
    b"2026-11-28 10:00:01 ERROR \x1b]0;PWNED\x07 \x1b]2;PWNED2\x1b\\ \x1b]52;c;cm0gLXJm\x07 \x1b[2J "
    # A DCS, a C1 CSI encoded as UTF-8, and a raw 0x9b byte (invalid UTF-8: replaced, never a control).
    b"\x1bP1$r\x1b\\ \xc2\x9b31m \x9b32m [bold]x[/]\n"
)


@pytest.mark.parametrize("kind", ["file", "command"])
def test_hostile_log_bytes_never_reach_the_terminal(terminal: TmuxTerminal, tmp_path: Path, kind: str) -> None:
    log = tmp_path / "hostile.log"
    log.write_bytes(b"2026-11-28 10:00:00 INFO before\n")
    config = tmp_path / "tessa.yaml"
    if kind == "file":
        config.write_text(f"platform: Hostile\nlogs:\n  - name: evil\n    path: '{log}'\n")
    else:  # a command that prints `before`, waits for a go file, then prints the hostile line and stays
        go = tmp_path / "go"
        script = (
            "import os, sys, time\n"
            f"sys.stdout.buffer.write(open({str(log)!r}, 'rb').read()); sys.stdout.flush()\n"
            f"while not os.path.exists({str(go)!r}): time.sleep(0.05)\n"
            f"sys.stdout.buffer.write({HOSTILE!r}); sys.stdout.flush(); time.sleep(600)\n"
        )
        argv = json.dumps([sys.executable, "-c", script])  # JSON is YAML
        config.write_text(f"platform: Hostile\nlogs:\n  - name: evil\n    command: {argv}\n")
    terminal.start([sys.executable, "-m", "tessa_tui", "--config", str(config)], terminal_env(tmp_path), REPO)
    terminal.wait_for(lambda s: "before" in s)
    title = terminal.title()
    if kind == "file":
        with log.open("ab") as handle:
            handle.write(HOSTILE)
    else:
        go.touch()
    terminal.wait_for(lambda s: "PWNED" in s)
    terminal.press("3", "z")
    screen = terminal.wait_for(lambda s: "[bold]x[/]" in s)
    assert terminal.title() == title and "PWNED" not in title
    assert "\\e]0;PWNED\\x07" in screen and "\\e]2;PWNED2\\e\\" in screen and "\\e]52;c;" in screen
    assert "\\eP1$r" in screen and "[bold]x[/]" in screen
    assert "\\x9b31m" in screen and "\ufffd32m" in screen
    assert "before" in screen  # CSI 2J did not clear the screen


def test_sev1_from_the_keyboard_lands_in_the_journal(terminal: TmuxTerminal, tmp_path: Path) -> None:
    """Two keys declare a SEV1 in a real terminal; a tick there is what `tessa-tui incident show` reads."""
    journal = tmp_path / "journal.sqlite3"
    config = tmp_path / "tessa.yaml"
    config.write_text(f"platform: Drill\njournal:\n  path: '{journal}'\n  actor: e2e\n", encoding="utf-8")
    terminal.start([sys.executable, "-m", "tessa_tui", "--config", str(config)], terminal_env(tmp_path), REPO)
    terminal.wait_for(lambda s: "d then 1 for SEV1" in s)  # the journal is open
    terminal.press("d", "1")
    screen = terminal.wait_for(lambda s: "Immediate actions" in s and "Timeline" in s)
    assert "SEV1" in screen and "Response (SEV1)" in screen
    terminal.press("Space")
    terminal.wait_for(lambda s: "[x] Acknowledge alert in PagerDuty" in s)
    terminal.press("Escape")
    screen = terminal.wait_for(lambda s: "INC-1" in s and "Next:" in s)
    terminal.press("q")
    assert "EXIT=0" in terminal.wait_for(lambda s: "EXIT=" in s)
    shown = subprocess.run(
        [sys.executable, "-m", "tessa_tui", "--config", str(config), "incident", "show", "INC-1"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert "[x] Acknowledge alert in PagerDuty" in shown.stdout and "e2e" in shown.stdout
