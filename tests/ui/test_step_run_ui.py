"""Running a checklist step's action from the incident screen: values stay literal, a destructive step runs
only after its word is typed and never read-only, the result is recorded and ticks, output is shown inert."""

from __future__ import annotations

import json
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, OptionList

from screens.app import TessaApp
from screens.incident.incident_screen import IncidentScreen
from screens.incident.step_dialogs import AskValues, ConfirmRun, StepOutputScreen
from tessa_tui.base import http_fetch as http_probe
from tessa_tui.config.load import load_config
from tessa_tui.incidents.book import open_book
from tests.conftest import SHUTDOWN_POLL_S
from tests.hostile_http import answering
from tests.ui.screen_text import screen_text, wait_until
from tests.ui.test_incident_ui import fill_up

SIZE = (160, 44)
HOSTILE = "$(id); rm -rf /"

RUNBOOK = """\
id: step-actions
title: Step actions under test
kind: issue
phases:
  - name: Act
    steps:
      - id: show-host
        text: Show the host
        action:
          run: [{python}, -c, "import sys; print(sys.argv[1:])", "--host={{target_host}}"]
          ask: [target_host]
          expect: ["[STATUS] == 0"]
      - id: wipe-cache
        text: Wipe the cache
        destructive: true
        confirm: wipe-it
        action:
          run: [{python}, -c, "import pathlib, sys; pathlib.Path(sys.argv[1]).write_text('ran')", "{marker}"]
      - id: count-runs
        text: Count the runs
        action:
          run: [{python}, -c, "import sys; open(sys.argv[1], 'a').write('x'); print('token', sys.argv[2])", "{counter}",
                "{{api_token}}"]
          ask: [api_token]
          expect: ["[STATUS] == 0"]
      - id: noisy
        text: Print terminal escapes
        action:
          run: [{python}, -c, "print(chr(27) + ']0;x' + chr(7) + 'title' + chr(27) + '[2J' + 'cleared')"]
"""


def _app(
    tmp_path: Path,
    *,
    readonly: bool = False,
    steps: str = "",
    config_extra: str = "",
    environ: dict[str, str] | None = None,
) -> tuple[TessaApp, Path]:
    """A console whose config adds a runbook folder holding the runbook above (plus `steps`); returns it and the
    marker file the destructive step creates."""
    folder = tmp_path / "runbooks"
    folder.mkdir()
    marker = tmp_path / "wiped"
    text = RUNBOOK.format(python=sys.executable, marker=marker, counter=tmp_path / "runs") + steps
    (folder / "step-actions.yaml").write_text(text, encoding="utf-8")
    config = tmp_path / "tessa.yaml"
    config.write_text(
        f"journal:\n  path: {tmp_path / 'journal.sqlite3'}\n  actor: alice\n"
        f"runbooks:\n  paths: [{folder}]\n"
        f"placeholders:\n  target_host: '{HOSTILE}'\n" + config_extra,
        encoding="utf-8",
    )
    loaded = load_config(config, environ=environ or {})
    if readonly:  # a spectator watches an incident someone else declared
        book = open_book(loaded)
        book.record(book.declare("SEV3", "Cache trouble", runbooks=["step-actions"]))
        book.journal.close()
    return TessaApp(loaded, live=False, readonly=readonly), marker


async def _open_on(app: TessaApp, pilot: Pilot[Any], step_id: str) -> IncidentScreen:
    """An incident with the runbook attached, its screen open, `step_id` highlighted."""
    await wait_until(pilot, lambda: app.desk.book is not None)
    book = app.desk.book
    assert book is not None
    if "INC-1" not in book.incidents:
        await app.desk.record(book.declare("SEV3", "Cache trouble", runbooks=["step-actions"]))
    await wait_until(pilot, lambda: "INC-1" in book.incidents)
    app.action_open_incident("INC-1")
    await wait_until(pilot, lambda: "Show the host" in screen_text(app))
    screen = app.screen
    assert isinstance(screen, IncidentScreen)
    listing = screen.query_one("#checklist", OptionList)
    listing.highlighted = listing.get_option_index(f"step:step-actions:{step_id}")
    await pilot.pause()
    return screen


