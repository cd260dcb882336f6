"""Runbook step actions: placeholder values stay literal, deadlines kill whole process groups, output is made
safe, destructive steps need their word, and the CLI records results in the timeline."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tessa_tui.base.capabilities import READ_ONLY, READ_WRITE, Capabilities
from tessa_tui.base.errors import UserError
from tessa_tui.config.fields import Duration
from tessa_tui.config.model import DatabaseConfig, ServiceCheck, TessaConfig
from tessa_tui.run.step_actions import ActionResult, run_step
from tessa_tui.runbook.model import Action, HttpAction, Step
from tessa_tui.runbook.placeholders import expand, unknown_placeholders
from tests.conftest import REPO
from tests.hostile_http import answering

HOSTILE = ["; rm -rf /", "$(id)", "`id`", "a\nb", "' OR 1=1 --", "x y", "-rf", "{production_url}"]
ARGV = [sys.executable, "-c", "import json, sys; print(json.dumps(sys.argv[1:]))"]


def step(action: Action, **extra: object) -> Step:
    return Step(id="s", text="a step", action=action, **extra)  # type: ignore[arg-type]


def run(
    the_step: Step,
    values: dict[str, str] | None = None,
    *,
    secrets: frozenset[str] = frozenset(),
    confirmed: str | None = None,
    capabilities: Capabilities = READ_WRITE,
) -> ActionResult:
    config = TessaConfig()
    running = run_step(the_step, values or {}, config, capabilities=capabilities, secrets=secrets, confirmed=confirmed)
    return asyncio.run(running)


@pytest.mark.parametrize("payload", HOSTILE)
def test_a_placeholder_value_is_one_literal_argument(payload: str) -> None:
    action = Action(run=[*ARGV, "{client_ip}", "--user={user_email}"], expect=["[STATUS] == 0"])
    values = {"client_ip": payload, "user_email": payload, "production_url": "NO"}
    if payload.startswith("-"):  # it would begin an argument: an option, unless the runbook allows it
        with pytest.raises(UserError, match=r"^\{client_ip\}: the value starts with '-'"):
            run(step(action), values)
        action = Action(run=action.run, expect=action.expect, allow_option=["client_ip"])
    result = run(step(action), values)
    assert json.loads(result.output) == [payload, f"--user={payload}"]
    assert result.ok is True


def test_sql_placeholders_are_parameters_and_urls_are_encoded() -> None:
    sql = expand(
        Action(sql="SELECT * FROM t WHERE a = {user_email} OR b = {user_email} OR c = {client_ip}"),
        {"user_email": "x'; DROP TABLE t; --", "client_ip": "1.2.3.4"},
    )
    assert sql.sql == "SELECT * FROM t WHERE a = $1 OR b = $1 OR c = $2"
    assert sql.params == ["x'; DROP TABLE t; --", "1.2.3.4"]
    values = {"production_url": "https://app.example/", "user_email": "a/../admin?x=1#", "client_ip": "1&b=2"}
    http = expand(Action(http=HttpAction(url="{production_url}/users/{user_email}?q={client_ip}")), values)
    assert http.url == "https://app.example/users/a%2F..%2Fadmin%3Fx%3D1%23?q=1%26b%3D2"
    with pytest.raises(UserError, match="line break"):
        expand(
            Action(http=HttpAction(url="http://x/", headers={"X-Who": "{user_email}"})),
            {"user_email": "a\r\nX-Admin: 1"},
        )
    with pytest.raises(UserError, match="no value for function_name"):
        expand(Action(run=["deploy", "{function_name}"]), {})


def test_unknown_placeholders_are_found() -> None:
    action = Action(run=["x", "{prodution_url}", "{asked}", "{mine}", "{now}"], ask=["asked"])
    assert unknown_placeholders(action, {"mine"}) == ["prodution_url"]


def test_a_deadline_kills_the_whole_process_group(tmp_path: Path) -> None:
    marker = f"sleep {9000 + os.getpid() % 997}"  # a command line no other test runs
    action = Action(run=["sh", "-c", f"{marker} & {marker}"], timeout=Duration(seconds=2))
    result = run(step(action))
    assert result.status == "timed out after 2s (killed)"  # the deadline ended it: the sleeps run for hours
    left = ""
    for _ in range(100):  # SIGKILL is sent; the kernel takes a moment to tear a process down
        left = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True).stdout
        if not left:
            break
        time.sleep(0.1)
    assert left == "", "a process of the step outlived its deadline"


def test_output_is_sanitised_and_secrets_masked() -> None:
    script = "import sys; sys.stdout.write('\\x1b]0;PWNED\\x07\\x1b[2J token=hunter22 \\x9b done')"
    result = run(step(Action(run=[sys.executable, "-c", script])), secrets=frozenset({"hunter22"}))
    output = result.output
    assert "\x1b" not in output and "\x9b" not in output and "\x07" not in output
    assert "\\e]0;PWNED" in output and "hunter22" not in output and "****" in output


def test_a_destructive_step_needs_its_word_and_never_runs_read_only(tmp_path: Path) -> None:
    flag = tmp_path / "ran"
    destructive = step(Action(run=["touch", str(flag)]), destructive=True, confirm="rollback")
    for confirmed in (None, "", "Rollback", "s"):
        with pytest.raises(UserError, match="type 'rollback'"):
            run(destructive, confirmed=confirmed)
    with pytest.raises(UserError, match="read-only"):
        run(destructive, confirmed="rollback", capabilities=READ_ONLY)
    assert not flag.exists()
    assert run(destructive, confirmed="rollback").status == "exit 0"
    assert flag.exists()


def test_a_missing_program_and_a_failed_expectation_are_results() -> None:
    missing = run(step(Action(run=["no-such-program-xyz"], expect=["[STATUS] == 0"])))
    assert missing.status.startswith("cannot start no-such-program-xyz") and missing.ok is False
    failing = run(step(Action(run=[sys.executable, "-c", "print('busy')"], expect=["[BODY] == pat(*idle*)"])))
    assert failing.ok is False and "[BODY] (busy) == pat(*idle*)" in failing.why


def test_runbook_run_records_in_the_incident_and_ticks_on_expectation(tmp_path: Path) -> None:
    runbooks = tmp_path / "runbooks"
    runbooks.mkdir()
    (runbooks / "probe.yaml").write_text(
        "id: probe\ntitle: Probe\nkind: issue\nphases:\n  - name: Look\n    steps:\n"
        "      - id: argv\n        text: Print the arguments\n        action:\n"
        f"          run: {json.dumps([*ARGV, '{client_ip}'])}\n          expect: ['[BODY] == pat(*1.2.3.4*)']\n"
        '      - id: wipe\n        text: Wipe\n        destructive: true\n        action:\n          run: ["true"]\n'
    )
    config = tmp_path / "tessa.yaml"
    config.write_text(f"runbooks:\n  paths: [{runbooks}]\njournal:\n  path: {tmp_path / 'j.sqlite3'}\n")

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, "-m", "tessa_tui", "--config", str(config), *args]
        return subprocess.run(argv, capture_output=True, text=True, cwd=REPO, timeout=60)

    assert cli("incident", "declare", "SEV3", "Probe test").returncode == 0
    assert cli("incident", "attach", "INC-1", "probe").returncode == 0
    ran = cli(
        "runbook", "run", "probe", "--step", "argv", "--incident", "INC-1", "--set", "client_ip=1.2.3.4", "--json"
    )
    assert ran.returncode == 0, ran.stderr
    result = json.loads(ran.stdout)
    assert result["ok"] is True and result["ticked"] is True and result["status"] == "exit 0"
    report = json.loads(cli("incident", "export", "INC-1", "--format", "json").stdout)
    assert any(e["kind"] == "action_output" and e["data"]["ticks"] for e in report["events"])
    assert any("1.2.3.4" in output["excerpt"] for output in report["diagnostic_outputs"])
    again = cli("runbook", "run", "probe", "--step", "1", "--incident", "INC-1", "--set", "client_ip=1.2.3.4")
    assert again.returncode == 0 and "ticked in the timeline" not in again.stdout  # first tick wins
    refused = cli("--readonly", "runbook", "run", "probe", "--step", "wipe", "--confirm", "wipe")
    assert refused.returncode == 2 and "read-only mode runs no step action" in refused.stderr
    assert cli("runbook", "run", "probe", "--step", "9").returncode == 2
    assert "no value for client_ip" in cli("runbook", "run", "probe", "--step", "argv").stderr


def test_sql_steps_are_read_only_parameterised_and_tabled(pg_dsn: str) -> None:
    config = TessaConfig(database=DatabaseConfig(dsn=pg_dsn))
    values = {"user_email": "x'); DROP TABLE pg_class; --"}
    query = step(Action(sql="SELECT {user_email}::text AS asked, 2 AS n", expect=["[BODY].count == 1"]))
    result = asyncio.run(run_step(query, values, config, capabilities=READ_WRITE))
    assert result.ok is True and result.status == "1 row"
    assert result.output.splitlines()[0].split() == ["asked", "n"] and "DROP TABLE pg_class" in result.output
    write = step(Action(sql="CREATE TABLE tessa_should_not_exist (x int)"))
    refused = asyncio.run(run_step(write, {}, config, capabilities=READ_WRITE))
    assert refused.status.startswith("error: ") and "read-only transaction" in refused.status
    slow = step(Action(sql="SELECT pg_sleep(5)", timeout=Duration(seconds=1)))
    stopped = asyncio.run(run_step(slow, {}, config, capabilities=READ_WRITE))
    assert "statement timeout" in stopped.status  # the server cancelled it at the step's 1 s, not pg_sleep's 5 s


# -- each step action is a fault boundary ---------------------------------------------------------------------------

SECRET = "s3cret-boundary-9f2e"


def _raise(*_: object, **__: object) -> object:
    raise RuntimeError(f"boom with {SECRET}\nsecond line")


async def _araise(*_: object, **__: object) -> object:
    return _raise()


BOUNDARY_CASES = {
    "http": (Action(http=HttpAction(url="http://127.0.0.1:9/")), "tessa_tui.base.http_fetch.fetch", _araise),
    "sql": (Action(sql="SELECT 1"), "tessa_tui.database.monitor.DbMonitor.connect", _araise),
    "run": (Action(run=["true"]), "asyncio.create_subprocess_exec", _araise),
    "check": (Action(check="api"), "tessa_tui.checks.service_check.run_check", _araise),
    "copy": (Action(copy="text"), "tessa_tui.run.step_actions.Observation", _raise),
    "probe": (Action(probe="backups"), "tessa_tui.run.review_probes.run_probe", _araise),
    "slack": (Action(slack="update"), "tessa_tui.run.integration_actions.run_integration", _araise),
}


@pytest.mark.parametrize("kind", list(BOUNDARY_CASES))
def test_a_step_that_raises_is_a_failed_result_and_a_crash_log_entry(
    kind: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    action, target, replacement = BOUNDARY_CASES[kind]
    monkeypatch.setattr(target, replacement)
    config = TessaConfig(
        database=DatabaseConfig(dsn="postgresql://nobody@127.0.0.1:9/none"),
        services=[ServiceCheck(name="api", url="http://127.0.0.1:9/")],
    )
    running = run_step(step(action), {}, config, capabilities=READ_WRITE, secrets={SECRET})
    result = asyncio.run(running)
    assert result.ok is False and result.status.startswith("error: internal error in this step (RuntimeError: boom")
    assert "\n" not in result.status and SECRET not in json.dumps(result.record())
    log = (tmp_path / "state").rglob("crash.log")
    text = "".join(path.read_text(encoding="utf-8") for path in log)
    assert f"step s ({kind})" in text and "RuntimeError: boom with" in text and SECRET not in text


def _incident_config(tmp_path: Path, url: str) -> Path:
    runbooks = tmp_path / "runbooks"
    runbooks.mkdir()
    (runbooks / "probe.yaml").write_text(
        "id: probe\ntitle: Probe\nkind: issue\nphases:\n  - name: Look\n    steps:\n"
        f"      - id: get\n        text: Get it\n        action:\n          http: {{url: '{url}/'}}\n"
        "          expect: ['[STATUS] == 200']\n"
    )
    config = tmp_path / "tessa.yaml"
    config.write_text(f"runbooks:\n  paths: [{runbooks}]\njournal:\n  path: {tmp_path / 'j.sqlite3'}\n")
    return config


@pytest.mark.parametrize("answer", [b"HTTP/1.1 abc\r\n\r\n", b"HTTP/1.1 200 \xff\xfe\r\n\r\n", b"\x00\x01garbage\r\n"])
def test_a_malformed_status_line_fails_the_step_in_one_line_unticked(tmp_path: Path, answer: bytes) -> None:
    url, stop = answering(answer)
    config = _incident_config(tmp_path, url)
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, "-m", "tessa_tui", "--config", str(config), *args]
        return subprocess.run(argv, capture_output=True, text=True, cwd=REPO, timeout=60, env=env)

    try:
        assert cli("incident", "declare", "SEV3", "Bad server").returncode == 0
        assert cli("incident", "attach", "INC-1", "probe").returncode == 0
        ran = cli("runbook", "run", "probe", "--step", "get", "--incident", "INC-1", "--json")
    finally:
        stop()
    assert ran.returncode == 1, (ran.stdout, ran.stderr)
    assert ran.stderr == "" and len(ran.stdout.strip().splitlines()) == 1
    result = json.loads(ran.stdout)
    assert result["ok"] is False and result["ticked"] is False and result["status"].startswith("error: ")
    assert "\n" not in result["status"]
    events = json.loads(cli("incident", "export", "INC-1", "--format", "json").stdout)["events"]
    [output] = [e["data"] for e in events if e["kind"] == "action_output"]
    assert output["ok"] is False and output["ticks"] is False


def test_runbook_run_exits_1_not_70_when_a_step_raises(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tessa_tui.cli.main import main

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    config = _incident_config(tmp_path, "http://127.0.0.1:9")
    assert main(["--config", str(config), "incident", "declare", "SEV3", "Bug"]) == 0
    assert main(["--config", str(config), "incident", "attach", "INC-1", "probe"]) == 0
    monkeypatch.setattr("tessa_tui.base.http_fetch.fetch", _araise)
    capsys.readouterr()
    code = main(["--config", str(config), "runbook", "run", "probe", "--step", "get", "--incident", "INC-1"])
    out = capsys.readouterr()
    assert code == 1 and "internal error in this step (RuntimeError" in out.out and out.err == ""
    assert main(["--config", str(config), "incident", "show", "INC-1"]) == 0
    assert "[ ] Get it" in capsys.readouterr().out


def test_an_integration_call_is_a_boundary_too(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from tessa_tui.integrations.api_call import _decode, call_json

    assert _decode(b"[" * 200_000 + b"]" * 200_000).startswith("[[[")  # deeper than the parser: text, no raise
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setattr("tessa_tui.base.http_fetch.fetch", _araise)
    reply = asyncio.run(call_json("POST", "http://127.0.0.1:9/", service="Slack", headers={}, secrets={SECRET}))
    assert not reply.ok and reply.error.startswith("Slack: internal error (RuntimeError); details in ")
    assert "\n" not in reply.error and SECRET not in reply.error
    assert "RuntimeError: boom with" in "".join(p.read_text() for p in (tmp_path / "state").rglob("crash.log"))
