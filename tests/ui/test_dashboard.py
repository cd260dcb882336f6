"""The console shell driven by a Pilot: the keys a person presses, what the screen then shows."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.coordinate import Coordinate
from textual.widgets import DataTable, Static

from screens.app import TessaApp
from screens.help_screen import HelpScreen
from tessa_tui.base.time_source import Now
from tessa_tui.config.keymap import KEYS
from tessa_tui.config.load import LoadedConfig, load_config
from tests.ui.screen_text import screen_text

SIZE = (140, 40)


def _pane_of_focus(app: TessaApp) -> str | None:
    focused = app.focused
    while focused is not None and "pane" not in focused.classes:
        focused = focused.parent  # type: ignore[assignment]
    return focused.id if focused is not None else None


async def test_number_keys_focus_each_pane(example_config: LoadedConfig) -> None:
    app = TessaApp(example_config, live=False)
    async with app.run_test(size=SIZE) as pilot:
        assert _pane_of_focus(app) == "services-pane"
        for key, pane in [("2", "incident"), ("3", "logs"), ("4", "database"), ("1", "services")]:
            await pilot.press(key)
            assert _pane_of_focus(app) == f"{pane}-pane"


async def test_z_maximises_the_focused_pane_and_restores(example_config: LoadedConfig) -> None:
    app = TessaApp(example_config, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3", "z")
        assert app.screen.maximized is not None and app.screen.maximized.id == "logs-pane"
        await pilot.press("1")  # moving to another pane keeps the zoom, on that pane
        assert app.screen.maximized is not None and app.screen.maximized.id == "services-pane"
        await pilot.press("z")
        assert app.screen.maximized is None


async def test_help_lists_every_binding_and_closes(example_config: LoadedConfig) -> None:
    app = TessaApp(example_config, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one("#help-table", DataTable)
        ids = {str(table.get_cell_at(Coordinate(row, 1))) for row in range(table.row_count)}
        # The dashboard's keys (its own, its panes', the app's), not the incident screen's.
        assert {"focus_services", "focus_database", "declare", "cancel_query", "log_pause", "quit", "help"} <= ids
        assert not ids & {"tick", "run_step", "milestone", "export"}
        assert ids <= {spec.id for spec in KEYS} | {"(built in)"}
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("question_mark", "question_mark")
        assert not isinstance(app.screen, HelpScreen)


async def test_q_quits(example_config: LoadedConfig) -> None:
    app = TessaApp(example_config, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
    assert app.return_code == 0
    assert not app.is_running


async def test_keymap_from_config_remaps_by_id(write_config: Callable[[str], Path]) -> None:
    loaded = load_config(write_config("keymap:\n  focus_logs: l\n  quit: ctrl+x\n"), environ={})
    app = TessaApp(loaded, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        assert _pane_of_focus(app) == "services-pane"  # the old key no longer focuses logs
        await pilot.press("l")
        assert _pane_of_focus(app) == "logs-pane"
        await pilot.press("q")
        assert app.is_running
        await pilot.press("question_mark")
        table = app.screen.query_one("#help-table", DataTable)
        assert str(table.get_row("quit")[0]) == "^x"
        await pilot.press("escape", "ctrl+x")
    assert not app.is_running


async def test_absent_sections_say_which_key_to_add(write_config: Callable[[str], Path]) -> None:
    app = TessaApp(load_config(write_config("platform: Bare\nenvironment: staging\n"), environ={}))
    async with app.run_test(size=SIZE):
        for pane, key in [("services", "services:"), ("logs", "logs:"), ("database", "database:")]:
            message = str(app.screen.query_one(f"#{pane}-pane .not-configured", Static).render())
            assert "Not configured" in message and key in message
        assert not app.screen.query("#services-table")


async def test_header_shows_platform_environment_on_call_and_both_clocks(
    example_config: LoadedConfig, frozen_clock: Now
) -> None:
    app = TessaApp(example_config, clock=frozen_clock, live=False)
    async with app.run_test(size=SIZE):
        header = app.screen.query_one("#status-header")
        text = " ".join(str(w.render()) for w in header.children)
        assert "Tessa AI Platform" in text and "PRODUCTION" in text and "on-call: Ada Lovelace" in text
        assert "14:03:07 UTC" in text
        assert app.screen.query_one("#header-environment").has_class("risk-high")


async def test_services_rows_keep_config_order_within_groups_and_mask_secrets(
    write_config: Callable[[str], Path],
) -> None:
    path = write_config(
        """
        services:
          - {name: b-api, group: api, url: "https://user:hunter2@api.example.com/h?token=abc"}
          - {name: vendor, group: vendors, statuspage: "https://status.example.com"}
          - {name: a-api, group: api, url: "https://api.example.com/h2"}
        """
    )
    app = TessaApp(load_config(path, environ={}), live=False)
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one("#services-table", DataTable)
        names = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]  # config order, grouped
        assert names == ["b-api", "a-api", "vendor"]
        assert str(table.get_row("b-api")[0]) == "? unknown"
        assert str(table.get_row("b-api")[5]) == "not yet checked"
        await pilot.press("enter")  # the detail view shows the target
        rendered = screen_text(app)
        assert "hunter2" not in rendered and "token=abc" not in rendered
        assert "GET https://user:****@api.example.com/h?token=****" in rendered


async def test_high_contrast_theme_toggles(example_config: LoadedConfig) -> None:
    app = TessaApp(example_config, live=False)
    async with app.run_test(size=SIZE) as pilot:
        assert app.theme == "tessa-dark"
        await pilot.press("ctrl+t")
        assert app.theme == "tessa-high-contrast"
        await pilot.press("ctrl+t")
        assert app.theme == "tessa-dark"


async def test_command_palette_focuses_a_pane(example_config: LoadedConfig) -> None:
    app = TessaApp(example_config, live=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"focus database")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert _pane_of_focus(app) == "database-pane"


async def test_readonly_mode_is_announced(example_config: LoadedConfig) -> None:
    app = TessaApp(example_config, readonly=True, live=False)
    async with app.run_test(size=SIZE):
        assert "READ-ONLY" in str(app.screen.query_one("#header-readonly", Static).render())


async def test_hostile_config_text_is_not_markup(write_config: Callable[[str], Path]) -> None:
    app = TessaApp(load_config(write_config("platform: '[/tmp] [bold]x'\n"), environ={}))
    async with app.run_test(size=SIZE):
        assert "Tessa" not in screen_text(app)
        assert " [/tmp] [bold]x " in screen_text(app).splitlines()[0]


async def test_an_insecure_check_says_so_on_its_row(write_config: Callable[[str], Path]) -> None:
    path = write_config(
        """
        services:
          - {name: lab, url: "https://lab.internal/health", tls: {insecure: true}}
          - {name: web, url: "https://example.com/health"}
        """
    )
    app = TessaApp(load_config(path, environ={}), live=False)
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one("#services-table", DataTable)
        assert str(table.get_row("lab")[1]) == "lab ⚠ insecure"  # symbol and word, not colour alone
        assert str(table.get_row("web")[1]) == "web"
        await pilot.press("enter")  # the detail view says it too
        assert "(insecure: certificate not verified)" in screen_text(app)