def _outputs(app: TessaApp) -> list[dict[str, Any]]:
    book = app.desk.book
    assert book is not None
    return [dict(e.data) for e in book.get("INC-1").events if e.kind == "action_output"]


async def test_a_value_stays_literal_and_a_result_that_meets_expect_ticks_once_recorded(tmp_path: Path) -> None:
    app, _ = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_on(app, pilot, "show-host")
        assert "▶ [ ] Show the host" in screen_text(app) and "⚠ [ ] Wipe the cache" in screen_text(app)
        await pilot.press("g")
        await wait_until(pilot, lambda: isinstance(app.screen, AskValues))
        assert app.screen.query_one(Input).value == HOSTILE  # prefilled from placeholders:
        await pilot.press("enter")
        await wait_until(pilot, lambda: "[x] Show the host" in screen_text(app))
        [output] = _outputs(app)
        assert output["ticks"] is True and output["ok"] is True and output["status"] == "exit 0"
        assert f"['--host={HOSTILE}']" in output["output"]  # one argv element, no shell ran it
        assert app.desk.book.get("INC-1").ticked("step-actions", "show-host") is not None  # type: ignore[union-attr]
        assert "exit 0 ✔" in screen_text(app) and screen.runs == {}

        await pilot.press("v")
        await wait_until(pilot, lambda: isinstance(app.screen, StepOutputScreen))
        await wait_until(pilot, lambda: f"['--host={HOSTILE}']" in screen_text(app))
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, IncidentScreen))


async def test_a_destructive_step_runs_only_after_its_word_is_typed(tmp_path: Path) -> None:
    app, marker = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _open_on(app, pilot, "wipe-cache")
        await pilot.press("g")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmRun))
        await wait_until(pilot, lambda: str(marker) in screen_text(app))  # the exact command, before anything runs
        await pilot.press("enter")  # nothing typed
        await wait_until(pilot, lambda: "Nothing ran: type exactly wipe-it" in screen_text(app))
        app.screen.query_one(Input).value = "wipe-cache"  # the step id, not its confirm word
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert isinstance(app.screen, ConfirmRun) and not marker.exists() and _outputs(app) == []
        await pilot.press("escape")  # cancelled: still nothing
        await wait_until(pilot, lambda: isinstance(app.screen, IncidentScreen))
        await pilot.pause(0.2)
        assert not marker.exists() and _outputs(app) == [] and "running" not in screen_text(app)

        await pilot.press("g")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmRun))
        await pilot.press(*"wipe-it", "enter")
        await wait_until(pilot, lambda: len(_outputs(app)) == 1)
        assert marker.read_text(encoding="utf-8") == "ran"
        assert _outputs(app)[0]["status"] == "exit 0"
        await wait_until(pilot, lambda: "Wipe the cache · destructive · exit 0" in screen_text(app))


