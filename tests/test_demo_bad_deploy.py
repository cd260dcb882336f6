"""The bad-deploy drill on the demo platform, fixed by the frontend rollback runbook's promote step: a new production
deployment on the demo's Vercel breaks the frontend (its check goes down, errors pour into the app log), the
Deployments view's headless twin shows it as the recent one production serves, the promote step (behind its word)
puts the previous one back and proves it by a re-read, and the frontend's check recovers."""

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

from tessa_tui.demo.deployments_sim import BAD_DEPLOY, BadDeployDrill, VercelSim
from tessa_tui.demo.drills import DrillBoard
from tests.platform_fixtures import RunningDemo, private_journal


def cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "tessa_tui", "--config", str(config), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)


def control(demo: RunningDemo, path: str, method: str = "GET") -> Any:
    base = json.loads((demo.state_dir / "platform.json").read_text())["base_url"]
    request = urllib.request.Request(f"{base}/_demo/{path}", method=method, data=b"" if method == "POST" else None)  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - the demo on loopback
        return json.load(response)


def eventually(condition: Callable[[], Any], what: str, timeout: float = 60.0) -> Any:
    """Poll `condition` until it returns something truthy (a busy machine: no fixed waits)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.5)
    pytest.fail(f"never happened within {timeout:g}s: {what}")


@pytest.fixture
def config(demo: RunningDemo, tmp_path: Path) -> Iterator[Path]:
    """The demo's config with a journal of this test's own; all clear again afterwards."""
    text = demo.config.read_text(encoding="utf-8")
    own = private_journal(text, tmp_path / "journal.sqlite3")
    path = tmp_path / "tessa.yaml"
    path.write_text(own, encoding="utf-8")
    yield path
    control(demo, "drills/all-clear", "POST")


def frontend(config: Path) -> dict[str, Any]:
    checks = json.loads(cli(config, "check", "--json", "--only", "Frontend", "--readonly").stdout)["checks"]
    return dict(checks[0])


def web_deployments(config: Path) -> list[dict[str, Any]]:
    done = cli(config, "deployments", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    return [d for d in json.loads(done.stdout)["deployments"] if d["source"] == "web"]


def test_the_bad_deploy_drill_is_fixed_by_the_rollback_step(demo: RunningDemo, config: Path) -> None:
    assert frontend(config)["state"] == "up"
    assert control(demo, f"drills/{BAD_DEPLOY}", "POST")["active"] == [BAD_DEPLOY]

    # The frontend breaks, and the app log says so.
    broken = eventually(lambda: (c := frontend(config))["state"] == "down" and c, "the frontend's check going down")
    assert "500" in broken["reason"]
    errors = eventually(
        lambda: cli(config, "logs", "app", "--level", "error", "--grep", "reading 'session'").stdout.strip(),
        "the bad release's errors in the app log",
    )
    assert "GET /checkout 500" in errors

    # The Deployments view's twin: the newest deployment is the one production serves, marked recent.
    newest = web_deployments(config)[0]
    assert (newest["current"], newest["recent"], newest["status"], newest["target"]) == (
        True,
        True,
        "ready",
        "production",
    )
    assert newest["message"] == "feat(checkout): new session handling"
    bad = newest["id"]

    # The runbook step: refused without its word, then run with it, recorded in the incident and ticked.
    assert (
        cli(config, "incident", "declare", "SEV1", "Checkout returns 500", "--runbook", "rollback-frontend").returncode
        == 0
    )
    step = ["runbook", "run", "rollback-frontend", "--step", "promote", "--incident", "INC-1", "--json"]
    refused = cli(config, *step)
    assert refused.returncode == 2 and "type 'promote' to run it" in refused.stderr
    done = cli(config, *step, "--confirm", "promote")
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)
    assert result["ok"] is True and result["ticked"] is True
    assert result["status"] == (
        f"Vercel: production is now dpl_3Lr6Uv5Be (was {bad}): promote answered HTTP 201; a re-read confirms it"
    )
    assert "after: production serves dpl_3Lr6Uv5Be" in result["output"]

    # Fixed: the check recovers, the drill is over, the view's twin agrees, the timeline keeps the proof.
    eventually(lambda: frontend(config)["state"] == "up", "the frontend's check recovering")
    assert BAD_DEPLOY not in control(demo, "drills")["active"]
    current = next(d for d in web_deployments(config) if d["current"])
    assert current["id"] == "dpl_3Lr6Uv5Be" and current["message"] == "release: frontend 1.42.0"
    verify = cli(
        config, "runbook", "run", "rollback-frontend", "--step", "verify-health", "--incident", "INC-1", "--json"
    )
    assert json.loads(verify.stdout)["status"] == "HTTP 200"
    timeline = cli(config, "incident", "show", "INC-1").stdout
    assert 'ran Click "Promote to Production": Vercel: production is now dpl_3Lr6Uv5Be' in timeline


def test_the_drill_ships_one_bad_release_and_all_clear_rolls_it_back() -> None:
    board = DrillBoard()
    vercel = VercelSim("a-token")
    drill = BadDeployDrill(board, vercel)
    assert not drill.broken() and drill.version() == "1.42.0"
    board.start(BAD_DEPLOY)
    board.start(BAD_DEPLOY)  # started twice: one bad release is enough
    assert drill.broken() and drill.version() == "1.43.0"
    assert [r.broken for r in vercel.history.releases].count(True) == 1
    board.clear()
    assert not drill.broken() and drill.version() == "1.42.0"
    board.start("ai-chat")  # another drill ships nothing
    assert not drill.broken() and len(vercel.history.releases) == 6
