"""Read-only is one capability: a `--readonly` command runs no step action, posts to no integration and writes
nothing to the journal; and a configured secret never travels to a host someone typed.

Everything here is real: the CLI in a subprocess, the journal file counted row by row, the PagerDuty / Slack /
Statuspage contract servers and loopback recorders that keep every request they receive.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tessa_tui.base.capabilities import MEASURE, READ_ONLY, READ_WRITE, Capabilities, ReadOnlyError
from tessa_tui.base.errors import UserError
from tessa_tui.config.load import load_config
from tessa_tui.incidents.book import open_book
from tessa_tui.run.integration_actions import run_integration
from tessa_tui.run.step_actions import run_step
from tessa_tui.runbook.model import Action, HttpAction, Step
from tests.conftest import REPO, SHUTDOWN_POLL_S
from tests.contract_servers import ContractServers

TOKEN = "tok-3f9a1c7e5b2d"  # the configured secret, from the environment


@dataclass
class Recorder:
    """A loopback HTTP server that answers 200 and keeps every request: (method, path, headers)."""

    url: str = ""
    seen: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)

    def carried(self, secret: str) -> bool:
        return any(secret in path or secret in " ".join(headers.values()) for _, path, headers in self.seen)


@pytest.fixture
def recorders() -> Iterator[tuple[Recorder, Recorder]]:
    """Two servers on 127.0.0.1: the one tessa.yaml names, and another one."""
    made: list[tuple[ThreadingHTTPServer, Recorder]] = []
    for _ in range(2):
        recorder = Recorder()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self, recorder: Recorder = recorder) -> None:
                recorder.seen.append((self.command, self.path, {k.lower(): v for k, v in self.headers.items()}))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *_: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        recorder.url = f"http://127.0.0.1:{server.server_address[1]}"
        threading.Thread(target=server.serve_forever, args=(SHUTDOWN_POLL_S,), daemon=True).start()
        made.append((server, recorder))
    yield made[0][1], made[1][1]
    for server, _ in made:
        server.shutdown()
        server.server_close()


RUNBOOK = """\
id: probe
title: Probe
kind: issue
phases:
  - name: Look
    steps:
      - id: touch
        text: Touch the marker
        action:
          run: [{python}, -c, "import sys; open(sys.argv[1], 'w').write('ran')", "{marker}"]
      - id: wipe
        text: Wipe
        destructive: true
        action:
          run: [{python}, -c, "import sys; open(sys.argv[1], 'w').write('ran')", "{marker}"]
      - id: post
        text: Tell Slack
        action:
          slack: update
      - id: call
        text: Call the API
        action:
          http:
            url: "{{target_url}}/v1/things"
            headers: {{Authorization: "Bearer {{api_token}}"}}
          ask: [target_url]
      - id: query-token
        text: Call the API with the token in the query
        action:
          http:
            url: "{{target_url}}/v1/things?key={{api_token}}"
          ask: [target_url]
