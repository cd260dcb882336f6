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
from tests.e2e.drill_runbook import drill_runbook
from tests.e2e.tmux_terminal import TmuxTerminal, console_cli, require_tmux, terminal_env

pytestmark = pytest.mark.e2e

RUNBOOK = drill_runbook("hint-drill", "Hint drill")


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
        f"runbooks:\n  paths: ['{home / 'runbooks'}']\n"
        "contacts:\n  people:\n    - {role: primary, name: Dana On-Call, phone: '+1 555 0100', slack: '@dana'}\n"
        "    - {role: escalation, name: Lee Lead, phone: '+1 555 0199'}\n",
        encoding="utf-8",
    )
    console_cli(config, home, "incident", "declare", "SEV2", "checkout down", "--runbook", "hint-drill")
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


def test_a_step_asking_a_value_escape_does_not_run_enter_runs(console: tuple[TmuxTerminal, Path, Path]) -> None:
    term, config, home = console
    term.type_text("/echo the target")  # the `/` filter, in one burst: the checklist shows that step only
    term.wait_for(lambda s: "Wipe the scratch file" not in s and "Echo the target back" in s)
    term.press("Enter", "g")  # enter hands the keyboard back to the checklist: g runs the step shown
    term.wait_for(lambda s: "Run: Echo the target back" in s and "enter: next, then run · escape: do not run" in s)
    term.press("Escape")
    term.wait_for(lambda s: "Run: Echo the target back" not in s)
    assert "ran Echo the target back" not in console_cli(config, home, "incident", "show", "INC-1")
    term.press("g")
    term.wait_for(lambda s: "Run: Echo the target back" in s)
    term.type_text("db-7")
    term.wait_for(lambda s: "db-7" in s)
    term.press("Enter")  # the only value: enter runs
    term.wait_for(lambda s: "ran Echo the target back: exit 0" in s)
    term.wait_for(lambda s: "v shows its last result" in s)  # the step's notes, under the checklist
    term.press("v")
    term.wait_for(lambda s: "hint-drill/echo-target: Echo the target back" in s and "target=db-7" in s)
    term.press("Escape")
    term.wait_for(lambda s: "hint-drill/echo-target:" not in s)


def test_a_destructive_step_escape_does_not_run_the_word_runs(console: tuple[TmuxTerminal, Path, Path]) -> None:
    term, config, home = console
    term.type_text("/wipe the scratch")
    term.wait_for(lambda s: "] Echo the target back" not in s and "] Wipe the scratch file" in s)
    term.press("Enter", "g")
    term.wait_for(lambda s: "Type WIPE and press enter to run it · escape: do not run" in s)
    term.press("Escape")
    term.wait_for(lambda s: "Destructive:" not in s)
    assert "ran Wipe the scratch file" not in console_cli(config, home, "incident", "show", "INC-1")
    term.press("g")
    term.wait_for(lambda s: "Type WIPE and press enter" in s)
    term.type_text("WIPE")
    term.press("Enter")
    term.wait_for(lambda s: "ran Wipe the scratch file: exit 0" in s)


def test_paused_logs_say_p_resumes_and_p_resumes(console: tuple[TmuxTerminal, Path, Path]) -> None:
    term, _, home = console
    term.press("Escape")
    term.wait_for(lambda s: "3 Logs" in s and "1 Services" in s)
    term.press("3")
    term.wait_for(lambda s: "┏━ 3 Logs" in s)
    term.press("p")
    term.wait_for(lambda s: "PAUSED" in s and "(p resumes)" in s)
    with (home / "app.log").open("a", encoding="utf-8") as log:
        log.write("2026-11-28 10:00:05 WARN pool nearly full path=/late\n")
    screen = term.wait_for(lambda s: "PAUSED · 1 new below (p resumes)" in s)
    assert "pool nearly full" not in screen  # paused: the new line waits below
    term.press("p")
    term.wait_for(lambda s: "PAUSED" not in s and "pool nearly full" in s)


LINES = {
    "10:00:00 INFO app": "request served",
    "10:00:01 ERROR app": "upstream timed out",
    "10:00:05 WARN app": "pool nearly full",
}


def test_a_log_line_opens_and_i_pins_it_escape_closes(console: tuple[TmuxTerminal, Path, Path]) -> None:
    term, config, home = console
    term.press("k", "Enter")  # the logs pane has the keyboard: k highlights a line, enter opens it
    screen = term.wait_for(lambda s: "i pins it to the open incident's timeline · escape closes" in s)
    title = next(title for title in LINES if title in screen)
    term.press("Escape")
    term.wait_for(lambda s: "i pins it" not in s)
    assert LINES[title] not in console_cli(config, home, "incident", "show", "INC-1")
    term.press("Enter")
    term.wait_for(lambda s: "i pins it" in s and title in s)
    term.press("i")
    term.wait_for(lambda s: "i pins it" not in s)
    term.wait_for(lambda s: LINES[title] in console_cli(config, home, "incident", "show", "INC-1"), timeout=10)


