"""Start-up budgets, guarded by their cause: what each command imports.

Timing `tessa-tui --help` is noisy on a busy machine; the modules it loads are not. Each command below runs in
a fresh interpreter and reports `sys.modules`; the engine modules it loaded must be exactly the budget's, and
none of the heavy libraries it has no use for may appear. A failure names the budget that moved: if the change
is on purpose (a command now needs a module), update the budget here in the same commit and say why.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

HEAVY = {"textual", "textual_serve", "rich", "asyncpg", "httpx", "aiohttp", "httpx_aiohttp", "yaml", "msgspec"}

# The engine modules `tessa-tui --help` may load: the command tree and what every command shares.
HELP_MODULES = {
    "tessa_tui",
    "tessa_tui.base",
    "tessa_tui.base.errors",
    "tessa_tui.cli",
    "tessa_tui.cli.main",
    "tessa_tui.cli.parser",
    "tessa_tui.demo",
    "tessa_tui.demo.drills",
    "tessa_tui.incidents",
    "tessa_tui.incidents.vocabulary",
    "tessa_tui.logs",
    "tessa_tui.logs.levels",
}

# Standard-library modules `tessa-tui --help` must not load: about 15 ms of a 65 ms start on this machine went to
# these (typing 2.6, pathlib with urllib.parse and ipaddress 3, json, html and threading for the secret registry
# 7, datetime 1.2), against 12 ms for `python -c pass` (benchmarks/cli_start.py, goal 4x). argparse's own (re,
# gettext, shutil, textwrap) stay.
HELP_REFUSED_STDLIB = {"typing", "pathlib", "datetime", "json", "html", "threading", "inspect", "dataclasses", "base64"}

_PROBE = """
import sys
from tessa_tui.cli.main import main
try:
    code = main(sys.argv[2:])
except SystemExit as exit:
    code = exit.code
modules = sorted(sys.modules)  # before the probe's own json
import json
with open(sys.argv[1], "w", encoding="utf-8") as out:
    json.dump({"code": code, "modules": modules}, out)
"""


def _imports(tmp_path: Path, *argv: str) -> tuple[object, set[str]]:
    report = tmp_path / "modules.json"
    subprocess.run(
        [sys.executable, "-c", _PROBE, str(report), *argv],
        cwd=REPO,
        capture_output=True,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_STATE_HOME": str(tmp_path / "state")},
    )
    found = json.loads(report.read_text(encoding="utf-8"))
    return found["code"], set(found["modules"])


def _engine(modules: set[str]) -> set[str]:
    return {m for m in modules if m == "tessa_tui" or m.startswith("tessa_tui.")}


def _heavy(modules: set[str]) -> set[str]:
    return {m for m in modules if m.split(".")[0] in HEAVY}


def _refuses(modules: set[str], command: str, unwanted: set[str]) -> None:
    loaded = unwanted & {m.split(".")[0] for m in modules}
    assert loaded == set(), f"`tessa-tui {command}` budget: it now imports {sorted(loaded)}"


def _no_feature(modules: set[str], command: str, *features: str) -> None:
    """Beyond the command tree's own modules, none of these engine packages."""
    loaded = sorted(m for m in _engine(modules) - HELP_MODULES if m.split(".")[1] in features)
    assert loaded == [], f"`tessa-tui {command}` budget: it now loads {loaded}"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    log = tmp_path / "app.log"
    log.write_text("2026-12-07 10:00:00 ERROR upstream timed out\n", encoding="utf-8")
    path = tmp_path / "tessa.yaml"
    path.write_text(
        "platform: Budget\n"
        "services:\n  - name: api\n    url: http://127.0.0.1:9/health\n    timeout: 2s\n"
        f"logs:\n  - name: app\n    path: '{log}'\n"
        f"journal:\n  path: '{tmp_path / 'journal.sqlite3'}'\n",
        encoding="utf-8",
    )
    return path