async def test_a_readonly_console_runs_no_step_action(tmp_path: Path) -> None:
    app, marker = _app(tmp_path, readonly=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_on(app, pilot, "wipe-cache")
        events = len(app.desk.book.get("INC-1").events)  # type: ignore[union-attr]
        listing = screen.query_one("#checklist", OptionList)
        for step_id in ("wipe-cache", "noisy", "show-host", "count-runs"):  # destructive or not, asking or not
            listing.highlighted = listing.get_option_index(f"step:step-actions:{step_id}")
            await pilot.pause()
            assert screen.check_action("run_step", ()) is False  # hidden from the footer, the key does nothing
            await pilot.press("g")
            await pilot.pause(0.2)
            assert isinstance(app.screen, IncidentScreen)  # no dialog: nothing is asked for, nothing prefilled
            screen.action_run_step()  # and the path itself refuses, whoever calls it
            await pilot.pause(0.2)
            assert isinstance(app.screen, IncidentScreen)
        assert sum("read-only mode runs no step action" in n.message for n in app._notifications) == 4
        assert not marker.exists() and not (tmp_path / "runs").exists()
        assert "running" not in screen_text(app) and "exit 0" not in screen_text(app)
        assert _outputs(app) == [] and len(app.desk.book.get("INC-1").events) == events  # type: ignore[union-attr]


async def test_output_escapes_are_shown_not_executed(tmp_path: Path) -> None:
    app, _ = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _open_on(app, pilot, "noisy")
        await pilot.press("g")
        await wait_until(pilot, lambda: len(_outputs(app)) == 1)
        await pilot.press("v")
        await wait_until(pilot, lambda: isinstance(app.screen, StepOutputScreen))
        text = app.screen.query_one("#output-text").render()
        shown = str(text)
        assert "\\e]0;x\\x07title\\e[2Jcleared" in shown and "\x1b" not in shown and "\x07" not in shown
        assert "\\e]0;x\\x07title\\e[2Jcleared" in screen_text(app)


async def test_a_result_that_cannot_be_recorded_says_not_saved_and_g_retries_the_record_not_the_command(
    tmp_path: Path,
) -> None:
    app, _ = _app(tmp_path)
    counter = tmp_path / "runs"
    async with app.run_test(size=SIZE) as pilot:
        await _open_on(app, pilot, "count-runs")
        journal = app.desk.book.journal  # type: ignore[union-attr]
        fill_up(journal)
        await pilot.press("g")
        await wait_until(pilot, lambda: isinstance(app.screen, AskValues))
        field = app.screen.query_one(Input)
        assert field.password  # a credential is typed masked
        field.value = "s3cr3t-value"
        await pilot.press("enter")
        await wait_until(pilot, lambda: "NOT SAVED" in screen_text(app))
        assert counter.read_text(encoding="utf-8") == "x"
        assert "[x] Count the runs" not in screen_text(app) and _outputs(app) == []

        journal._db.execute("PRAGMA max_page_count=1073741823")  # space again
        await pilot.press("g")
        await wait_until(pilot, lambda: "[x] Count the runs" in screen_text(app))
        assert counter.read_text(encoding="utf-8") == "x"  # recorded, not run again
        [output] = _outputs(app)
        assert "s3cr3t-value" not in str(output) and "token" in output["output"]


async def test_g_on_a_step_whose_server_answers_garbage_shows_the_failure_on_the_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    url, stop_server = answering(b"HTTP/1.1 abc\r\n\r\n")
    steps = (
        f"      - id: get-bad\n        text: Get the bad server\n        action:\n          http: {{url: '{url}/'}}\n"
        "          expect: ['[STATUS] == 200']\n"
        f"      - id: get-bug\n        text: Meet a bug\n        action:\n          http: {{url: '{url}/bug'}}\n"
    )
    app, _ = _app(tmp_path, steps=steps)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await _open_on(app, pilot, "get-bad")
            await pilot.press("g")
            await wait_until(pilot, lambda: len(_outputs(app)) == 1)
            await wait_until(
                pilot, lambda: re.search(r"\[ \] Get the bad server · error: .* ✖", screen_text(app)) is not None
            )
            [output] = _outputs(app)
            assert output["ok"] is False and output["ticks"] is False

            real_fetch = http_probe.fetch

            async def buggy(*args: Any, **kwargs: Any) -> Any:
                if str(args[2]).endswith("/bug"):
                    raise RuntimeError("a bug in the exchange")
                return await real_fetch(*args, **kwargs)

            monkeypatch.setattr(http_probe, "fetch", buggy)
            screen = app.screen
            assert isinstance(screen, IncidentScreen)
            listing = screen.query_one("#checklist", OptionList)
            listing.highlighted = listing.get_option_index("step:step-actions:get-bug")
            await pilot.pause()
            await pilot.press("g")
            await wait_until(pilot, lambda: len(_outputs(app)) == 2)
            await wait_until(pilot, lambda: "Meet a bug · error: internal error in this step" in screen_text(app))
            assert isinstance(app.screen, IncidentScreen)  # the console goes on
    finally:
        stop_server()


TOKEN = "tok-console-5e8d2a91"


async def test_a_configured_secret_is_never_prefilled_nor_sent_to_a_typed_host(tmp_path: Path) -> None:
    received: list[str] = []

    class Recorder(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            received.append(f"{self.path} {self.headers.get('Authorization')}")
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    other = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=other.serve_forever, args=(SHUTDOWN_POLL_S,), daemon=True).start()
    steps = (
        "      - id: call-api\n        text: Call the API\n        action:\n"
        "          http:\n            url: '{target_url}/v1'\n"
        "            headers: {Authorization: 'Bearer {api_token}'}\n"
        "          ask: [target_url, api_token]\n"
        "      - id: call-api-configured\n        text: Call the API as configured\n        action:\n"
        "          http:\n            url: '{target_url}/v1'\n"
        "            headers: {Authorization: 'Bearer {api_token}'}\n"
        "          ask: [target_url]\n"
    )
    extra = "  api_token: ${API_TOKEN}\n  target_url: https://api.example.invalid\n"
    app, _ = _app(tmp_path, steps=steps, config_extra=extra, environ={"API_TOKEN": TOKEN})
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = await _open_on(app, pilot, "call-api")
            await pilot.press("g")
            await wait_until(pilot, lambda: isinstance(app.screen, AskValues))
            token_field = app.screen.query_one("#ask-api_token", Input)
            assert token_field.password and token_field.value == ""  # masked, and not prefilled from ${API_TOKEN}
            assert app.screen.query_one("#ask-target_url", Input).value == "https://api.example.invalid"
            await pilot.press("escape")
            await wait_until(pilot, lambda: isinstance(app.screen, IncidentScreen))

            listing = screen.query_one("#checklist", OptionList)
            listing.highlighted = listing.get_option_index("step:step-actions:call-api-configured")
            await pilot.pause()
            await pilot.press("g")
            await wait_until(pilot, lambda: isinstance(app.screen, AskValues))
            app.screen.query_one("#ask-target_url", Input).value = f"http://127.0.0.1:{other.server_address[1]}"
            await pilot.press("enter")
            await wait_until(pilot, lambda: any("not sent" in n.message for n in app._notifications))
            await pilot.pause(0.3)
            assert received == [] and _outputs(app) == []
            assert TOKEN not in screen_text(app)
    finally:
        other.shutdown()
        other.server_close()


async def test_a_secret_typed_in_a_masked_field_is_masked_in_what_comes_back(tmp_path: Path) -> None:
    """The server echoes the typed token: the output on screen and in the journal show ****, not the token; and the
    token stays known for the rest of the run (a later note quoting it is masked too)."""
    typed = "typed-token-5e1f9a"

    class Echo(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = f"you sent {self.headers.get('Authorization')}".encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    echo = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=echo.serve_forever, args=(SHUTDOWN_POLL_S,), daemon=True).start()
    steps = (
        "      - id: call-api\n        text: Call the API\n        action:\n"
        "          http:\n            url: '{target_url}/v1'\n"
        "            headers: {Authorization: 'Bearer {api_token}'}\n"
        "          ask: [target_url, api_token]\n"
    )
    app, _ = _app(tmp_path, steps=steps)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await _open_on(app, pilot, "call-api")
            await pilot.press("g")
            await wait_until(pilot, lambda: isinstance(app.screen, AskValues))
            assert app.screen.query_one("#ask-api_token", Input).password
            app.screen.query_one("#ask-target_url", Input).value = f"http://127.0.0.1:{echo.server_address[1]}"
            app.screen.query_one("#ask-api_token", Input).value = typed
            app.screen.query_one("#ask-api_token", Input).focus()
            await pilot.press("enter")
            await wait_until(pilot, lambda: len(_outputs(app)) == 1)
            [output] = _outputs(app)
            assert "you sent Bearer ****" in json.dumps(output) and typed not in json.dumps(output)
            await pilot.press("v")
            await wait_until(pilot, lambda: "you sent Bearer ****" in screen_text(app))
            assert typed not in screen_text(app)
            book = app.desk.book
            assert book is not None  # later, someone pastes the token into a note: the journal keeps it masked
            assert (await app.desk.record(book.note("INC-1", f"rotated {typed} after the call"))).data["text"] == (
                "rotated **** after the call"
            )
        stored = b"".join(p.read_bytes() for p in tmp_path.rglob("*.sqlite3*"))
        assert typed.encode() not in stored
    finally:
        echo.shutdown()
        echo.server_close()
