"""The real console in a real terminal on a 200 MB log: its last line is on screen at once, and while the rest is
indexed in the background `g` reaches the file's first line, `/` finds a line near the top, and `:goto` lands on a
time; the subtitle counts the whole file's records once it is indexed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.e2e.tmux_terminal import TmuxTerminal, terminal_env

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
SIZE = 200 * 1024 * 1024
PER_SECOND = 40  # records a second: 200 MB of them span about 18 hours from midnight


def line(n: int) -> str:
    seconds = n // PER_SECOND
    clock = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    level = "ERROR" if n % 5000 == 4999 else "INFO "
    note = " needle-near-top" if n == 120 else ""
    return f"2026-12-06T{clock}.{n % 1000:03d}Z {level} api request {n:08d} served path=/api/items/{n % 977}{note}\n"


def write_big_log(path: Path) -> int:
    """Lines up to SIZE bytes and a last line that says so; the number of lines."""
    written = 0
    n = 0
    with path.open("w", encoding="utf-8") as handle:
        while written < SIZE:
            chunk = "".join(line(k) for k in range(n, n + 20_000))
            handle.write(chunk)
            written += len(chunk)
            n += 20_000
        handle.write(line(n).replace("served", "last-line-of-the-file"))
    return n + 1


def test_a_200_mb_log_g_search_and_goto(terminal: TmuxTerminal, tmp_path: Path) -> None:
    log = tmp_path / "big.log"
    write_big_log(log)
    config = tmp_path / "tessa.yaml"
    config.write_text(f"platform: Big log\nlogs:\n  - name: api\n    path: '{log}'\n", encoding="utf-8")
    terminal.start([sys.executable, "-m", "tessa_tui", "--config", str(config)], terminal_env(tmp_path), REPO)
    terminal.wait_for(lambda s: "last-line-of-the-file" in s, timeout=30)
    terminal.press("3")
    terminal.wait_for(lambda s: "┏━ 3 Logs" in s)
    terminal.press("z")  # full width: the subtitle has room
    terminal.wait_for(lambda s: "Services" not in s.split("┏━ 3 Logs")[0])

    terminal.press("g")  # the file's first line: from the index, not the ring of the newest 50,000
    # The border's `record 1 of N` is painted with the rows or a frame after them (on a busy machine, after).
    terminal.wait_for(lambda s: "request 00000000 served" in s and "record 1 of" in s)

    terminal.press("/")
    terminal.type_text("needle-near-top")
    terminal.press("Enter")
    terminal.wait_for(lambda s: "request 00000120 served" in s and "'needle-near-top': 1 of" in s)

    terminal.press(":")
    terminal.wait_for(lambda s: ":sev" in s)  # the command line's usage line
    terminal.type_text("goto 00:30")
    terminal.wait_for(lambda s: "goto 00:30" in s)
    terminal.press("Enter")
    # 00:30:00 is record 72,000: 40 a second from midnight. (If the index is not there yet, it lands when it is.)
    # :goto shows the whole file at that time: the filter is gone.
    screen = terminal.wait_for(lambda s: "request 00072000 served" in s and "needle-near-top" not in s)
    first_row = next(row for row in screen.splitlines() if "request 000" in row)
    assert "00:30:00" in first_row and "request 00072000" in first_row

    terminal.press("G")  # back to the live tail
    terminal.wait_for(lambda s: "last-line-of-the-file" in s and "record " not in s)
    terminal.press("q")
    screen = terminal.wait_for(lambda s: "EXIT=" in s)
    assert "EXIT=0" in screen and "Traceback" not in screen