def test_help_loads_the_command_tree_and_nothing_else(tmp_path: Path) -> None:
    code, modules = _imports(tmp_path, "--help")
    assert code == 0
    assert _heavy(modules) == set(), f"`tessa-tui --help` budget: it now imports {sorted(_heavy(modules))}"
    assert _engine(modules) == HELP_MODULES, (
        "`tessa-tui --help` budget moved: "
        f"added {sorted(_engine(modules) - HELP_MODULES)}, dropped {sorted(HELP_MODULES - _engine(modules))}"
    )
    assert "asyncio" not in modules and "sqlite3" not in modules
    stdlib = sorted(HELP_REFUSED_STDLIB & modules)
    assert stdlib == [], (
        f"`tessa-tui --help` budget moved: it now imports {stdlib} (see HELP_REFUSED_STDLIB: import it where it is "
        "used, or put annotations-only imports under `if TYPE_CHECKING:` with `TYPE_CHECKING = False`)"
    )


def test_a_mistyped_command_costs_what_help_costs(tmp_path: Path) -> None:
    code, modules = _imports(tmp_path, "chekc")
    assert code == 2
    # The error line is sanitised and redacted: those three modules, and only on this path.
    extra = _engine(modules) - HELP_MODULES - {f"tessa_tui.base.{m}" for m in ("redact", "sanitize", "secret_registry")}
    assert extra == set() and _heavy(modules) == set(), f"a bad command line now imports {sorted(extra)}"


def test_check_loads_no_ui_and_no_database_driver(tmp_path: Path, config: Path) -> None:
    code, modules = _imports(tmp_path, "--config", str(config), "check", "--readonly")
    assert code == 1  # the check's port is closed: down, exit 1
    # (rich is not on this list: httpx imports it for its own command line, `httpx._main`, when installed.)
    _refuses(modules, "check --readonly", {"textual", "asyncpg", "sqlite3"})  # HTTP, not the UI, a DB or the journal
    _no_feature(modules, "check --readonly", "database", "logs", "run")


def test_incident_list_loads_no_ui_no_network_and_no_asyncio(tmp_path: Path, config: Path) -> None:
    code, modules = _imports(tmp_path, "--config", str(config), "incident", "list")
    assert code == 0
    _refuses(modules, "incident list", {"textual", "rich", "asyncpg", "httpx", "aiohttp", "asyncio"})
    _no_feature(modules, "incident list", "checks", "database", "integrations")


def test_logs_loads_no_ui_no_network_and_no_journal(tmp_path: Path, config: Path) -> None:
    code, modules = _imports(tmp_path, "--config", str(config), "logs", "app")
    assert code == 0
    _refuses(modules, "logs", {"textual", "rich", "asyncpg", "httpx", "aiohttp", "sqlite3"})
    _no_feature(modules, "logs", "checks", "database", "incidents")


def test_deployments_loads_no_ui_no_database_driver_and_no_journal(tmp_path: Path) -> None:
    from tessa_tui.demo.app_repo import create_app_repo

    create_app_repo(tmp_path / "repo")
    path = tmp_path / "tessa.yaml"
    path.write_text(f"platform: Budget\nplaceholders: {{repo_path: '{tmp_path / 'repo'}'}}\n", encoding="utf-8")
    code, modules = _imports(tmp_path, "--config", str(path), "deployments")
    assert code == 0  # the checkout was read
    _refuses(modules, "deployments", {"textual", "asyncpg", "sqlite3"})  # git and HTTP: not the UI, a DB, the journal
    _no_feature(modules, "deployments", "checks", "database", "logs", "incidents", "run")


def test_metrics_loads_no_ui_no_database_driver_and_no_journal(tmp_path: Path) -> None:
    path = tmp_path / "tessa.yaml"
    source = "{name: s, scrape: {url: 'http://127.0.0.1:9/metrics'}}"
    section = f"{{sources: [{source}], series: [{{name: L, source: s, select: up}}]}}"
    path.write_text(f"platform: Budget\nmetrics: {section}\n", encoding="utf-8")
    code, modules = _imports(tmp_path, "--config", str(path), "metrics")
    assert code == 1  # nothing listens there: the source is named as unread
    _refuses(modules, "metrics", {"textual", "asyncpg", "sqlite3"})  # HTTP and the exposition parser only
    _no_feature(modules, "metrics", "checks", "database", "logs", "incidents", "run", "deployments")
