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
from tests.contract_servers import contract_servers, contract_servers_session  # noqa: F401 - fixtures
from tests.incident_fixtures import clock, make_book, pack  # noqa: F401 - fixtures
from tests.loopback import LoopbackServers, loopback_servers
from tests.platform_fixtures import demo, pg_disposable, pg_dsn, pg_server  # noqa: F401 - fixtures

REPO = Path(__file__).resolve().parents[1]
EXAMPLE_CONFIG = REPO / "examples" / "tessa.yaml"
SHARED_DATA = REPO.parent / "shared" / "data"
FROZEN_NOW = datetime(2026, 1, 21, 14, 3, 7, tzinfo=UTC)

# Property tests. `ci` (the default) runs at least 2,000 examples per parser; `deep` (100,000) on demand:
# TESSA_HYPOTHESIS=deep python3 dev.py test tests/hostile. The deadline is a hang guard, not a speed assertion:
# generous enough for a busy 2-core machine, far below "loops forever".
_HANG_GUARD = 5000  # ms per example
_NOT_A_BUG = [HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile("ci", max_examples=2000, deadline=_HANG_GUARD, suppress_health_check=_NOT_A_BUG)
settings.register_profile("deep", max_examples=100_000, deadline=_HANG_GUARD, suppress_health_check=_NOT_A_BUG)
settings.register_profile("quick", max_examples=100, deadline=_HANG_GUARD, suppress_health_check=_NOT_A_BUG)
settings.load_profile(os.environ.get("TESSA_HYPOTHESIS", "ci"))

# Snapshots and clock assertions must not depend on the machine's zone.
os.environ["TZ"] = "UTC"
time.tzset()


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
