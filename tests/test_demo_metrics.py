"""The demo's metrics move with its drills, read the way production's are: `tessa-tui metrics --json` scrapes the
demo's Supabase-style Metrics API (CPU, memory and connections from its real PostgreSQL) and queries its
Prometheus-compatible API (error rate and p95 from its real request log). The db-slow drill's sessions raise CPU
and connections; its failed, slow requests raise the error rate and the p95."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.platform_fixtures import RunningDemo, private_journal


def control(demo: RunningDemo, path: str, method: str = "GET") -> Any:
    base = json.loads((demo.state_dir / "platform.json").read_text())["base_url"]
    request = urllib.request.Request(f"{base}/_demo/{path}", method=method, data=b"" if method == "POST" else None)  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - the demo on loopback
        return json.load(response)


@pytest.fixture
def config(demo: RunningDemo, tmp_path: Path) -> Iterator[Path]:
    """The demo's config with a journal of this test's own; all clear again afterwards."""
    text = demo.config.read_text(encoding="utf-8")
    own = private_journal(text, tmp_path / "journal.sqlite3")
    path = tmp_path / "tessa.yaml"
    path.write_text(own, encoding="utf-8")
    yield path
    control(demo, "drills/all-clear", "POST")


def metrics(config: Path) -> dict[str, dict[str, Any]]:
    command = [sys.executable, "-m", "tessa_tui", "--config", str(config), "metrics", "--json"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    document = json.loads(done.stdout)
    assert document["all_read"] is True
    return {s["name"]: s for s in document["series"]}


def eventually(condition: Callable[[], Any], what: str, timeout: float = 90.0) -> Any:
    """Poll `condition` until it returns something truthy (a busy machine: no fixed waits)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(1.0)
    pytest.fail(f"never happened within {timeout:g}s: {what}")


def calm_now(config: Path) -> dict[str, dict[str, Any]] | None:
    """The figures once the platform is calm: CPU ok, and no error rate above 1 % in the last minute (another
    test's drill on this shared demo leaves its errors in the window for up to a minute)."""
    found = metrics(config)
    cpu, errors = found["CPU"], found["Error rate"]
    return found if cpu["state"] == "ok" and errors["state"] in ("ok", "unknown") else None


def test_the_metrics_tiles_move_with_the_db_slow_drill(demo: RunningDemo, config: Path) -> None:
    control(demo, "drills/all-clear", "POST")
    calm = eventually(lambda: calm_now(config), "a calm platform (CPU ok, error rate under 1 %)", timeout=150)
    assert set(calm) == {"CPU", "Memory available", "Connections", "Load (1m)", "Error rate", "API p95"}
    for name in ("CPU", "Memory available", "Connections"):
        assert calm[name]["value"] is not None and calm[name]["role"], calm[name]
    assert calm["CPU"]["value"] < 50, calm["CPU"]

    assert control(demo, "drills/db-slow", "POST")["active"] == ["db-slow"]
    busy = eventually(
        lambda: (m := metrics(config))["CPU"]["value"] >= calm["CPU"]["value"] + 25 and m,
        "CPU rising with the drill's sessions",
    )
    assert busy["CPU"]["state"] in ("warn", "critical")
    assert busy["Connections"]["value"] > calm["Connections"]["value"]
    assert busy["Memory available"]["value"] < calm["Memory available"]["value"]
    failing = eventually(
        lambda: (m := metrics(config))["Error rate"]["state"] == "critical" and m,
        "the error rate crossing 1 % with the drill's failed requests",
    )
    assert failing["Error rate"]["unit"] == "%" and failing["Error rate"]["value"] > 1
    eventually(  # once more than 5 % of the minute's requests are the drill's, which wait out the 5 s timeout
        lambda: (metrics(config)["API p95"]["value"] or 0) >= 1000, "the p95 rising past a second"
    )

    control(demo, "drills/all-clear", "POST")
    eventually(
        lambda: metrics(config)["CPU"]["value"] < busy["CPU"]["value"] - 20,
        "CPU falling again once the drill's sessions end",
    )
