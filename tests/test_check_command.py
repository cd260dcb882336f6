"""`tessa-tui check`: the table, the JSON contract and the exit codes, as a script sees them."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import SHARED_DATA
from tests.loopback import LoopbackServers


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tessa_tui", *args], capture_output=True, text=True, timeout=60, env=env
    )


@pytest.fixture
def mixed_config(write_config: Callable[[str], Path], servers: LoopbackServers) -> Path:
    return write_config(
        f"""
        services:
          - name: web
            group: frontend
            url: "{servers.http}/ok"
            conditions: ["[STATUS] == 200", "[BODY].status == ok"]
          - {{name: db-health, group: frontend, url: "{servers.http}/status/503"}}
          - {{name: refused, group: edge, url: "http://127.0.0.1:1/"}}
        """
    )


def test_table_and_exit_1_when_something_is_down(mixed_config: Path) -> None:
    result = run_cli("--config", str(mixed_config), "check")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["STATE", "CHECK", "GROUP", "LATENCY", "REASON"]
    assert lines[1].startswith("● up") and " web " in lines[1]
    assert lines[2].startswith("✖ down") and lines[2].endswith("[STATUS] (503) == 200")
    assert lines[3].startswith("✖ down") and lines[3].endswith("connection refused")
    assert result.stderr == ""


def test_json_contract(mixed_config: Path) -> None:
    result = run_cli("--config", str(mixed_config), "check", "--json")
    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert document["all_up"] is False
    checks = {c["name"]: c for c in document["checks"]}
    assert list(checks) == ["web", "db-health", "refused"]
    for check in checks.values():
        assert {"name", "state", "latency_ms", "reason", "conditions"} <= set(check)
        assert check["state"] in {"up", "degraded", "down", "maintenance", "unknown"}
    assert checks["web"]["reason"] == ""
    assert checks["web"]["conditions"][1] == {
        "condition": "[BODY].status == ok",
        "success": True,
        "display": "[BODY].status == ok",
    }
    assert checks["db-health"]["conditions"] == [
        {"condition": "[STATUS] == 200", "success": False, "display": "[STATUS] (503) == 200"}
    ]
    assert isinstance(checks["db-health"]["latency_ms"], float)


def test_only_one_check_and_exit_0_when_up(mixed_config: Path) -> None:
    result = run_cli("--config", str(mixed_config), "check", "--only", "web", "--json")
    assert result.returncode == 0
    assert [c["name"] for c in json.loads(result.stdout)["checks"]] == ["web"]


def test_only_an_unknown_check_is_bad_input(mixed_config: Path) -> None:
    result = run_cli("--config", str(mixed_config), "check", "--only", "wbe")
    assert result.returncode == 2
    assert result.stderr.strip() == "tessa-tui: error: --only 'wbe': no such check (have: db-health, refused, web)"


def test_no_services_is_bad_input(write_config: Callable[[str], Path]) -> None:
    result = run_cli("--config", str(write_config("platform: X\n")), "check")
    assert result.returncode == 2
    assert "no services configured" in result.stderr


def test_one_run_is_one_result_thresholds_do_not_hide_a_failure(
    write_config: Callable[[str], Path], servers: LoopbackServers
) -> None:
    path = write_config(f"services:\n  - {{name: x, url: '{servers.http}/status/500', failure-threshold: 5}}\n")
    result = run_cli("--config", str(path), "check", "--json")
    assert result.returncode == 1
    assert json.loads(result.stdout)["checks"][0]["state"] == "down"


def test_secrets_appear_in_no_output(write_config: Callable[[str], Path], servers: LoopbackServers) -> None:
    url = servers.http.replace("http://", "http://admin:${PW}@") + "/secret500?token=${TOKEN}"
    path = write_config(f"services:\n  - name: s\n    url: '{url}'\n    headers: {{X-Api-Key: '${{KEY}}'}}\n")
    secrets = {"PW": "hunter2-pw", "TOKEN": "tok-SECRET-123", "KEY": "key-SECRET-456"}
    env = {"PATH": "/usr/bin:/bin", **secrets}
    table = run_cli("--config", str(path), "check", env=env)
    as_json = run_cli("--config", str(path), "check", "--json", env=env)
    assert (table.returncode, as_json.returncode) == (1, 1)
    for secret in secrets.values():
        assert secret not in table.stdout + table.stderr + as_json.stdout + as_json.stderr
    target = json.loads(as_json.stdout)["checks"][0]["target"]
    assert target.startswith("GET http://admin:****@127.0.0.1:") and target.endswith("/secret500?token=****")


def test_vendor_status_pages_from_real_captures(write_config: Callable[[str], Path], servers: LoopbackServers) -> None:
    captures = SHARED_DATA / "statuspage"
    if not captures.exists():
        pytest.skip("shared sample data not present")

    def load(name: str) -> object:
        return json.loads((captures / name).read_text())

    servers.recorder.statuspage.update(
        {
            "ok": {"summary.json": load("github_summary_2019-12-30_operational.json")},
            "outage": {"summary.json": load("github_summary_2020-04-02_major_outage.json")},
            "statusonly": {"status.json": load("github_status_2020-04-08.json")},
            "broken": {"summary.json": {"hello": "world"}},
        }
    )
    path = write_config(
        "services:\n"
        + "".join(
            f"  - {{name: {n}, statuspage: '{servers.http}/sp/{n}'}}\n"
            for n in ("ok", "outage", "statusonly", "broken")
        )
    )
    checks = {c["name"]: c for c in json.loads(run_cli("--config", str(path), "check", "--json").stdout)["checks"]}
    assert (checks["ok"]["state"], checks["ok"]["reason"]) == ("up", "")
    assert checks["outage"]["state"] == "down"
    assert checks["outage"]["reason"].startswith("Partial System Outage; Git Operations (major outage)")
    assert checks["outage"]["vendor"]["incidents"][0]["status"] == "investigating"
    assert checks["statusonly"]["vendor"]["incidents"] is None  # summary.json was 404: status.json fallback
    assert checks["broken"]["state"] == "unknown"
    assert checks["broken"]["reason"] == "not a Statuspage document: no status.indicator"
