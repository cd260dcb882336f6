"""The shipped runbooks' step actions for real: run against the demo platform, recorded in an incident.

Every `[TBD: ...]` of the seed runbook became a step with an action; the table below says which. The http and
sql steps run against the demo's HTTP health routes and its PostgreSQL through `runbook run --incident`, and
the incident shows what they returned and ticks the steps whose expectations held.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from runbooks import pack_dir
from tessa_tui.runbook.load import RunbookPack, load_pack
from tests.platform_fixtures import RunningDemo, private_journal

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_17aaed69e73ffbe3.txt"

# Each TBD of the seed -> the runbook and step that now carry it (None: any step of that runbook).
TBD_STEPS: dict[str, tuple[str, str | None]] = {
    "Add specific health check commands": ("daily-health-check", None),
    "Log query command": ("service-unavailable", "check-error-logs"),
    "Auth status check": ("login-failures-spike", "check-auth-status"),
    "Query failed_login_attempts table": ("login-failures-spike", "failed-login-attempts"),
    "Edge function log query": ("ai-chat-not-responding", "check-edge-function-logs"),
    "Database performance query": ("database-slow-queries", "database-performance"),
    "Slow query log": ("database-slow-queries", "view-slow-queries"),
    "Query sync status": ("sync-failures", "sync-queue-length"),
    "Network check": ("sync-failures", "network-connectivity"),
    "Supabase backup command": ("db-backup", "manual-backup"),
    "Supabase restore command": ("db-restore", "restore"),
}


def cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "tessa_tui", "--config", str(config), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=90)


@pytest.fixture(scope="module")
def pack() -> RunbookPack:
    return load_pack([pack_dir()])  # no config: only built-in, standard and asked-for placeholders


@pytest.fixture
def config(demo: RunningDemo, tmp_path: Path) -> Path:
    """The demo's config with a journal of this test's own, so INC-1 is the incident it declares."""
    text = demo.config.read_text(encoding="utf-8")
    own = private_journal(text, tmp_path / "journal.sqlite3")
    path = tmp_path / "tessa.yaml"
    path.write_text(own, encoding="utf-8")
    return path


def step_number(pack: RunbookPack, runbook_id: str, step_id: str) -> str:
    """The step's number as `runbook show` prints it."""
    return str([step.id for _, step in pack.get(runbook_id).steps()].index(step_id) + 1)


def run_step(config: Path, pack: RunbookPack, runbook_id: str, step_id: str) -> tuple[int, dict[str, Any]]:
    number = step_number(pack, runbook_id, step_id)
    result = cli(config, "runbook", "run", runbook_id, "--step", number, "--incident", "INC-1", "--json")
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def wait_until_healthy(config: Path, timeout: float = 30.0) -> None:
    """Drill tests may have just ended: wait until every demo check is up again."""
    deadline = time.monotonic() + timeout
    while cli(config, "check").returncode != 0:
        assert time.monotonic() < deadline, "the demo platform did not become healthy"
        time.sleep(0.5)


def test_every_seed_tbd_is_a_step_with_an_action(pack: RunbookPack) -> None:
    if SEED.is_file():
        said = set(re.findall(r"TBD:\s*([^\]\n]+?)\]?\s*$", SEED.read_text(encoding="utf-8"), re.M))
        assert said == set(TBD_STEPS)
    for topic, (runbook_id, step_id) in TBD_STEPS.items():
        runbook = pack.get(runbook_id)
        if step_id is None:
            assert any(step.action for _, step in runbook.steps()), f"{topic}: no step of {runbook_id} runs"
            continue
        step = runbook.step(step_id)
        assert step is not None, f"{topic}: no step {runbook_id}/{step_id}"
        assert step.action is not None, f"{topic}: {runbook_id}/{step_id} has no action"


def test_steps_that_change_systems_are_destructive(pack: RunbookPack) -> None:
    for runbook_id, step_id in [
        ("db-restore", "restore"),
        ("db-restore", "restore-point-in-time"),
        ("rollback-edge-function", "redeploy"),
        ("rollback-database-migration", "run-rollback-migration"),
        ("perf-high-memory", "kill-long-queries"),
        ("security-account-compromise", "lock-account"),
        ("security-ddos", "block-ips"),
    ]:
        step = pack.get(runbook_id).step(step_id)
        assert step is not None and step.destructive and step.action is not None, f"{runbook_id}/{step_id}"


def test_the_pack_validates_with_the_demo_config(config: Path) -> None:
    result = cli(config, "runbook", "validate")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok:")


def test_http_and_sql_steps_run_against_the_demo_and_land_in_the_incident(config: Path, pack: RunbookPack) -> None:
    wait_until_healthy(config)
    declared = cli(config, "incident", "declare", "SEV2", "Logins and sync failing")
    assert declared.returncode == 0, declared.stderr
    assert declared.stdout.startswith("INC-1:")
    for runbook_id in ("service-unavailable", "login-failures-spike", "sync-failures"):
        attached = cli(config, "incident", "attach", "INC-1", runbook_id)
        assert attached.returncode == 0, attached.stderr

    code, health = run_step(config, pack, "service-unavailable", "check-service-status")
    assert code == 0
    assert (health["kind"], health["status"], health["ok"], health["ticked"]) == ("http", "HTTP 200", True, True)
    assert health["command"].endswith("/health") and '"status": "ok"' in health["output"]

    code, sync = run_step(config, pack, "sync-failures", "sync-queue-length")
    assert code == 0
    assert (sync["kind"], sync["status"], sync["ok"], sync["ticked"]) == ("sql", "1 row", True, True)
    assert sync["output"].split()[:3] == ["backlog", "pending", "failed"]

    # The failed-login count depends on what ran before (a login drill adds thousands): whatever it is, the
    # result is recorded, and the step is ticked exactly when its expectation held.
    code, logins = run_step(config, pack, "login-failures-spike", "failed-login-attempts")
    assert (logins["kind"], logins["status"]) == ("sql", "1 row")
    assert logins["output"].startswith("failures_15m")
    assert logins["ticked"] is logins["ok"] and code == (0 if logins["ok"] else 1)

    shown = cli(config, "incident", "show", "INC-1")
    assert shown.returncode == 0, shown.stderr
    assert re.search(r"\[x\] Check service status", shown.stdout)
    assert re.search(r"\[x\] Check sync queue length", shown.stdout)
    assert "ran Check service status: HTTP 200" in shown.stdout
    assert "ran Check sync queue length: 1 row" in shown.stdout

    exported = cli(config, "incident", "export", "INC-1", "--format", "json")
    assert exported.returncode == 0, exported.stderr
    outputs = {
        (e["data"]["runbook"], e["data"]["step"]): e["data"]
        for e in json.loads(exported.stdout)["events"]
        if e["kind"] == "action_output"
    }
    assert set(outputs) == {
        ("service-unavailable", "check-service-status"),
        ("sync-failures", "sync-queue-length"),
        ("login-failures-spike", "failed-login-attempts"),
    }
    assert outputs["service-unavailable", "check-service-status"]["output"] == health["output"]
    assert outputs["sync-failures", "sync-queue-length"]["why"] == "[BODY].value < 100"
