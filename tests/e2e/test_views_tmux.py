"""The hints of the console's views and dialogs, pressed in a real terminal: what each says happens, happens.

Two consoles: one over an open incident (help, the incident pane's `a`, every incident dialog's escape, the role
dialog's digits, the resolve dialog's enter, the palette), and one with no incident open (a runbook read from
the palette or the `:` line, and its `d`)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.e2e.drill_runbook import drill_runbook
from tests.e2e.tmux_terminal import TmuxTerminal, console_cli, require_tmux, terminal_env

pytestmark = pytest.mark.e2e

RUNBOOK = drill_runbook("view-drill", "View drill")
PALETTE = "🔎"  # the palette's search prompt
HELP_HINT = "escape or ? closes"


@dataclass
class Console:
    term: TmuxTerminal
    config: Path
    home: Path

    def cli(self, *args: str) -> str:
        return console_cli(self.config, self.home, *args)

    def timeline(self, incident: str = "INC-1") -> str:
        """The incident's recorded events as `incident show` lists them (what is recorded, not the clocks)."""
        return self.cli("incident", "show", incident).split("\ntimeline:\n", 1)[1]

    def to_dashboard(self) -> None:
        """Back to the dashboard, from the incident screen (which covers it) if that is open."""
        if "Timeline" in self.term.screen():
            self.term.press("Escape")
        self.term.wait_for(lambda s: "Timeline" not in s and "1 Services" in s)

    def to_incident_screen(self) -> None:
        self.to_dashboard()
        self.term.press("2")
        self.term.wait_for(lambda s: "┏━ 2 Incident" in s)  # the focused pane's border
        self.term.press("Enter")
        self.term.wait_for(lambda s: "┏━ Checklist" in s and "Timeline" in s)


def _start(home: Path, *, declared: bool) -> Console:
    (home / "runbooks").mkdir()
    (home / "runbooks" / "view-drill.yaml").write_text(RUNBOOK, encoding="utf-8")
    config = home / "tessa.yaml"
    config.write_text(
        "platform: Views\n"
        "services:\n  - name: Checkout\n    url: http://127.0.0.1:9/health\n    interval: 30s\n"
        f"journal:\n  path: '{home / 'journal.sqlite3'}'\n  actor: e2e\n"
        f"runbooks:\n  paths: ['{home / 'runbooks'}']\n"
        "contacts:\n  people:\n    - {role: primary, name: Dana On-Call, phone: '+1 555 0100', slack: '@dana'}\n"
        "    - {role: escalation, name: Lee Lead, phone: '+1 555 0199'}\n",
        encoding="utf-8",
    )
    term = TmuxTerminal(150, 45)
    console = Console(term, config, home)
    if declared:
        console.cli("incident", "declare", "SEV2", "checkout down", "--runbook", "view-drill")
    term.start([sys.executable, "-m", "tessa_tui", "--config", str(config)], terminal_env(home), REPO)
    term.wait_for(lambda s: "1 Services" in s and "✖ down" in s)
    return console


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    """A console over INC-1, open (SEV2, with the drill runbook attached)."""
    require_tmux()
    console = _start(tmp_path_factory.mktemp("views"), declared=True)
    console.term.wait_for(lambda s: "INC-1 checkout down" in s)
    yield console
    console.term.close()


@pytest.fixture(scope="module")
def quiet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    """A console with no incident open."""
    require_tmux()
    console = _start(tmp_path_factory.mktemp("quiet"), declared=False)
    console.term.wait_for(lambda s: "No active incident." in s)
    yield console
    console.term.close()


# Help


def test_question_mark_opens_the_dashboards_keys_and_a_second_one_closes_them(console: Console) -> None:
    term = console.term
    term.press("?")
    screen = term.wait_for(lambda s: HELP_HINT in s and "focus_services" in s)
    assert "Focus the services pane" in screen
    term.press("?")
    term.wait_for(lambda s: HELP_HINT not in s and "1 Services" in s)


def test_question_mark_on_the_incident_screen_lists_its_keys_and_escape_closes_them(console: Console) -> None:
    term = console.term
    console.to_incident_screen()
    term.press("?")
    screen = term.wait_for(lambda s: HELP_HINT in s and "run_step" in s)
    assert "Tick / untick the selected step" in screen
    assert "focus_services" not in screen  # the dashboard's keys are not this screen's
    term.press("Escape")
    term.wait_for(lambda s: HELP_HINT not in s and "┏━ Checklist" in s)  # help closed, the incident screen stays
    console.to_dashboard()


# The incident pane


