"""Two responders' consoles on one incident through the shared journal, each in its own terminal with its own
local journal: what one does is on the other's screen without a key pressed there, the header says the sync is
live, and each incident screen shows who is on the incident.

The safety-net pull is set to 10 minutes, so what arrives within the wait came by LISTEN/NOTIFY, not by polling.
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.e2e.tmux_terminal import TmuxTerminal, console_cli, require_tmux, terminal_env

pytestmark = pytest.mark.e2e


def machine(root: Path, name: str, schema: str) -> tuple[Path, dict[str, str]]:
    """A responder's machine: its own folder, config, local journal and environment."""
    home = root / name
    home.mkdir()
    config = home / "tessa.yaml"
    config.write_text(
        f"platform: War room\njournal:\n  path: {home / 'journal.sqlite3'}\n  actor: {name}\n"
        f"  shared:\n    dsn: ${{TESSA_JOURNAL_DSN}}\n    schema: {schema}\n    pull-interval: 10m\n",
        encoding="utf-8",
    )
    return config, terminal_env(home)


def cli(config: Path, env: dict[str, str], *args: str) -> str:
    return console_cli(config, config.parent, *args, env=env)


def test_a_tick_on_one_console_is_on_the_other_without_a_key(tmp_path: Path, pg_dsn: str) -> None:
    require_tmux()
    schema = f"e2e_{uuid.uuid4().hex[:8]}"
    (a_config, a_env), (b_config, b_env) = (machine(tmp_path, n, schema) for n in ("alice", "bob"))
    for env in (a_env, b_env):
        env["TESSA_JOURNAL_DSN"] = pg_dsn
    cli(a_config, a_env, "journal", "init-shared")
    assert "INC-1: declared SEV2 'Checkout slow'" in cli(
        a_config, a_env, "incident", "declare", "SEV2", "Checkout slow"
    )

    a, b = TmuxTerminal(150, 45), TmuxTerminal(150, 45)
    try:
        for terminal, config, env in ((a, a_config, a_env), (b, b_config, b_env)):
            terminal.start([sys.executable, "-m", "tessa_tui", "--config", str(config)], env, REPO)
            terminal.wait_for(lambda s: "Checkout slow" in s and "shared: live" in s)
        for terminal in (a, b):
            terminal.press("2", "Enter")  # the incident pane; `enter opens the checklist`
            terminal.wait_for(lambda s: "Checklist" in s and "Timeline" in s)
        # Each incident screen names both responders once each has announced itself.
        for terminal in (a, b):
            terminal.wait_for(lambda s: "on it:" in s and "alice@" in s and "bob@" in s)

        a.press("space")  # ticks the first step on alice's console
        screen = a.wait_for(lambda s: "[x]" in s)
        assert "NOT SAVED" not in screen
        # On bob's console, with no key pressed: the tick, and alice's line in the timeline.
        b.wait_for(lambda s: "[x]" in s and "alice" in s.split("Timeline", 1)[-1], timeout=15)

        # Bob leaves: within the roster's expiry alice's screen no longer names him (his `bye` is immediate).
        b.press("Escape")
        b.wait_for(lambda s: "1 Services" in s and "Checklist" not in s)  # back on the dashboard (esc, then q:
        b.press("q")  # pressed at once, a terminal reads them as alt+q)
        left = b.wait_for(lambda s: "EXIT=" in s)
        assert "EXIT=0" in left and "Traceback" not in left and "Event loop is closed" not in left
        a.wait_for(lambda s: "on it:" in s and "bob@" not in s)
    finally:
        a.close()
        b.close()

    shown = cli(b_config, b_env, "incident", "show", "1")
    assert "[x]" in shown and any(" alice " in line and "✔" in line for line in shown.splitlines())


def test_the_demo_prints_a_join_command_that_opens_a_second_console_on_the_incident(tmp_path: Path) -> None:
    """`tessa-tui demo` says how to open a second responder's console; that console, in another terminal,
    shows the incident the first one works, live, and the first one's presence."""
    require_tmux()
    home, state = tmp_path / "home", tmp_path / "demo"
    home.mkdir()
    env = terminal_env(home)
    a, b = TmuxTerminal(150, 45), TmuxTerminal(150, 45)
    try:
        a.start([sys.executable, "-m", "tessa_tui", "demo", "--state-dir", str(state), "--as", "alice"], env, REPO)
        a.wait_for(lambda s: "shared: live" in s, timeout=90)
        printed = (state / "platform.log").read_text(encoding="utf-8") if (state / "platform.log").exists() else ""
        assert "Traceback" not in printed
        b.start(
            [sys.executable, "-m", "tessa_tui", "demo", "--join", "--state-dir", str(state), "--as", "bob"], env, REPO
        )
        b.wait_for(lambda s: "shared: live" in s and "typing: bob" in s, timeout=60)
        a.press("d")  # declare on the first console: "1-4 declares at once"
        a.wait_for(lambda s: "1-4 declares at once" in s)
        a.press("2")
        a.wait_for(lambda s: "INC-1" in s and "Timeline" in s)
        # The second console, no key pressed: the incident on its incident pane, and who is on it.
        screen = b.wait_for(lambda s: "INC-1" in s and "on it:" in s and "alice@" in s, timeout=15)
        assert "NOT SAVED" not in screen
    finally:
        a.close()
        b.close()
