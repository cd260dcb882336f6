"""The logs pane live on real files: lines arrive, levels are counted, hostile bytes never reach the screen."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from screens.app import TessaApp
from screens.dashboard.logs_pane import LogsPane
from tessa_tui.config.load import load_config
from tessa_tui.logs.ingest import Batch, digest
from tessa_tui.logs.parse import LogParser, LogRecord
from tests.ui.screen_text import screen_text, wait_until


def batch_of(source: str, lines: list[str]) -> Batch:
    """Lines as a follower hands them to the pane after a quiet read: parsed, counted, the last record closed."""
    return digest(LogParser(source=source), lines, "following", None, flush=True)


@pytest.mark.slow
async def test_lines_levels_and_hostile_text(write_config: Callable[[str], Path], tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text('{"level":"info","time":"2026-11-28T10:00:01Z","msg":"started"}\n')
    app = TessaApp(load_config(write_config(f"logs:\n  - name: app\n    path: '{log}'\n"), environ={}))
    async with app.run_test(size=(150, 40)) as pilot:
        pane = app.screen.query_one(LogsPane)
        await wait_until(pilot, lambda: pane.counts["info"] == 1)
        with log.open("a") as handle:
            handle.write(
                '{"level":"error","time":"2026-11-28T10:00:02Z","msg":"\x1b]0;pwned\x07boom [bold]x[/] \x1b[2J"}\n'
            )
            handle.write("2026-11-28 10:00:03 WARN disk at 91%\n")
        await wait_until(pilot, lambda: pane.counts["error"] == 1 and pane.counts["warn"] == 1)
        await pilot.press("3", "z")
        # Lines are drawn on the next tick (at most a second); the counts within five.
        await wait_until(pilot, lambda: "errors 33.3%" in screen_text(app) and "boom" in screen_text(app))
        shown = screen_text(app)
        assert "10:00:01 INFO  app        started" in shown
        assert "ERROR app        \\e]0;pwned\\x07boom [bold]x[/] \\e[2J" in shown
        assert "1 info · 1 warn · 1 error · errors 33.3%" in shown
        assert pane.error_rate() == 1 / 3


async def test_a_missing_file_is_waited_for(write_config: Callable[[str], Path], tmp_path: Path) -> None:
    log = tmp_path / "later.log"
    app = TessaApp(load_config(write_config(f"logs:\n  - name: later\n    path: '{log}'\n"), environ={}))
    async with app.run_test(size=(150, 40)) as pilot:
        await wait_until(pilot, lambda: "waiting for later" in screen_text(app))
        log.write_text("2026-11-28 10:00:03 ERROR it exists now\n")
        pane = app.screen.query_one(LogsPane)
        await wait_until(pilot, lambda: pane.counts["error"] == 1)


@pytest.mark.slow
async def test_filter_and_pause_from_the_keyboard(write_config: Callable[[str], Path], tmp_path: Path) -> None:
    from screens.widgets.log_view import LogView

    log = tmp_path / "app.log"
    log.write_text(
        "2026-11-28 10:00:01 INFO started\n2026-11-28 10:00:02 ERROR db timeout\n"
        "2026-11-28 10:00:03 WARN slow request /api/chat\n2026-11-28 10:00:04 INFO healthy\n"
    )
    app = TessaApp(load_config(write_config(f"logs:\n  - name: app\n    path: '{log}'\n"), environ={}))
    async with app.run_test(size=(150, 40)) as pilot:
        pane = app.screen.query_one(LogsPane)
        await wait_until(pilot, lambda: pane.counts["info"] == 2)
        await pilot.press("3", "z", "slash", *"level:warn")
        await wait_until(pilot, lambda: "'level:warn': 2 of 4" in screen_text(app))
        shown = screen_text(app)
        assert "db timeout" in shown and "slow request" in shown and "healthy" not in shown
        await pilot.press("enter")  # the filter stays; the keyboard goes back to the lines
        await pilot.press("slash", "home", "!", "enter")  # "!level:warn": inverted
        await wait_until(pilot, lambda: "healthy" in screen_text(app) and "db timeout" not in screen_text(app))
        await pilot.press("slash")
        await pilot.pause()
        await pilot.press("escape")  # escape clears the filter (the pane stays zoomed)
        assert app.screen.maximized is not None
        await wait_until(pilot, lambda: "db timeout" in screen_text(app) and "healthy" in screen_text(app))

        await pilot.press("p")
        assert app.screen.query_one(LogView).paused
        with log.open("a") as handle:
            handle.write("2026-11-28 10:00:05 ERROR arrived while paused\n")
        await wait_until(pilot, lambda: "PAUSED · 1 new below" in screen_text(app))
        assert "arrived while paused" not in screen_text(app)
        await pilot.press("p")
        await wait_until(pilot, lambda: "arrived while paused" in screen_text(app))
        await pilot.press("slash", *"re:(", "enter")  # a bad regex: said so, the view keeps working
        await wait_until(pilot, lambda: "not a regular expression" in screen_text(app))


async def test_select_open_and_pin_a_line_to_the_incident(write_config: Callable[[str], Path], tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text(
        '{"level":"error","time":"2026-11-28T10:00:02Z","msg":"db timeout","pool":{"size":20,"waiting":31}}\n'
        "2026-11-28 10:00:03 INFO recovered\n"
    )
    config = f"logs:\n  - name: app\n    path: '{log}'\njournal:\n  path: {tmp_path / 'j.sqlite3'}\n  actor: alice\n"
    app = TessaApp(load_config(write_config(config), environ={}))
    async with app.run_test(size=(150, 40)) as pilot:
        pane = app.screen.query_one(LogsPane)
        await wait_until(pilot, lambda: pane.counts["info"] == 1 and app.desk.book is not None)
        book = app.desk.book
        assert book is not None
        incident_id = (await app.desk.record(book.declare("SEV3", "DB timeouts"))).incident
        await pilot.press("3", "k", "k", "enter")  # the older line: the JSON one
        await wait_until(pilot, lambda: '"waiting": 31' in screen_text(app))
        assert '"pool": {' in screen_text(app)  # pretty-printed, not one long line
        await pilot.press("i")
        await wait_until(pilot, lambda: any(e.kind == "log_pinned" for e in book.get(incident_id).events))
        pinned = next(e for e in book.get(incident_id).events if e.kind == "log_pinned")
        assert pinned.data["title"] == "log app 10:00:02 ERROR" and '"waiting":31' in pinned.data["excerpt"]


async def test_error_rate_per_minute_sparkline(
    write_config: Callable[[str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from screens.dashboard import logs_pane
    from screens.messages import LogLines

    minute_now = [100]
    monkeypatch.setattr(logs_pane, "arrival_minute", lambda: minute_now[0])
    config = write_config(f"logs:\n  - name: app\n    path: '{tmp_path / 'none.log'}'\n")
    app = TessaApp(load_config(config, environ={}))
    async with app.run_test(size=(150, 40)) as pilot:
        pane = app.screen.query_one(LogsPane)
        for minute, errors in ((0, 0), (1, 1), (2, 5)):
            minute_now[0] = 100 + minute
            lines = [f"2026-11-28 10:0{minute}:00 {'ERROR' if n < errors else 'INFO'} line {n}" for n in range(10)]
            pane.post_message(LogLines(batch_of("app", lines)))
            await pilot.pause()
        assert pane.error_rates() == [0.0, 0.1, 0.5]
        pane._update_subtitle()
        await pilot.pause()
        assert "per minute ▁▂█ 50.0%" in screen_text(app)


async def test_sources_merge_by_time_and_each_has_a_tab(write_config: Callable[[str], Path], tmp_path: Path) -> None:
    from screens.messages import LogLines
    from screens.widgets.log_view import LogView

    config = write_config(
        f"logs:\n  - name: app\n    path: '{tmp_path / 'a.log'}'\n  - name: edge\n    path: '{tmp_path / 'e.log'}'\n"
    )
    app = TessaApp(load_config(config, environ={}), live=False)
    async with app.run_test(size=(150, 40)) as pilot:
        pane = app.screen.query_one(LogsPane)
        pane.post_message(LogLines(batch_of("app", ["2026-11-28 09:59:59 INFO app zeroth"])))
        await pilot.pause()  # the first lines are drawn at once; later ones once a second, merged
        pane.post_message(
            LogLines(batch_of("app", ["2026-11-28 10:00:03 INFO app third", "2026-11-28 10:00:01 INFO app first"]))
        )
        pane.post_message(
            LogLines(batch_of("edge", ['{"level":"error","time":"2026-11-28T10:00:02Z","msg":"edge second"}']))
        )
        await pilot.pause()
        pane.tick()
        await pilot.pause()
        messages = [LogRecord._make(row).message for row in app.screen.query_one(LogView).lines]
        assert [m.split()[-1] for m in messages] == ["zeroth", "first", "second", "third"]
        await pilot.press("3", "right_square_bracket")  # the app tab
        await wait_until(pilot, lambda: "app tab: 3 of 4" in screen_text(app))
        assert "edge second" not in screen_text(app)
        await pilot.press("right_square_bracket", "slash", *"level:error")
        await wait_until(pilot, lambda: "edge tab 'level:error': 1 of 4" in screen_text(app))
        # A source read later with older records: merged in place by time, not piled at the bottom.
        pane.post_message(LogLines(batch_of("app", ["2026-11-28 10:00:04 INFO app fourth"])))
        await pilot.pause()
        pane.tick()
        pane.post_message(LogLines(batch_of("edge", ['{"level":"info","time":"2026-11-28T10:00:02.5Z","msg":"late"}'])))
        await pilot.pause()
        pane.tick()
        await pilot.pause()
        messages = [LogRecord._make(row).message for row in app.screen.query_one(LogView).all_lines]
        assert [m.split()[-1] for m in messages] == ["zeroth", "first", "second", "late", "third", "fourth"]


async def test_an_unfinished_last_line_is_shown_and_replaced_as_it_grows(
    write_config: Callable[[str], Path], tmp_path: Path
) -> None:
    log = tmp_path / "app.log"
    log.write_text("2026-11-28 10:00:01 INFO started\n")
    app = TessaApp(load_config(write_config(f"logs:\n  - name: app\n    path: '{log}'\n"), environ={}))
    async with app.run_test(size=(150, 40)) as pilot:
        await pilot.press("3", "z")
        await wait_until(pilot, lambda: "started" in screen_text(app))
        with log.open("a") as handle:
            handle.write("2026-11-28 10:00:02 ERROR worker crashed mid-li")  # no newline: a writer that died
        await wait_until(pilot, lambda: "worker crashed mid-li" in screen_text(app))
        with log.open("a") as handle:
            handle.write("ne, then wrote more")
        await wait_until(pilot, lambda: "worker crashed mid-line, then wrote more" in screen_text(app))
        assert screen_text(app).count("worker crashed") == 1  # replaced, not added
        with log.open("a") as handle:
            handle.write("\n2026-11-28 10:00:03 INFO next\n")
        await wait_until(pilot, lambda: "next" in screen_text(app))
        assert screen_text(app).count("worker crashed mid-line, then wrote more") == 1
        assert app.screen.query_one(LogsPane).counts["error"] == 1
