"""A real terminal for end-to-end tests: a tmux session we type into and read back."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest


class TmuxTerminal:
    """One detached tmux session of a fixed size running one command, on a private tmux server."""

    def __init__(self, width: int = 140, height: int = 40) -> None:
        self.socket = f"tessa-e2e-{uuid.uuid4().hex[:8]}"
        self.session = "console"
        self.width = width
        self.height = height

    def _tmux(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=15, check=check
        )

    def start(self, argv: list[str], env: Mapping[str, str], cwd: Path) -> None:
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        # env -i: the runner's COLUMNS/LINES would otherwise override the terminal size.
        # `; sleep` keeps the pane open after exit so the test can read the exit status line.
        command = f"cd {shlex.quote(str(cwd))} && env -i {exports} {shlex.join(argv)}; echo EXIT=$?; sleep 30"
        self._tmux("new-session", "-d", "-s", self.session, "-x", str(self.width), "-y", str(self.height), command)

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-J", "-t", self.session).stdout

    def styled_screen(self) -> str:
        """The screen with its colours and attributes as escape sequences (what only style shows: a focused
        table's cursor row is bold)."""
        return self._tmux("capture-pane", "-p", "-e", "-J", "-t", self.session).stdout

    def title(self) -> str:
        return self._tmux("display-message", "-p", "-t", self.session, "#{pane_title}").stdout.strip()

    def press(self, *keys: str) -> None:
        for key in keys:
            self._tmux("send-keys", "-t", self.session, key)

    def type_text(self, text: str) -> None:
        """Type `text` in one burst, each character a key (send-keys -l: literal, never read as a key name)."""
        self._tmux("send-keys", "-t", self.session, "-l", text)

    def wait_for(self, predicate: Callable[[str], bool], timeout: float = 20.0, *, styled: bool = False) -> str:
        """Poll the screen (`styled`: with its escape sequences) until `predicate` holds; fail with the last
        screen otherwise."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.styled_screen() if styled else self.screen()
            if predicate(screen):
                return screen
            time.sleep(0.1)
        pytest.fail(f"screen never matched within {timeout}s; last screen:\n{screen}")

    def close(self) -> None:
        self._tmux("kill-server", check=False)


def require_tmux() -> None:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")


def terminal_env(home: Path) -> dict[str, str]:
    """A clean environment for the program under test: its own HOME and state, UTC, a known TERM."""
    return {
        "TERM": "xterm-256color",
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "XDG_STATE_HOME": str(home / "state"),
        "TZ": "UTC",
    }


def console_cli(config: Path, home: Path, *args: str, env: Mapping[str, str] | None = None) -> str:
    """`tessa-tui --config CONFIG ARGS...` in the terminal's environment (`env`: more variables), as a second
    terminal would run it; its stdout (a failure fails the test with its stderr)."""
    done = subprocess.run(
        [sys.executable, "-m", "tessa_tui", "--config", str(config), *args],
        env={**terminal_env(home), **(env or {})},
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout
