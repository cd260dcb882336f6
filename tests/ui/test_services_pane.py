"""The services pane live against loopback servers: flips, toasts, details, secrets, no stalls."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from textual.widgets import DataTable

from screens.app import TessaApp
from screens.dashboard.service_detail_screen import ServiceDetailScreen
from screens.dashboard.services_pane import ServicesPane
from tessa_tui.config.load import load_config
from tests.loopback import LoopbackServers
from tests.ui.screen_text import screen_text, wait_until

SIZE = (150, 40)


def state_cell(app: TessaApp, name: str) -> str:
    return str(app.screen.query_one("#services-table", DataTable).get_row(name)[0])


def app_for(write_config: Callable[[str], Path], services: str) -> TessaApp:
    return TessaApp(load_config(write_config(f"services:\n{services}"), environ={}))


async def test_a_check_flips_down_and_back_with_toasts(
    write_config: Callable[[str], Path], servers: LoopbackServers
) -> None:
    servers.recorder.flip_status = 200
    app = app_for(
        write_config,
        f"  - {{name: api, url: '{servers.http}/flip', interval: 100ms, failure-threshold: 2, success-threshold: 2}}\n",
    )
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: state_cell(app, "api") == "● up")
        servers.recorder.flip_status = 503
        await wait_until(pilot, lambda: state_cell(app, "api") == "✖ down")
        # Textual keeps toasts off the test screen; its notification list is what would be shown.
        assert any(str(n.message) == "api: up → down\n[STATUS] (503) == 200" for n in app._notifications)
        servers.recorder.flip_status = 200
        await wait_until(pilot, lambda: state_cell(app, "api") == "● up")
        assert any("api: down → up" in str(n.message) for n in app._notifications)


async def test_one_failure_does_not_flip_a_check_with_threshold_3(
    write_config: Callable[[str], Path], servers: LoopbackServers
) -> None:
    servers.recorder.flip_status = 200
    app = app_for(write_config, f"  - {{name: api, url: '{servers.http}/flip', interval: 100ms}}\n")
    async with app.run_test(size=SIZE) as pilot:
        pane = app.screen.query_one(ServicesPane)
        await wait_until(pilot, lambda: state_cell(app, "api") == "● up")
        servers.recorder.flip_status = 503
        seen = len(pane.states["api"].history)
        await wait_until(pilot, lambda: len(pane.states["api"].history) >= seen + 2)
        assert pane.states["api"].history[-1].state == "down"
        assert state_cell(app, "api") == "● up"  # two failures: not yet
        await wait_until(pilot, lambda: state_cell(app, "api") == "✖ down")
        servers.recorder.flip_status = 200


async def test_enter_opens_details_with_resolved_conditions_and_history(
    write_config: Callable[[str], Path], servers: LoopbackServers
) -> None:
    app = app_for(
        write_config,
        f"  - {{name: broken, url: '{servers.http}/status/503', interval: 200ms,"
        " conditions: ['[STATUS] == 200', '[RESPONSE_TIME] < 5000']}\n",
    )
    async with app.run_test(size=SIZE) as pilot:
        pane = app.screen.query_one(ServicesPane)
        await wait_until(pilot, lambda: len(pane.states["broken"].history) >= 2)
        await pilot.press("enter")
        assert isinstance(app.screen, ServiceDetailScreen)
        shown = screen_text(app)
        assert re.search(r"✖ +\[STATUS\] \(503\) == 200", shown)
        assert "[RESPONSE_TIME] < 5000" in shown
        assert "status" in shown  # the response excerpt
        assert shown.count("✖ down") >= 2  # title + history rows
        await pilot.press("escape")
        assert not isinstance(app.screen, ServiceDetailScreen)


async def test_secrets_in_a_check_url_never_reach_the_screen(
    write_config: Callable[[str], Path], servers: LoopbackServers
) -> None:
    url = servers.http.replace("http://", "http://admin:hunter2-pw@") + "/secret500?token=tok-SECRET-123"
    app = app_for(write_config, f"  - {{name: secret, url: '{url}', interval: 200ms}}\n")
    async with app.run_test(size=SIZE) as pilot:
        pane = app.screen.query_one(ServicesPane)
        await wait_until(pilot, lambda: pane.states["secret"].last is not None)
        await pilot.press("enter")
        shown = screen_text(app)
        assert "admin:****@" in shown
        assert "hunter2-pw" not in shown and "tok-SECRET-123" not in shown


async def test_hung_and_dripping_targets_do_not_hold_up_other_rows(
    write_config: Callable[[str], Path], servers: LoopbackServers
) -> None:
    app = app_for(
        write_config,
        f"  - {{name: hang, url: '{servers.http}/hang', timeout: 5s}}\n"
        f"  - {{name: drip, url: '{servers.http}/drip', timeout: 5s}}\n"
        f"  - {{name: healthy, url: '{servers.http}/ok', interval: 100ms}}\n",
    )
    async with app.run_test(size=SIZE) as pilot:
        pane = app.screen.query_one(ServicesPane)
        await wait_until(pilot, lambda: len(pane.states["healthy"].history) >= 10, timeout=4)
        assert pane.states["hang"].last is None and pane.states["drip"].last is None
        assert state_cell(app, "healthy") == "● up"
        assert state_cell(app, "hang") == "? unknown"
