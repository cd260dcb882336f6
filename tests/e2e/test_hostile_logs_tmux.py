"""The real console in a real terminal with hostile log sources: a file that receives `{"time": Infinity}` and
`{"ts": 1e400}` (the time normaliser once looped forever on them) and a FIFO (once opened blocking). The pane
says why the FIFO is not followed, keeps showing the file's later lines, and `q` quits."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.e2e.tmux_terminal import TmuxTerminal, terminal_env

pytestmark = pytest.mark.e2e


def shows(text: str) -> Callable[[str], bool]:
    return lambda screen: text in screen


def test_infinite_times_and_a_fifo_freeze_nothing(terminal: TmuxTerminal, tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text('{"level": "info", "msg": "first-line"}\n', encoding="utf-8")
    fifo = Path(tempfile.mkdtemp(prefix="t", dir="/tmp")) / "p"  # short: the reason fits the pane's subtitle
    os.mkfifo(fifo)
    config = tmp_path / "tessa.yaml"
    config.write_text(
        f"platform: Hostile\nlogs:\n  - name: pipe\n    path: '{fifo}'\n  - name: app\n    path: '{log}'\n",
        encoding="utf-8",
    )
    terminal.start([sys.executable, "-m", "tessa_tui", "--config", str(config)], terminal_env(tmp_path), REPO)
    terminal.wait_for(lambda s: "first-line" in s)
    terminal.press("3")
    terminal.wait_for(lambda s: "┏━ 3 Logs" in s)
    terminal.press("z")  # the logs pane, full width: its subtitle has room for the reason
    terminal.wait_for(lambda s: "┏━ 3 Logs" in s and "Services" not in s.split("┏━ 3 Logs")[0])
    with log.open("a", encoding="utf-8") as handle:
        handle.write('{"time": Infinity, "level": "error", "msg": "infinite-time"}\n')
        handle.write('{"ts": 1e400, "level": "warn", "msg": "huge-time"}\n')
        handle.write('{"time": NaN, "ts": -Infinity, "msg": "nan-time"}\n')
    terminal.wait_for(lambda s: "infinite-time" in s and "huge-time" in s and "nan-time" in s)
    for n in range(3):  # the file keeps flowing after them
        with log.open("a", encoding="utf-8") as handle:
            handle.write(f'{{"level": "info", "msg": "later-line-{n}"}}\n')
        terminal.wait_for(shows(f"later-line-{n}"))
    screen = terminal.wait_for(lambda s: "is a FIFO, not a regular file" in s)
    assert "pipe cannot follow:" in screen
    terminal.press("q")
    screen = terminal.wait_for(lambda s: "EXIT=" in s)
    assert "EXIT=0" in screen and "Traceback" not in screen
    fifo.unlink()
    fifo.parent.rmdir()