def test_contacts_slash_filters_enter_copies_escape_closes(console: tuple[TmuxTerminal, Path, Path]) -> None:
    term, _, _ = console
    term.press("c")
    term.wait_for(lambda s: "enter copies the value (and shows it) · / filters · escape closes" in s and "Dana" in s)
    term.type_text("/lee lead")  # one burst: the words land in the filter
    term.wait_for(lambda s: "Dana On-Call" not in s and "Lee Lead" in s)
    term.press("Enter", "Enter")  # the first hands the keyboard back to the table, the second copies its row
    term.wait_for(lambda s: "copied (OSC 52): +1 555 0199" in s)
    term.press("Escape")
    term.wait_for(lambda s: "Lee Lead" not in s and "1 Services" in s)


def test_declare_escape_cancels_and_a_digit_declares_at_once(console: tuple[TmuxTerminal, Path, Path]) -> None:
    term, config, home = console
    term.press("d")
    term.wait_for(lambda s: "1-4 declares at once · tab moves to the title, enter there declares · escape cancels" in s)
    term.press("Escape")
    term.wait_for(lambda s: "1-4 declares at once" not in s and "1 Services" in s)
    assert "INC-2" not in console_cli(config, home, "incident", "list")
    term.press("d")
    term.wait_for(lambda s: "1-4 declares at once" in s)
    term.press("4")  # the hint's promise: the digit alone declares
    term.wait_for(lambda s: "1-4 declares at once" not in s)
    term.wait_for(lambda s: "INC-2" in console_cli(config, home, "incident", "list"), timeout=10)
    assert "SEV4" in console_cli(config, home, "incident", "show", "INC-2")
    for _ in range(3):  # back to the dashboard, wherever the declaration took us
        if "1 Services" in term.screen():
            break
        term.press("Escape")
    term.wait_for(lambda s: "1 Services" in s)


SLEEPER = """\
import asyncio, sys
import asyncpg

async def main() -> None:
    conn = await asyncpg.connect(sys.argv[1], server_settings={"application_name": sys.argv[2]})
    print(conn.get_server_pid(), flush=True)
    await conn.execute("SELECT pg_sleep(60)")

asyncio.run(main())
"""


Sleeper = subprocess.Popen[str]


@pytest.fixture
def db_console(tmp_path: Path, pg_dsn: str) -> Iterator[tuple[TmuxTerminal, dict[str, int], list[Sleeper]]]:
    """A console over the tests' PostgreSQL with two sessions running `SELECT pg_sleep(60)`, each its own
    application_name; the sleepers end (their processes and their backends) afterwards."""
    require_tmux()
    sleepers = {
        name: subprocess.Popen([sys.executable, "-c", SLEEPER, pg_dsn, name], stdout=subprocess.PIPE, text=True)
        for name in ("hint-sleeper-one", "hint-sleeper-two")
    }
    config = tmp_path / "tessa.yaml"
    config.write_text(
        f"platform: Hints\ndatabase:\n  dsn: '{pg_dsn}'\n  activity-interval: 500ms\n  long-query-threshold: 1s\n"
        f"journal:\n  path: '{tmp_path / 'journal.sqlite3'}'\n  actor: e2e\n",
        encoding="utf-8",
    )
    term = TmuxTerminal(200, 45)
    try:
        pids = {
            name: int((process.stdout.readline() if process.stdout else "").strip())
            for name, process in sleepers.items()
        }
        term.start([sys.executable, "-m", "tessa_tui", "--config", str(config)], terminal_env(tmp_path), REPO)
        term.wait_for(lambda s: "hint-sleeper-one" in s and "hint-sleeper-two" in s)
        yield term, pids, list(sleepers.values())
    finally:
        term.close()
        for process in sleepers.values():
            process.kill()
            process.wait()


def _cursor_row(styled: str) -> str | None:
    """The application of the long-queries row drawn bold (the focused table's cursor row), if any."""
    for line in styled.splitlines():
        at = line.find("hint-sleeper-")
        if at >= 0 and "\x1b[1m" in line[line.rfind("┃", 0, at) : at]:
            return line[at:].split()[0]
    return None


def test_database_pane_j_k_move_the_cursor_and_x_names_its_pid(
    db_console: tuple[TmuxTerminal, dict[str, int], list[Sleeper]],
) -> None:
    term, pids, sleepers = db_console
    term.press("4")
    term.wait_for(lambda s: "┏━ 4 Database" in s and "x Cancel query" in s)
    term.press("Tab")  # from the section tabs to the long-queries table
    first = _cursor_row(term.wait_for(lambda s: _cursor_row(s) is not None, styled=True))
    order = [
        line[line.index("hint-sleeper-") :].split()[0] for line in term.screen().splitlines() if "hint-sleeper-" in line
    ]
    assert first == order[0]
    second = order[1]
    term.press("j")
    term.wait_for(lambda s: _cursor_row(s) == second, styled=True)
    term.press("x")
    term.wait_for(lambda s: f"Stop backend {pids[second]}?" in s and "escape leaves it" in s)
    term.type_text("only looking")  # typed on the choices, it goes to the reason; then escape: nothing is sent
    term.wait_for(lambda s: "only looking" in s)
    term.press("Escape")
    term.wait_for(lambda s: "Stop backend" not in s)
    term.press("k")
    term.wait_for(lambda s: _cursor_row(s) == first, styled=True)
    term.press("x")
    term.wait_for(lambda s: f"Stop backend {pids[first]}?" in s)
    term.press("Escape")
    term.wait_for(lambda s: "Stop backend" not in s and "hint-sleeper-one" in s and "hint-sleeper-two" in s)
    assert [process.poll() for process in sleepers] == [None, None]  # a cancelled pg_sleep would end its process
