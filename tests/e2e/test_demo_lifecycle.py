"""`tessa-tui demo` in a real terminal: it comes up live, drills from the palette, and leaves nothing behind."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.e2e.tmux_terminal import TmuxTerminal, terminal_env

pytestmark = [pytest.mark.e2e, pytest.mark.demo]


def demo_processes(state_dir: Path) -> list[int]:
    """PIDs whose command line names the demo's state dir or its relocated PostgreSQL data dir."""
    markers = [str(state_dir)]
    location = state_dir / "postgres.location"
    if location.exists():
        markers.append(location.read_text().strip())
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        # The tmux pane's shell (`...; echo EXIT=$?; sleep 30`) names the state dir too but is ours, not the demo's.
        if any(m in cmdline for m in markers) and "echo EXIT=" not in cmdline and "tmux" not in cmdline:
            found.append(int(entry.name))
    return found


def console_pid(state_dir: Path) -> int:
    for pid in demo_processes(state_dir):
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        if b"--serve-only" not in cmdline and b"tessa_tui" in cmdline and b"demo" in cmdline:
            return pid
    pytest.fail("console process not found")


def wait_gone(state_dir: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while demo_processes(state_dir):
        assert time.monotonic() < deadline, f"still running: {demo_processes(state_dir)}"
        time.sleep(0.2)


def start(terminal: TmuxTerminal, state_dir: Path, tmp_path: Path) -> str:
    argv = [sys.executable, "-m", "tessa_tui", "demo", "--state-dir", str(state_dir)]
    terminal.start(argv, terminal_env(tmp_path), REPO)
    return terminal.wait_for(lambda s: s.count("● up") >= 7, timeout=90)


def test_demo_live_drill_from_palette_then_quit(terminal: TmuxTerminal, tmp_path: Path) -> None:
    state_dir = tmp_path / "demo"
    screen = start(terminal, state_dir, tmp_path)
    assert "Tessa AI Platform (demo)" in screen and "DEMO" in screen
    terminal.press("C-p")
    terminal.wait_for(lambda s: "Search for commands" in s or "Drill:" in s)
    for char in "Service Unavailable":
        terminal.press(char)
    terminal.wait_for(lambda s: "Drill: Service Unavailable" in s)
    terminal.press("Enter")
    screen = terminal.wait_for(lambda s: "✖ down" in s and "Frontend" in s, timeout=30)
    assert "[STATUS] (503) == 200" in screen or "503" in screen
    terminal.press("C-p")
    for char in "all clear":
        terminal.press(char)
    terminal.wait_for(lambda s: "Drill: all clear" in s)
    terminal.press("Enter")
    terminal.wait_for(lambda s: s.count("● up") >= 7 and "✖ down" not in s, timeout=30)
    assert demo_processes(state_dir)
    terminal.press("q")
    terminal.wait_for(lambda s: "EXIT=0" in s)
    wait_gone(state_dir)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["sigint", "sigkill"])
def test_nothing_of_the_demo_survives_the_console(terminal: TmuxTerminal, tmp_path: Path, sig: signal.Signals) -> None:
    state_dir = tmp_path / "demo"
    start(terminal, state_dir, tmp_path)
    assert len(demo_processes(state_dir)) >= 3  # console, platform, postgres (and its backends)
    os.kill(console_pid(state_dir), sig)
    terminal.wait_for(lambda s: "EXIT=" in s)
    wait_gone(state_dir)
