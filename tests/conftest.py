"""Shared fixtures: config files on disk, a frozen clock, and a fixed local time zone."""

from __future__ import annotations

import os
import textwrap
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tessa_tui.base import secret_registry
from tessa_tui.config.load import LoadedConfig, load_config
from tests.checks_support import client  # noqa: F401 - fixtures
from tests.contract_servers import contract_servers, contract_servers_session  # noqa: F401 - fixtures
from tests.db_pileup import pile_up  # noqa: F401 - fixtures
from tests.deployment_contract_servers import deployment_servers, deployment_servers_session  # noqa: F401 - fixtures
from tests.incident_fixtures import clock, make_book, pack  # noqa: F401 - fixtures
from tests.logs_contract_servers import logs_servers, logs_servers_session  # noqa: F401 - fixtures
from tests.loopback import LoopbackServers, loopback_servers
from tests.metrics_contract_servers import metrics_servers, metrics_servers_session  # noqa: F401 - fixtures
from tests.platform_fixtures import demo, pg_disposable, pg_dsn, pg_server  # noqa: F401 - fixtures
from tests.shared_journal_support import machines  # noqa: F401 - fixtures
from tests.tls_material import pki, tls_servers  # noqa: F401 - fixtures

REPO = Path(__file__).resolve().parents[1]
EXAMPLE_CONFIG = REPO / "examples" / "tessa.yaml"
SHARED_DATA = REPO.parent / "shared" / "data"
FROZEN_NOW = datetime(2026, 1, 21, 14, 3, 7, tzinfo=UTC)
SHUTDOWN_POLL_S = 0.05
"""serve_forever's poll interval for a test's http.server: shutdown() waits up to one (0.5 s by default)."""

# Property tests: examples per property, and per property whose every example writes a journal or starts a process.
# `ci` (the default: the test command, CI) keeps all of them under half a minute; `deep` is the nightly or
# before-a-release run: TESSA_HYPOTHESIS=deep python3 dev.py test tests/hostile. Runs stay random, so each run tries
# new inputs; a failure is saved in .hypothesis/ and replayed first on the next run, and print_blob puts the
# @reproduce_failure line for it in the output (CI's fresh clone has no database). The parent is Hypothesis's
# `default`: under CI=true Hypothesis has already loaded its own `ci` profile (derandomized, no database), which
# ours replaces. The deadline is a hang guard, not a speed assertion: generous for a busy 2-core machine.
HYPOTHESIS_PROFILES = {"quick": (20, 5), "ci": (100, 25), "deep": (100_000, 2_500)}
HYPOTHESIS_PROFILE = os.environ.get("TESSA_HYPOTHESIS", "ci")
_HANG_GUARD = 5000  # ms per example
_NOT_A_BUG = [HealthCheck.too_slow, HealthCheck.data_too_large]
for _name, (_examples, _) in HYPOTHESIS_PROFILES.items():
    settings.register_profile(
        _name,
        settings.get_profile("default"),
        max_examples=_examples,
        derandomize=False,
        print_blob=True,
        deadline=_HANG_GUARD,
        suppress_health_check=_NOT_A_BUG,
    )
settings.load_profile(HYPOTHESIS_PROFILE)
EXPENSIVE_EXAMPLES = HYPOTHESIS_PROFILES.get(HYPOTHESIS_PROFILE, HYPOTHESIS_PROFILES["ci"])[1]
"""max_examples for a property whose examples each write a real journal file or start a process."""

# Snapshots and clock assertions must not depend on the machine's zone.
os.environ["TZ"] = "UTC"
time.tzset()


PG_FIXTURES = frozenset({"pg_server", "pg_dsn", "pg_disposable"})


@pytest.hookimpl(tryfirst=True)  # before -m deselects and before xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Marks that follow from the fixtures a test asks for, so a new test cannot forget them: `demo` for the demo
    platform, `pg` for a PostgreSQL cluster (the demo runs one too), and `slow` for a real terminal, a demo or a
    cluster of the test's own (other slow tests carry the mark in their file). And the xdist groups (`--dist
    loadgroup`): the tests on the session's demo run on one worker, so it starts once; the tests of a module with
    a module-scoped fixture (a console in tmux that its tests drive in turn, a demo of its own) stay together."""
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if "demo" in names:
            item.add_marker(pytest.mark.demo)
        if names & PG_FIXTURES or item.get_closest_marker("demo"):
            item.add_marker(pytest.mark.pg)
        if item.get_closest_marker("e2e") or item.get_closest_marker("demo") or "pg_disposable" in names:
            item.add_marker(pytest.mark.slow)
        if item.get_closest_marker("xdist_group"):
            continue
        if "demo" in names:
            item.add_marker(pytest.mark.xdist_group("demo"))
        elif _uses_module_fixture(item):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))


def _uses_module_fixture(item: pytest.Item) -> bool:
    info = getattr(item, "_fixtureinfo", None)
    definitions = info.name2fixturedefs.values() if info is not None else ()
    return any(d.scope == "module" for defs in definitions for d in defs)


@pytest.fixture(autouse=True)
def brisk_pilot(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pilot waits after every key until the app is idle: Textual looks in 20 ms windows for one under 5 % busy,
    ~60 ms a key (a 70-key command line took 4.8 s). 5 ms windows keep the rule at a quarter of the wait (the UI
    tests: 99 s -> 74 s on two workers). Snapshot tests keep Textual's pacing: they photograph what is drawn once
    the app looks idle, and a longer look is the safer one there."""
    if "snap_compare" in request.fixturenames:
        return
    import textual._wait

    monkeypatch.setattr(textual._wait, "SLEEP_GRANULARITY", 1 / 200)
    monkeypatch.setattr(textual._wait, "SLEEP_IDLE", 1 / 200 / 20)


@pytest.fixture(autouse=True)
def private_user_data(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Every test gets its own user data dir: the console opens the default journal there."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))


@pytest.fixture(autouse=True)
def fresh_secret_registry() -> Iterator[None]:
    """The secret registry is process-wide: one test's secrets must not mask another test's text."""
    secret_registry.clear()
    yield
    secret_registry.clear()


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[[str], Path]:
    """Write YAML text (dedented) to a fresh tessa.yaml and return its path."""

    def write(text: str, name: str = "tessa.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write


@pytest.fixture
def example_config() -> LoadedConfig:
    """The example config shipped in the repo, with no environment variables set."""
    return load_config(EXAMPLE_CONFIG, environ={})


@pytest.fixture
def frozen_clock() -> Callable[[], datetime]:
    return lambda: FROZEN_NOW


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No TESSA_* variables, and user dirs pointed into tmp_path."""
    for name in list(os.environ):
        if name.startswith("TESSA_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoopbackServers]:
    """Loopback HTTP(S) servers with a route per fault, shared by the whole session."""
    with loopback_servers(tmp_path_factory.mktemp("tls")) as running:
        yield running