"""


@dataclass
class Setup:
    config: Path
    journal: Path
    marker: Path
    env: dict[str, str]

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, "-m", "tessa_tui", "--config", str(self.config), *args]
        return subprocess.run(argv, capture_output=True, text=True, cwd=REPO, timeout=60, env=self.env)

    def rows(self) -> int:
        with sqlite3.connect(self.journal) as db:
            return int(db.execute("SELECT count(*) FROM events").fetchone()[0])


@pytest.fixture
def setup(tmp_path: Path, contract_servers: ContractServers, recorders: tuple[Recorder, Recorder]) -> Setup:
    named, _ = recorders
    folder = tmp_path / "runbooks"
    folder.mkdir()
    marker = tmp_path / "marker"
    (folder / "probe.yaml").write_text(RUNBOOK.format(python=json.dumps(sys.executable), marker=marker))
    config = tmp_path / "tessa.yaml"
    journal = tmp_path / "journal.sqlite3"
    document = {
        "journal": {"path": str(journal)},
        "runbooks": {"paths": [str(folder)]},
        "services": [{"name": "api", "url": f"{named.url}/health"}],
        "placeholders": {"api_token": "${API_TOKEN}"},
        "integrations": contract_servers.config(),
    }
    config.write_text(json.dumps(document), encoding="utf-8")  # JSON is YAML
    env = {**os.environ, **contract_servers.environ(), "API_TOKEN": TOKEN, "XDG_STATE_HOME": str(tmp_path / "st")}
    made = Setup(config, journal, marker, env)
    assert made.cli("incident", "declare", "SEV2", "API down").returncode == 0
    assert made.cli("incident", "attach", "INC-1", "probe").returncode == 0
    return made


def test_the_capability_is_decided_once_and_refuses_in_one_place() -> None:
    assert Capabilities.from_flag(True) is READ_ONLY and Capabilities.from_flag(False) is READ_WRITE
    assert READ_ONLY.readonly and not READ_WRITE.readonly and not MEASURE.readonly
    for need in ("act", "post", "journal"):
        with pytest.raises(ReadOnlyError, match=r"^read-only: x refused \(read-only mode "):
            READ_ONLY.require(need, "x")
        READ_WRITE.require(need, "x")
    with pytest.raises(ReadOnlyError, match="posts to no integration"):
        MEASURE.require("post", "a review's slack step")
    assert issubclass(ReadOnlyError, UserError)  # the CLI prints one line and exits 2


@pytest.mark.parametrize(
    "args",
    [
        ("--step", "1"),
        ("--step", "touch", "--incident", "INC-1"),
        ("--step", "wipe", "--confirm", "wipe", "--incident", "INC-1"),
        ("--step", "post", "--incident", "INC-1"),
        ("--step", "call", "--set", "target_url=http://127.0.0.1:9"),
        (),
    ],
)
def test_readonly_runbook_run_runs_nothing_posts_nothing_writes_nothing(
    setup: Setup, contract_servers: ContractServers, args: tuple[str, ...]
) -> None:
    before = setup.rows()
    refused = setup.cli("--readonly", "runbook", "run", "probe", *args)
    assert refused.returncode == 2, refused.stderr
    assert refused.stdout == "" and len(refused.stderr.strip().splitlines()) == 1
    assert "read-only mode runs no step action" in refused.stderr and "Traceback" not in refused.stderr
    assert not setup.marker.exists() and setup.rows() == before
    assert all(contract_servers.received(service) == [] for service in ("slack", "pagerduty", "statuspage"))


@pytest.mark.parametrize("review", ["daily", "weekly"])
def test_readonly_review_measures_nothing_and_saves_nothing(setup: Setup, review: str) -> None:
    """A review runs its measuring steps and saves itself as REV-N: a spectator may do neither."""
    before = setup.rows()
    refused = setup.cli("check", "--review", review, "--readonly")
    assert refused.returncode == 2 and refused.stdout == "", refused.stderr
    assert refused.stderr.strip() == (
        f"tessa-tui: error: read-only: check --review {review} refused (read-only mode runs no step action)"
    )
    assert setup.rows() == before


def test_readonly_export_prints_but_writes_no_file_and_starts_no_drill(setup: Setup, tmp_path: Path) -> None:
    target = tmp_path / "pm.md"
    refused = setup.cli("--readonly", "incident", "export", "INC-1", "--output", str(target))
    assert refused.returncode == 2 and not target.exists()
    assert (
        refused.stderr.strip() == "tessa-tui: error: read-only: export --output refused (read-only mode writes nothing)"
    )
    printed = setup.cli("--readonly", "incident", "export", "INC-1")
    assert printed.returncode == 0 and printed.stdout.startswith("# Post-mortem: INC-1")
    drill = setup.cli("demo", "--drill", "db-slow", "--readonly")
    assert drill.returncode == 2 and "read-only: demo --drill db-slow refused" in drill.stderr


def test_the_same_commands_without_readonly_do_act(setup: Setup, contract_servers: ContractServers) -> None:
    """The control: the refusals above are the flag's doing, not a broken setup."""
    before = setup.rows()
    assert setup.cli("runbook", "run", "probe", "--step", "touch", "--incident", "INC-1").returncode == 0
    assert setup.marker.read_text() == "ran" and setup.rows() == before + 1
    assert setup.cli("runbook", "run", "probe", "--step", "post", "--incident", "INC-1").returncode == 0
    assert len(contract_servers.received("slack")) == 1


