"""Every action step of every shipped runbook, run against the demo platform: none answers "not configured".

The demo simulates what the steps talk to: PagerDuty, Slack and Statuspage (tessa_tui/demo/*_sim.py), the
Supabase API routes, the app's git checkout (app-repo in its state dir) and the Supabase CLI (a `supabase`
stand-in in its bin/, which `tessa-tui demo` puts first on its console's PATH; `db dump` is a real pg_dump of
the demo database). A destructive step runs with its confirm word when it is safe against the demo (each one
is: copying a command, ANALYZE, a simulated deploy), after being refused without it.

No step's URL is a vendor host fixed in the runbook: the Management API and OpenAI's status page are placeholders
with the vendors' URLs as defaults (`supabase_api_url`, `openai_status_url`), which the demo points at itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from runbooks import pack_dir
from tessa_tui.config.load import load_config
from tessa_tui.incidents.book import open_book
from tessa_tui.run.step_actions import confirm_word
from tessa_tui.runbook.load import load_pack
from tests.platform_fixtures import RunningDemo, private_journal

# What some steps' output must show: the demo's app repository, its supabase stand-in, its pg_dump.
SHOWS = {
    ("service-unavailable", "check-deployments"): "release: frontend 1.42.0",
    ("login-failures-spike", "auth-config-changes"): "auth: shorter JWT expiry",
    ("rollback-edge-function", "find-working-commit"): "fix(chat)",
    ("rollback-edge-function", "redeploy"): "Deployed Function chat",
    ("db-backup", "manual-backup"): "Dumped schema to tessa-schema.sql",
    ("db-backup", "check-backup"): "tessa-data.sql",
    ("ai-chat-not-responding", "api-key-changes"): "OPENAI_API_KEY",
    ("sev3-degraded-performance", "health-checks"): "Our status page",
}
PACK = load_pack([pack_dir()])
STEPS = [(r.id, s) for r in PACK.runbooks.values() for _, s in r.steps() if s.action is not None]
RUNBOOKS = list(dict.fromkeys(r for r, _ in STEPS))
Setup = tuple[Path, dict[str, str], str, Path]


def control(demo: RunningDemo, path: str, method: str = "GET") -> Any:
    base = json.loads((demo.state_dir / "platform.json").read_text())["base_url"]
    url = f"{base}/_demo/{path}"
    request = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - the demo on loopback
        return json.load(response)


@pytest.fixture(scope="module")
def setup(demo: RunningDemo, tmp_path_factory: pytest.TempPathFactory) -> Setup:
    """The demo's config with a journal of this module's own; the environment `tessa-tui demo --env` prints;
    the PagerDuty incident a drill paged for, which INC-1 is declared from (as the console's PagerDuty pane
    does), with every runbook attached; a working directory for the files steps write."""
    folder = tmp_path_factory.mktemp("every-step")
    text = demo.config.read_text(encoding="utf-8")
    config = folder / "tessa.yaml"
    config.write_text(private_journal(text, folder / "journal.sqlite3"))
    printed = subprocess.run(
        [sys.executable, "-m", "tessa_tui", "demo", "--state-dir", str(demo.state_dir), "--env"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    env = dict(os.environ)
    for line in printed.splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        env[name] = value.strip("'")
    assert env["PATH"].startswith(str(demo.state_dir / "bin"))
    assert env["TESSA_CONFIG"] == str(demo.config)  # the headless commands in that shell read the running demo
    control(demo, "drills/service-unavailable", "POST")
    control(demo, "drills/all-clear", "POST")
    paged = [i for i in control(demo, "pagerduty")["incidents"] if "service-unavailable" in i["incident_key"]]
    pd_id = [i["id"] for i in paged if i["status"] != "resolved"][-1]
    book = open_book(load_config(config))
    book.record(book.declare("SEV1", "Frontend down", services=["Frontend"], pagerduty_incident=pd_id))
    for runbook_id in RUNBOOKS:
        if runbook_id != "sev1-service-down":
            book.record(book.attach("INC-1", runbook_id))
    return config, env, pd_id, folder


def run(config: Path, env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "tessa_tui", "--config", str(config), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=100, env=env, cwd=cwd)


def state_of(setup: Setup, service: str) -> str:
    config, env, _, cwd = setup
    checks = json.loads(run(config, env, cwd, "check", "--json").stdout)["checks"]
    return str(next(c["state"] for c in checks if c["name"] == service))


def test_no_step_is_fixed_to_a_vendor_host() -> None:
    """Every HTTP step's host is a placeholder: what is fixed in a runbook the demo cannot rehearse."""
    fixed = {(r, s.id) for r, s in STEPS if s.action and s.action.http and not s.action.http.url.startswith("{")}
    assert fixed == set()


@pytest.mark.parametrize("runbook_id", RUNBOOKS)
def test_every_action_step_runs_against_the_demo(demo: RunningDemo, setup: Setup, runbook_id: str) -> None:
    config, env, pd_id, cwd = setup
    for step in [s for r, s in STEPS if r == runbook_id]:
        base = ["runbook", "run", runbook_id, "--step", step.id, "--incident", "INC-1", "--json"]
        if step.destructive:  # every one is safe against the demo: refused without its word, then run with it
            refused = run(config, env, cwd, *base)
            assert refused.returncode == 2, refused.stdout
            assert f"type {confirm_word(step)!r} to run it" in refused.stderr
            base += ["--confirm", confirm_word(step)]
        done = run(config, env, cwd, *base)
        assert done.returncode in (0, 1), f"{runbook_id}/{step.id}: {done.stderr}"
        result = json.loads(done.stdout)
        said = f"{runbook_id}/{step.id}: {result['status']} / {result['why']}"
        assert "not configured" not in said and not result["status"].startswith(("cannot run", "error")), said
        if result["kind"] == "http":
            assert result["status"] == "HTTP 200", said  # every URL the demo serves answered
        if result["kind"] == "run":
            assert result["status"].startswith("exit "), said  # the command was found and ran
        if (runbook_id, step.id) in SHOWS:
            assert SHOWS[runbook_id, step.id] in result["output"], said
        if (runbook_id, step.id) == ("sev1-service-down", "ack-pagerduty"):
            assert result["output"] == f"{pd_id}: acknowledged"
            assert {i["id"]: i["status"] for i in control(demo, "pagerduty")["incidents"]}[pd_id] == "acknowledged"
        if (runbook_id, step.id) == ("sev1-service-down", "status-investigating"):
            assert result["status"].startswith("Statuspage created")
            assert state_of(setup, "Our status page") == "down"  # the services pane sees the posted incident
        if (runbook_id, step.id) == ("sev1-service-down", "status-resolved"):
            assert result["status"].startswith("Statuspage updated")
            assert state_of(setup, "Our status page") == "up"  # resolved: operational again


def test_the_procedures_posts_are_in_the_demo_slack_channel(demo: RunningDemo, setup: Setup) -> None:
    texts = [m["text"] for m in control(demo, "slack")["messages"]]
    assert any("*SEV1 declared* INC-1: Frontend down" in t for t in texts)
    assert any("*Resolved* INC-1" in t for t in texts)
    shown = subprocess.run(
        [sys.executable, "-m", "tessa_tui", "demo", "--state-dir", str(demo.state_dir), "--slack"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("#incidents: ") and "*SEV1 declared* INC-1: Frontend down" in shown.stdout
