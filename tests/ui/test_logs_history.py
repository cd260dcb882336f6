"""The logs pane over a whole file: the ring holds the newest records, the background index the rest; `g` reaches
the file's first record, `/` counts and shows matches from the whole file, `n` / `N` jump to them in context,
`:goto` lands on a time, and the level counts are the whole file's."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from screens.app import TessaApp
from screens.dashboard.logs_pane import LogsPane
from screens.widgets.log_view import LogView
from tessa_tui.config.load import load_config
from tests.ui.screen_text import screen_text, wait_until

pytestmark = pytest.mark.slow
RECORDS = 30_000


def write_log(path: Path, records: int = RECORDS) -> None:
    """`records` records over 500 minutes from 06:00, one error every 1,000, `needle-early` only in record 3."""
    with path.open("w", encoding="utf-8") as handle:
        for n in range(records):
            seconds = 6 * 3600 + n
            clock = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
            level = "ERROR" if n % 1000 == 999 else "INFO"
            word = " needle-early" if n == 3 else ""
            handle.write(f"2026-12-06T{clock}.000Z {level} request {n:06d} handled{word}\n")


def said(app: TessaApp, text: str) -> bool:
    """A toast with `text` is up."""
    return any(text in str(note.message) for note in app._notifications)


@contextlib.asynccontextmanager
async def indexed_pane(config_for: Callable[[str], Path], folder: Path) -> AsyncIterator[tuple[TessaApp, Pilot[int]]]:
    """The console on a 30,000-record log whose ring holds 100, the logs pane zoomed, the file indexed whole."""
    log = folder / "big.log"
    write_log(log)
    config = config_for(f"logs:\n  - name: app\n    path: '{log}'\n    buffer-lines: 100\n")
    app = TessaApp(load_config(config, environ={}))
    async with app.run_test(size=(150, 40)) as pilot:
        await pilot.press("3", "z")
        await wait_until(pilot, lambda: "indexed 30,000 records" in screen_text(app), timeout=60)
        yield app, pilot


async def test_g_reaches_the_first_record_beyond_the_ring(write_config: Callable[[str], Path], tmp_path: Path) -> None:
    async with indexed_pane(write_config, tmp_path) as (app, pilot):
        assert "request 029999 handled" in screen_text(app)
        assert "30 error" in screen_text(app)  # the whole file's counts, not the ring's
        view = app.screen.query_one(LogView)
        view.focus()
        await pilot.press("g")
        await wait_until(pilot, lambda: "request 000000 handled" in screen_text(app))
        assert "record 1 of 30,000" in screen_text(app)
        await pilot.press("pagedown")
        await wait_until(pilot, lambda: "request 000000" not in screen_text(app))
        await pilot.press("G")
        await wait_until(
            pilot, lambda: "request 029999 handled" in screen_text(app) and "record " not in screen_text(app)
        )


async def test_filter_counts_the_whole_file_and_n_jumps_in_context(
    write_config: Callable[[str], Path], tmp_path: Path
) -> None:
    async with indexed_pane(write_config, tmp_path) as (app, pilot):
        app.screen.query_one(LogView).focus()
        await pilot.press("slash", *"needle-early", "enter")
        await wait_until(pilot, lambda: "1 of 30,000 in the whole file" in screen_text(app))
        assert "request 000003 handled needle-early" in screen_text(app)
        await pilot.press("slash", *" ", "ctrl+u", *"level:error", "enter")
        await wait_until(pilot, lambda: "30 of 30,000 in the whole file" in screen_text(app))
        await pilot.press("slash", "escape")  # the filter goes; the search stays for n / N
        await wait_until(pilot, lambda: "in the whole file" not in screen_text(app))
        await pilot.press("n")  # from the tail: wraps to the first error
        await wait_until(pilot, lambda: "request 000999" in screen_text(app))
        await pilot.press("n")
        await wait_until(pilot, lambda: "request 001999" in screen_text(app))
        selected = app.screen.query_one(LogView).selected
        assert selected is not None and "request 001999" in selected[2]


async def test_goto_lands_on_a_time(write_config: Callable[[str], Path], tmp_path: Path) -> None:
    async with indexed_pane(write_config, tmp_path) as (app, pilot):
        await pilot.press("colon", *"goto 07:30", "enter")
        # 07:30:00 is record 5,400 (one a second from 06:00).
        await wait_until(pilot, lambda: "request 005400 handled" in screen_text(app))
        view = app.screen.query_one(LogView)
        assert view.selected is not None and "request 005400" in view.selected[2]
        await pilot.press("colon", *"goto 05:00", "enter")  # before the file's first record
        await wait_until(pilot, lambda: said(app, "app begins after 05:00"))
        assert "request 000000 handled" in screen_text(app)
        await pilot.press("colon", *"goto half past", "enter")
        await wait_until(pilot, lambda: said(app, "use HH:MM[:SS]"))


async def test_goto_further_than_the_index_lands_when_it_gets_there(
    write_config: Callable[[str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tessa_tui.logs.index_worker import IndexWorker

    monkeypatch.setattr(IndexWorker, "start", lambda self: None)  # the test steps the index itself
    log = tmp_path / "big.log"
    write_log(log)
    config = write_config(f"logs:\n  - name: app\n    path: '{log}'\n    buffer-lines: 100\n")
    app = TessaApp(load_config(config, environ={}))
    async with app.run_test(size=(150, 40)) as pilot:
        await pilot.press("3", "z")
        pane = app.screen.query_one(LogsPane)
        await wait_until(pilot, lambda: "request 029999 handled" in screen_text(app))
        index = pane._indexes["app"]
        index.step()  # the first MiB only: about 17,000 records, up to 10:43
        assert 0 < index.count < 20_000
        await pilot.press("colon", *"goto 13:00", "enter")  # record 25,200: not indexed yet
        await wait_until(pilot, lambda: said(app, "lands once it gets there"))
        assert "request 025200" not in screen_text(app)
        while index.step():
            pass
        pane.tick()
        await wait_until(
            pilot, lambda: "request 025200 handled" in screen_text(app) and said(app, ":goto 13:00: there")
        )


async def test_the_subtitle_says_when_errors_started(write_config: Callable[[str], Path], tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    with log.open("w", encoding="utf-8") as handle:
        for n in range(3600):  # an hour from 13:00 written in +02:00, a record a second; errors from 13:50
            clock = f"{13 + n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}"
            level = "ERROR" if n >= 3000 and n % 3 == 0 else "INFO"
            handle.write(f"2026-12-06T{clock}.000+02:00 {level} request {n}\n")
    app = TessaApp(load_config(write_config(f"logs:\n  - name: app\n    path: '{log}'\n"), environ={}))
    async with app.run_test(size=(150, 40)) as pilot:
        await pilot.press("3", "z")
        await wait_until(pilot, lambda: "errors up since 13:50" in screen_text(app))


async def test_on_the_all_tab_of_several_sources_g_says_where_the_whole_file_is(
    write_config: Callable[[str], Path], tmp_path: Path
) -> None:
    (tmp_path / "a.log").write_text("2026-12-06T10:00:00Z INFO a\n")
    (tmp_path / "b.log").write_text("2026-12-06T10:00:01Z INFO b\n")
    config = write_config(
        f"logs:\n  - name: a\n    path: '{tmp_path / 'a.log'}'\n  - name: b\n    path: '{tmp_path / 'b.log'}'\n"
    )
    app = TessaApp(load_config(config, environ={}))
    async with app.run_test(size=(150, 40)) as pilot:
        await pilot.press("3")
        await wait_until(pilot, lambda: "INFO b" in screen_text(app))
        await pilot.press("g")
        await wait_until(pilot, lambda: said(app, "choose its tab"))
        await pilot.press("right_square_bracket", "g")  # the a tab: its own file's history
        await wait_until(pilot, lambda: "INFO a" in screen_text(app) and "INFO b" not in screen_text(app))