def test_integrations_post_nothing_read_only(setup: Setup, contract_servers: ContractServers) -> None:
    loaded = load_config(setup.config, environ=setup.env)
    book = open_book(loaded)
    incident = book.get("INC-1")
    book.journal.close()
    for kind, target in (("slack", "update"), ("pagerduty", "acknowledge"), ("statuspage", "investigating")):
        with pytest.raises(ReadOnlyError):
            asyncio.run(run_integration(kind, target, incident, loaded.config, loaded.secrets, READ_ONLY))
        step = Step(id="s", text="s", action=Action(**{kind: target}))  # type: ignore[arg-type]
        for capabilities in (READ_ONLY, MEASURE):
            with pytest.raises(ReadOnlyError):
                asyncio.run(run_step(step, {}, loaded.config, capabilities=capabilities, incident=incident))
    assert all(contract_servers.received(service) == [] for service in ("slack", "pagerduty", "events", "statuspage"))


@pytest.mark.parametrize("step", ["call", "query-token"])
@pytest.mark.parametrize(
    "typed",
    [
        "{other}",
        "{other}/",
        "HTTP://{other_host}",
        "http://{named_host}@{other_host}",  # userinfo that looks like the named host
        "{other}#@{named_host}",
        "http://{other_host}.",
    ],
)
def test_a_configured_secret_never_reaches_a_typed_host(
    setup: Setup, recorders: tuple[Recorder, Recorder], step: str, typed: str
) -> None:
    named, other = recorders
    hosts = {"other": other.url, "other_host": other.url[7:], "named_host": named.url[7:]}
    target = typed.format(**hosts)
    before = setup.rows()
    refused = setup.cli(
        "runbook", "run", "probe", "--step", step, "--incident", "INC-1", "--set", f"target_url={target}"
    )
    assert refused.returncode == 2, (refused.stdout, refused.stderr)
    assert len(refused.stderr.strip().splitlines()) == 1 and "not sent" in refused.stderr
    assert TOKEN not in refused.stderr + refused.stdout
    assert other.seen == [] and named.seen == [] and setup.rows() == before


def test_a_configured_secret_goes_to_the_host_the_config_names(
    setup: Setup, recorders: tuple[Recorder, Recorder]
) -> None:
    named, other = recorders
    for step in ("call", "query-token"):
        sent = setup.cli("runbook", "run", "probe", "--step", step, "--set", f"target_url={named.url}")
        assert sent.returncode == 0, sent.stderr
        assert TOKEN not in sent.stdout  # masked in what is shown
    assert len(named.seen) == 2 and named.carried(TOKEN) and other.seen == []
    assert named.seen[0][2]["authorization"] == f"Bearer {TOKEN}"


def test_a_typed_secret_may_go_where_it_is_typed_and_a_runbook_literal_host_is_named(
    tmp_path: Path, recorders: tuple[Recorder, Recorder]
) -> None:
    """Only secrets the config holds are bound to its hosts; a host the runbook spells out is named by it."""
    named, other = recorders
    config = load_config(_plain_config(tmp_path), environ={}).config
    literal = Step(id="s", text="s", action=_http_action(f"{other.url}/literal", {"X-Key": "{api_token}"}))
    result = asyncio.run(run_step(literal, {"api_token": TOKEN}, config, capabilities=READ_WRITE, secrets={TOKEN}))
    assert result.status == "HTTP 200" and other.carried(TOKEN)  # the runbook names this origin itself
    other.seen.clear()
    loose = Step(id="s", text="s", action=_http_action("{target_url}/x", {"X-Key": "{api_token}"}))
    values = {"api_token": "typed-by-hand-1234", "target_url": other.url}
    asyncio.run(run_step(loose, values, config, capabilities=READ_WRITE, secrets={TOKEN}))
    assert other.carried("typed-by-hand-1234")  # not a configured secret: the person chose where it goes
    with pytest.raises(UserError, match="not sent"):
        asyncio.run(run_step(loose, {**values, "api_token": TOKEN}, config, capabilities=READ_WRITE, secrets={TOKEN}))
    assert not other.carried(TOKEN) and named.seen == []


def _plain_config(tmp_path: Path) -> Path:
    path = tmp_path / "plain.yaml"
    path.write_text(f"journal:\n  path: {tmp_path / 'j.sqlite3'}\n", encoding="utf-8")
    return path


def _http_action(url: str, headers: dict[str, str]) -> Action:
    return Action(http=HttpAction(url=url, headers=headers))
