"""War-room mode on a wall-sized terminal: the countdown is readable from the real screen."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tessa_tui.base.durations import format_clock
from tests.conftest import REPO
from tests.e2e.tmux_terminal import TmuxTerminal, require_tmux, terminal_env
from tests.ui.test_war_room import shows_digits

pytestmark = pytest.mark.e2e

SEV1_RESPONSE = timedelta(minutes=15)


@pytest.fixture
def wall() -> Iterator[TmuxTerminal]:
    """A 240x67 terminal: the size of a 4K screen in the room at a legible font."""
    require_tmux()
    term = TmuxTerminal(240, 67)
    yield term
    term.close()


def test_war_room_countdown_is_readable_at_wall_size(wall: TmuxTerminal, tmp_path: Path) -> None:
    config = tmp_path / "tessa.yaml"
    # One check on a closed loopback port: a service light that is down for real.
    config.write_text(
        "platform: War room\n"
        "services:\n  - name: Checkout\n    url: http://127.0.0.1:9/health\n    interval: 5s\n"
        f"journal:\n  path: {tmp_path / 'journal.sqlite3'}\n  actor: alice\n",
        encoding="utf-8",
    )
    env = terminal_env(tmp_path)
    cli = [sys.executable, "-m", "tessa_tui", "--config", str(config)]
    before_declare = time.monotonic()
    declared = subprocess.run(
        [*cli, "incident", "declare", "SEV1", "Checkout returns 503"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert declared.returncode == 0, declared.stderr

    def countdown_drawn(screen: str) -> bool:
        # The clock runs in real time: any value from the target down to now (plus a second of slack) counts.
        elapsed = int(time.monotonic() - before_declare) + 2
        return any(shows_digits(screen, format_clock(SEV1_RESPONSE - timedelta(seconds=n))) for n in range(elapsed))

    wall.start(cli, env, REPO)
    dashboard = wall.wait_for(lambda s: "Checkout returns 503" in s)
    assert not countdown_drawn(dashboard)  # the check tells big digits from the dashboard's small clock
    wall.press("w")
    screen = wall.wait_for(lambda s: "RESPONSE · acknowledge within" in s and countdown_drawn(s))
    assert "SEV1" in screen and "INC-1" in screen and "● ON TRACK · target 15:00" in screen
    assert "PHASE  " in screen and re.search(r"CHECKLIST  ░+  0 / \d+ ticked", screen)
    screen = wall.wait_for(lambda s: "✖ DOWN" in s)  # the light follows the live check
    assert "Checkout" in screen and "Traceback" not in screen

    wall.press("w")
    wall.wait_for(lambda s: "1 Services" in s and "RESPONSE · acknowledge within" not in s)
    wall.press("q")
    assert "EXIT=0" in wall.wait_for(lambda s: "EXIT=" in s)