def test_a_on_the_incident_pane_acknowledges(console: Console) -> None:
    term = console.term
    console.to_dashboard()
    term.press("2")
    term.wait_for(lambda s: "┏━ 2 Incident" in s and "enter opens the checklist · a acknowledges" in s)
    assert "acknowledged" not in console.timeline()
    term.press("a")
    # The response clock stops (met), and the pane no longer offers `a`.
    term.wait_for(lambda s: "Response  met" in s and "enter opens the checklist" in s and "a acknowledges" not in s)
    assert "acknowledged" in console.timeline()
    assert "On-call acknowledged     -" not in console.cli("incident", "show", "INC-1")


# Every incident dialog: escape cancels, and nothing is recorded


DIALOGS = [
    (
        "n",
        "Note on INC-1",
        "choose where it goes in the post-mortem, then type · enter saves · escape cancels",
        "never saved",
    ),
    ("m", "Milestone on INC-1", "milestones must stay in order · enter saves · escape cancels", "10m"),
    ("o", "Role on INC-1", "1-3: the role, then who · or type a name: enter saves · escape cancels", "Nobody Here"),
    (
        "s",
        "Severity of INC-1 (now SEV2)",
        "the new level's procedure replaces the old; shared steps stay ticked · escape cancels",
        "",
    ),
    (
        "+",
        "Attach a runbook to INC-1",
        "type to narrow · up/down choose · enter attaches · escape cancels",
        "no such runbook",
    ),
    (
        "u",
        "Stakeholder update on INC-1",
        "posted by hand: enter records it and restarts the update clock · escape cancels",
        "told the CEO",
    ),
    ("r", "Resolve INC-1: checkout down", "enter resolves: every clock stops · escape cancels", "never resolved"),
]


@pytest.mark.parametrize(("key", "title", "hint", "typed"), DIALOGS, ids=[d[1].split()[0] for d in DIALOGS])
def test_escape_cancels_a_dialog_and_nothing_is_recorded(
    console: Console, key: str, title: str, hint: str, typed: str
) -> None:
    term = console.term
    console.to_incident_screen()
    before = console.timeline()
    term.press(key)
    term.wait_for(lambda s: title in s and hint in s)
    if typed:
        term.type_text(typed)
        term.wait_for(lambda s: typed in s)
    term.press("Escape")
    term.wait_for(lambda s: title not in s and "┏━ Checklist" in s)
    assert console.timeline() == before
    console.to_dashboard()


def test_role_dialog_a_digit_picks_the_role_then_who_from_the_contacts(console: Console) -> None:
    term = console.term
    console.to_incident_screen()
    before = console.timeline()
    term.press("o")
    term.wait_for(lambda s: "1-3: the role, then who" in s)
    term.press("2")  # the second role: comms; then who, from the contacts
    term.wait_for(lambda s: "Comms of INC-1" in s and "enter saves · escape cancels" in s and "Lee Lead" in s)
    term.press("Escape")
    term.wait_for(lambda s: "Comms of INC-1" not in s and "┏━ Checklist" in s)
    assert console.timeline() == before
    term.press("o")
    term.wait_for(lambda s: "1-3: the role, then who" in s)
    term.press("2")
    screen = term.wait_for(lambda s: "Comms of INC-1" in s and "Dana On-Call" in s)
    assert "+1 555 0100" in screen  # each contact with how to reach them
    term.press("Enter")  # the first contact, highlighted
    term.wait_for(lambda s: "Comms of INC-1" not in s and "comms: Dana On-Call" in s)  # in the incident's head
    assert "comms" in console.timeline() and "Dana On-Call" in console.timeline()
    console.to_dashboard()


# The palette


def test_the_palette_opens_right_after_a_dialog_or_a_screen_closes(console: Console) -> None:
    """ctrl+p opens the palette as the app reads it, while a key read just before (an escape closing the incident
    screen) may still be on its way through the old screen: that escape must not close the palette at once."""
    term = console.term
    console.to_dashboard()
    term.press("d")
    term.wait_for(lambda s: "1-4 declares at once" in s)
    term.press("Escape")
    term.wait_for(lambda s: "1-4 declares at once" not in s)
    term.press("C-p")
    term.wait_for(lambda s: PALETTE in s)
    term.press("Escape")
    term.wait_for(lambda s: PALETTE not in s and "1 Services" in s)
    for _ in range(3):
        console.to_incident_screen()
        # A fast person: escape (the incident screen), escape (for the dashboard), ctrl+p, as quick as tmux sends.
        term.press("Escape")
        term.press("Escape")
        term.press("C-p")
        term.wait_for(lambda s: PALETTE in s)
        term.press("Escape")
        term.wait_for(lambda s: PALETTE not in s)
        console.to_dashboard()


