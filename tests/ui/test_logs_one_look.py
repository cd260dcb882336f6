"""The logs pane's budget for a busy file: each line appended to a followed file is looked at once (its head scan),
by the follower, whose reads the file's index takes; a second look per line (the index reading the file again)
halved the lines a second the pane keeps up with (benchmarks/log_compare.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from screens.app import TessaApp
from screens.dashboard.logs_pane import LogsPane
from tessa_tui.config.load import load_config
from tessa_tui.logs import file_index
from tessa_tui.logs.file_index import FileIndex
from tessa_tui.logs.formats.log_format import LogFormat
from tessa_tui.logs.record_format import format_for
from tests.ui.screen_text import screen_text, wait_until

pytestmark = pytest.mark.slow


def lines(tag: str, count: int) -> str:
    return "".join(
        f"2026-12-06T10:{n // 60:02d}:{n % 60:02d}.000Z INFO request {tag} {n:03d} handled\n" for n in range(count)
    )


def arrived(app: TessaApp, index: FileIndex, last: str, records: int) -> Callable[[], bool]:
    """The burst ending in `last` is on screen and indexed."""
    return lambda: last in screen_text(app) and index.count == records


async def test_each_appended_line_is_scanned_once(
    write_config: Callable[[str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # However slow the machine, the index waits for the follower's next read rather than read the lines itself.
    monkeypatch.setattr(file_index, "FED_S", 120.0)
    log = tmp_path / "app.log"
    log.write_text(lines("start", 250))  # past the 200 lines a format is detected from
    looks: Counter[str] = Counter()
    kind = type(format_for(log))
    original = kind.head

    def head(self: LogFormat, line: str) -> object:
        looks[line] += 1
        return original(self, line)

    monkeypatch.setattr(kind, "head", head)
    app = TessaApp(load_config(write_config(f"logs:\n  - name: app\n    path: '{log}'\n"), environ={}))
    async with app.run_test(size=(150, 40)) as pilot:
        pane = app.screen.query_one(LogsPane)
        await wait_until(pilot, lambda: "app" in pane._indexes)  # started once the pane goes live
        index = pane._indexes["app"]
        await wait_until(pilot, lambda: index.count == 250 and "request start 249" in screen_text(app), timeout=30)
        looks.clear()
        appended: list[str] = []
        for burst in range(5):
            text = lines(f"busy{burst}", 40)
            appended += text.splitlines()
            with log.open("a", encoding="utf-8") as handle:
                handle.write(text)
            await wait_until(pilot, arrived(app, index, f"request busy{burst} 039 handled", 250 + 40 * (burst + 1)))
    assert {line: looks[line] for line in appended} == dict.fromkeys(appended, 1), "a line was scanned twice"
