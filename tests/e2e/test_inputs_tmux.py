"""Every input of the console typed into in a real terminal, as a person would: the typed text is on the screen
while it is typed, and what it asked for happened (on the screen, and in the journal as the CLI reads it back).

One console for the module (the tests run in order and build on each other: declare, then act on INC-1)."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.e2e.drill_runbook import drill_runbook
from tests.e2e.tmux_terminal import TmuxTerminal, console_cli, require_tmux, terminal_env

pytestmark = pytest.mark.e2e

RUNBOOK = drill_runbook("e2e-drill", "E2E drill")


@dataclass
class Console:
    term: TmuxTerminal
    config: Path
    home: Path

    def type(self, text: str) -> None:
        self.term.type_text(text)  # one burst, faster than any person: no key may be lost or reordered

    def cli(self, *args: str) -> str:
        return console_cli(self.config, self.home, *args)


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    require_tmux()
    home = tmp_path_factory.mktemp("inputs")
    (home / "runbooks").mkdir()
    (home / "runbooks" / "e2e-drill.yaml").write_text(RUNBOOK, encoding="utf-8")
    log = home / "app.log"
    log.write_text(
        "2026-11-28 10:00:00 INFO request served path=/ok\n"
        "2026-11-28 10:00:01 ERROR upstream timed out path=/pay\n"
        "2026-11-28 10:00:02 INFO request served path=/health\n",
        encoding="utf-8",
    )
    config = home / "tessa.yaml"
    config.write_text(
        "platform: Inputs\n"
        "services:\n  - name: Checkout\n    url: http://127.0.0.1:9/health\n    interval: 30s\n"
        "  - name: Search\n    url: http://127.0.0.1:9/search\n    interval: 30s\n"
        f"logs:\n  - name: app\n    path: '{log}'\n"
        f"journal:\n  path: '{home / 'journal.sqlite3'}'\n  actor: e2e\n"
        f"runbooks:\n  paths: ['{home / 'runbooks'}']\n",
        encoding="utf-8",
    )
    term = TmuxTerminal(150, 45)
    term.start([sys.executable, "-m", "tessa_tui", "--config", str(config)], terminal_env(home), REPO)
    term.wait_for(lambda s: "d then 1 for SEV1" in s and "upstream timed out" in s and s.count("✖ down") >= 2)
    yield Console(term, config, home)
    term.close()


def test_declare_dialog_takes_a_typed_title(console: Console) -> None:
    term = console.term
    term.press("d")
    term.wait_for(lambda s: "Declare an incident" in s)
    term.press("Tab")  # the hint: "tab moves to the title, enter there declares"
    console.type("payments slow")
    term.wait_for(lambda s: "payments slow" in s)
    term.press("Enter")
    screen = term.wait_for(lambda s: "INC-1" in s and "Timeline" in s)
    assert "payments slow" in screen and "SEV1" in screen
    assert "SEV1" in console.cli("incident", "show", "INC-1")


def test_command_line_shows_what_is_typed_and_runs_it(console: Console) -> None:
    term = console.term
    term.press(":")
    term.wait_for(lambda s: ":ack" in s)  # the usage line
    console.type("note from the command line")
    term.wait_for(lambda s: "note from the command line" in s)
    term.press("Enter")
    term.wait_for(lambda s: "INC-1: note added" in s)
    assert "from the command line" in console.cli("incident", "show", "INC-1")


def test_note_dialog(console: Console) -> None:
    term = console.term
    term.press("n")
    term.wait_for(lambda s: "Note on INC-1" in s)
    console.type("cache key collided")
    term.wait_for(lambda s: "cache key collided" in s)
    term.press("Enter")
    term.wait_for(lambda s: "Note on INC-1" not in s and "cache key collided" in s)  # in the timeline
    assert "cache key collided" in console.cli("incident", "show", "INC-1")


def test_milestone_dialog_takes_the_typed_time(console: Console) -> None:
    term = console.term
    term.press("m")
    term.wait_for(lambda s: "Milestone on INC-1" in s)
    # A time after the declaration and not in the future; focus starts in the time field, its `now` selected,
    # so typing replaces it.
    typed = datetime.now(UTC).strftime("%H:%M:%S")
    console.type(typed)
    term.wait_for(lambda s: typed in s and " now " not in s.split("When (UTC)")[1])
    term.press("Enter")
    term.wait_for(lambda s: "Milestone on INC-1" not in s)
    shown = console.cli("incident", "show", "INC-1")
    assert typed in shown


def test_severity_dialog(console: Console) -> None:
    term = console.term
    term.press("s")
    term.wait_for(lambda s: "Severity of INC-1 (now SEV1)" in s)
    term.press("3")
    term.wait_for(lambda s: "Severity of INC-1" not in s and "SEV3" in s)
    assert "SEV3" in console.cli("incident", "show", "INC-1")


def test_role_dialog(console: Console) -> None:
    term = console.term
    term.press("o")
    term.wait_for(lambda s: "Role on INC-1" in s)
    console.type("alice")
    term.wait_for(lambda s: "alice" in s)
    term.press("Enter")
    term.wait_for(lambda s: "Role on INC-1" not in s)
    assert "commander" in console.cli("incident", "show", "INC-1")
    assert "alice" in console.cli("incident", "show", "INC-1")


def test_attach_dialog_search(console: Console) -> None:
    term = console.term
    term.press("+")
    term.wait_for(lambda s: "Attach a runbook to INC-1" in s)
    console.type("e2e dri")
    term.wait_for(lambda s: "e2e dri" in s and "E2E drill" in s)
    term.press("Enter")
    term.wait_for(lambda s: "Attach a runbook" not in s and "Echo the target back" in s)
    assert "Echo the target back" in console.cli("incident", "show", "INC-1")


def _filter_line(screen: str) -> str:
    """The text in the `/` field on the screen (the line between its ▔ and ▁ borders), or "" when none shows."""
    lines = screen.splitlines()
    for top, line in pairwise(lines):
        if "▊▔" in top:
            return line.split("▊", 1)[1].rsplit("▎", 1)[0].strip()
    return ""


def _select_step(console: Console, words: str) -> None:
    """The checklist's `/` filter, typed in one burst with the words: `/` hands the keyboard to the field as the
    app reads it (so no word reaches the checklist's keys: `e` would export), the words replace the last step's
    (selected as the field takes focus), and enter hands the keyboard back at once: the test's next key goes to
    the list without waiting for anything."""
    term = console.term
    console.type(f"/{words}")
    term.wait_for(lambda s: _filter_line(s) == words)
    term.press("Enter")


def test_step_ask_values(console: Console) -> None:
    term = console.term
    _select_step(console, "echo the target")
    term.press("g")
    term.wait_for(lambda s: "Run: Echo the target back" in s and "{target}" in s)
    console.type("db-7")
    term.wait_for(lambda s: "db-7" in s)
    term.press("Enter")
    term.wait_for(lambda s: "Run: Echo the target back" not in s and "ran Echo the target back: exit 0" in s)
    assert "ran Echo the target back: exit 0" in console.cli("incident", "show", "INC-1")


def test_step_confirm_word(console: Console) -> None:
    term = console.term
    _select_step(console, "wipe the scratch")
    term.press("g")
    term.wait_for(lambda s: "Destructive: Wipe the scratch file" in s)
    console.type("WIPE")
    term.wait_for(lambda s: "WIPE" in s.split("It runs exactly this")[1])
    term.press("Enter")
    term.wait_for(lambda s: "Destructive:" not in s and "ran Wipe the scratch file: exit 0" in s)
    assert "ran Wipe the scratch file: exit 0" in console.cli("incident", "show", "INC-1")


def test_resolve_and_export(console: Console) -> None:
    term = console.term
    term.press("r")
    term.wait_for(lambda s: "Resolve INC-1" in s)
    console.type("rolled back the deploy")
    term.wait_for(lambda s: "rolled back the deploy" in s)
    term.press("Enter")
    term.wait_for(lambda s: "Resolve INC-1" not in s and "resolved" in s)
    assert "resolved" in console.cli("incident", "show", "INC-1")
    term.press("e")
    term.wait_for(lambda s: "Post-mortem written" in s)
    written = list(console.home.rglob("INC-1*.md"))
    assert written and "rolled back the deploy" in written[0].read_text(encoding="utf-8")


def test_dashboard_filters(console: Console) -> None:
    term = console.term
    term.press("Escape")
    term.wait_for(lambda s: "1 Services" in s and "3 Logs" in s)
    # A terminal reads ESC and a key sent within milliseconds as one alt+key (how Alt is encoded): a person
    # never types that fast, and the test alone (no dialog to close, so the wait returns at once) did.
    time.sleep(0.3)
    term.press("3")
    term.wait_for(lambda s: "┏━ 3 Logs" in s)  # the focused pane's border: the next key goes to it
    console.type("/upstream")
    screen = term.wait_for(lambda s: "upstream" in s and "path=/health" not in s)
    assert "upstream timed out" in screen
    assert _filter_line(screen) == "upstream"
    term.press("Escape")
    term.wait_for(lambda s: "path=/health" in s and _filter_line(s) == "")
    term.press("1")
    term.wait_for(lambda s: "┏━ 1 Services" in s)
    console.type("/Search")
    term.wait_for(lambda s: "Checkout" not in s and "Search" in s and _filter_line(s) == "Search")