def test_a_review_from_the_palette_escape_closes(console: Console) -> None:
    term = console.term
    console.to_dashboard()
    term.press("C-p")
    term.wait_for(lambda s: PALETTE in s)
    term.type_text("run daily review")  # one command matches: enter runs it
    term.wait_for(lambda s: "Run daily review" in s)
    term.press("Enter")
    screen = term.wait_for(lambda s: "Daily health check:" in s and "saved as REV-" in s)
    assert "services-green" in screen and "escape closes" in screen
    term.press("Escape")
    term.wait_for(lambda s: "Daily health check" not in s and "1 Services" in s)


# Resolving, last: it closes the incident the tests above work on


def _clock_lines(screen: str) -> list[str]:
    """The incident screen's clocks: the lines between its head (severity, id, title) and the checklist."""
    lines = screen.splitlines()
    head = next(n for n, line in enumerate(lines) if "INC-1 checkout down ·" in line)
    end = next(n for n, line in enumerate(lines) if "Checklist" in line)
    return [line.strip() for line in lines[head + 1 : end] if line.strip()]


def test_enter_resolves_and_every_clock_stops(console: Console) -> None:
    term = console.term
    console.to_incident_screen()
    running = _clock_lines(term.screen())
    assert any(" left" in line for line in running), running
    term.press("r")
    term.wait_for(lambda s: "enter resolves: every clock stops · escape cancels" in s)
    term.type_text("rolled back")
    term.wait_for(lambda s: "rolled back" in s)
    term.press("Enter")
    screen = term.wait_for(lambda s: "INC-1 checkout down · resolved" in s)
    clocks = _clock_lines(screen)
    assert clocks and not any(" left" in line or " over" in line for line in clocks), clocks
    shown = console.cli("incident", "show", "INC-1")
    assert "INC-1 SEV2 resolved" in shown and " left" not in shown.split("milestones:")[0]
    console.to_dashboard()


# A runbook read with no incident open


RUNBOOK_HINT = "▶ runs an action · ⚠ destructive · no open incident: d declares one with this runbook · escape closes"


def _read_runbook_from_the_palette(term: TmuxTerminal) -> None:
    term.press("C-p")
    term.wait_for(lambda s: PALETTE in s)
    term.type_text("view drill")
    term.wait_for(lambda s: "Runbook: View drill" in s)
    term.press("Enter")
    term.wait_for(lambda s: RUNBOOK_HINT in s)


def test_a_runbook_from_the_palette_shows_its_steps_and_escape_closes(quiet: Console) -> None:
    term = quiet.term
    _read_runbook_from_the_palette(term)
    screen = term.screen()
    assert "1. ▶ Echo the target back  [run]" in screen and "2. ⚠ Wipe the scratch file  [run]" in screen
    term.press("Escape")
    term.wait_for(lambda s: RUNBOOK_HINT not in s and "1 Services" in s)


def test_a_runbook_from_the_command_line_escape_closes(quiet: Console) -> None:
    term = quiet.term
    term.press(":")
    term.wait_for(lambda s: ":ack" in s)  # the command line's usage
    term.type_text("runbook view drill")
    term.wait_for(lambda s: "runbook view drill" in s)
    term.press("Enter")
    term.wait_for(lambda s: RUNBOOK_HINT in s and "Echo the target back" in s)
    term.press("Escape")
    term.wait_for(lambda s: RUNBOOK_HINT not in s and "1 Services" in s)


def test_d_on_a_runbook_declares_an_incident_with_it_escape_cancels(quiet: Console) -> None:
    term = quiet.term
    _read_runbook_from_the_palette(term)
    term.press("d")
    term.wait_for(lambda s: "1-4 declares at once" in s and RUNBOOK_HINT not in s)
    term.press("Escape")
    term.wait_for(lambda s: "1-4 declares at once" not in s and "1 Services" in s)
    assert "INC-1" not in quiet.cli("incident", "list")
    _read_runbook_from_the_palette(term)
    term.press("d")
    term.wait_for(lambda s: "1-4 declares at once" in s)
    term.press("3")
    # The incident screen: the severity's procedure and the runbook that was read, both on the checklist.
    term.wait_for(lambda s: "SEV3" in s and "INC-1" in s and "━━ View drill" in s and "Echo the target back" in s)
    shown = quiet.cli("incident", "show", "INC-1")
    assert "SEV3" in shown and "View drill / Drill" in shown
    quiet.to_dashboard()
