"""The real console in tmux: a secret the config holds, tailed in a log line in every form, never reaches the
screen; an unhandled exception inside the console leaves one line on the terminal and the details, without
locals or secrets, in crash.log."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.e2e.tmux_terminal import TmuxTerminal, terminal_env
from tests.test_secrets import ALL_FORMS, API_KEY, DB_PASSWORD, TOKEN, USER, assert_clean

pytestmark = pytest.mark.e2e

# Injected through the test's environment only (PYTHONPATH): production code has no test hook. Once the file
# named by TESSA_TEST_CRASH_FILE exists, a timer callback raises with the token in its message and in a local.
SITECUSTOMIZE = """
import os

def _inject():
    from screens.dashboard.dashboard_screen import DashboardScreen

    original = getattr(DashboardScreen, "on_mount", None)

    def on_mount(self):
        if original is not None:
            original(self)
        trigger = os.environ["TESSA_TEST_CRASH_FILE"]

        def maybe_crash():
            token_here = os.environ["TESSA_TOKEN"]
            if os.path.exists(trigger):
                raise RuntimeError(f"injected failure holding {token_here}")

        self.set_interval(0.1, maybe_crash)

    DashboardScreen.on_mount = on_mount

_inject()
"""


def test_console_masks_secrets_and_a_crash_is_one_line(terminal: TmuxTerminal, tmp_path: Path) -> None:
    import base64

    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(textwrap.dedent(SITECUSTOMIZE))
    log = tmp_path / "app.log"
    lines = [f"2026-01-21 10:00:{i:02d} ERROR leaked {form} end" for i, form in enumerate(sorted(ALL_FORMS))]
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    basic = base64.b64encode(f"{USER}:{TOKEN}".encode()).decode()
    config = tmp_path / "tessa.yaml"
    config.write_text(
        "platform: Secrets\n"
        "services:\n  - name: api\n    url: http://127.0.0.1:1/health\n"
        f"    headers: {{Authorization: 'Bearer ${{TESSA_API_KEY}}', X-Basic: 'Basic {basic}'}}\n"
        f"database:\n  dsn: 'postgresql://{USER}:${{TESSA_DB_PASSWORD}}@127.0.0.1:1/app'\n"
        f"logs:\n  - name: app\n    path: '{log}'\n",
        encoding="utf-8",
    )
    trigger = tmp_path / "crash-now"
    env = terminal_env(tmp_path) | {
        "PYTHONPATH": f"{hook}:{REPO}",
        "TESSA_TOKEN": TOKEN,
        "TESSA_DB_PASSWORD": DB_PASSWORD,
        "TESSA_API_KEY": API_KEY,
        "TESSA_TEST_CRASH_FILE": str(trigger),
    }
    terminal.start([sys.executable, "-m", "tessa_tui", "--config", str(config)], env, REPO)
    terminal.wait_for(lambda s: "1 Services" in s and "leaked" in s, timeout=40)
    terminal.press("3", "z")  # the logs pane, maximised: every line on screen
    screen = terminal.wait_for(lambda s: s.count("leaked ****") >= 8)
    assert_clean(screen, "console screen")
    trigger.touch()
    screen = terminal.wait_for(lambda s: "EXIT=" in s)
    assert "tessa-tui: internal error: RuntimeError; details in " in screen and "EXIT=70" in screen
    assert "Traceback" not in screen and "token_here" not in screen
    assert_clean(screen, "terminal after the crash")
    crash_log = tmp_path / "state" / "tessa-tui" / "crash.log"
    text = crash_log.read_text(encoding="utf-8")
    assert "RuntimeError: injected failure holding ****" in text and "token_here =" not in text
    assert_clean(text, "crash.log")
