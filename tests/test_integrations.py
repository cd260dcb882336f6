"""PagerDuty, Slack and Statuspage steps against loopback servers that implement each API's contract:
request shape and auth, credentials never in the timeline, retries that honour Retry-After, and a service
that cannot be reached failing the step (unticked, one clear line) while the incident goes on."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tessa_tui.base.capabilities import READ_ONLY, READ_WRITE
from tessa_tui.base.errors import UserError
from tessa_tui.base.retry_after import retry_after
from tessa_tui.cli.main import main
from tessa_tui.config.fields import Duration
from tessa_tui.config.integrations import SLACK_FIELDS
from tessa_tui.config.load import LoadedConfig, load_config
from tessa_tui.config.model import TessaConfig
from tessa_tui.incidents.book import IncidentBook
from tessa_tui.incidents.journal import Event
from tessa_tui.integrations import api_call
from tessa_tui.integrations.api_call import IntegrationError
from tessa_tui.integrations.pagerduty import list_incidents
from tessa_tui.run.integration_actions import incident_fields
from tessa_tui.run.step_actions import ActionResult, run_step, values_for
from tessa_tui.runbook.model import Action, Step
from tests.contract_servers import (
    PD_ACCEPT,
    PD_FROM,
    PD_TOKEN,
    ROUTING_KEY,
    SECRETS,
    SLACK_BOT_TOKEN,
    SLACK_CHANNEL,
    SP_PAGE,
    SP_TOKEN,
    WEBHOOK_PATH,
    ContractServers,
)

RUNBOOK = "sev1-service-down"
WriteConfig = Callable[..., Path]


def configure(
    servers: ContractServers, write_config: WriteConfig, environ: dict[str, str] | None = None, **integrations: Any
) -> LoadedConfig:
    """tessa.yaml with an `integrations:` section on the contract servers (JSON is YAML)."""
    section = json.dumps(servers.config(**integrations))
    path = write_config(f"platform: Tessa\njournal: {{path: journal.sqlite3}}\nintegrations: {section}\n")
    return load_config(path, environ=environ or servers.environ())


def declare(book: IncidentBook, pagerduty_incident: str | None = "PABC123", title: str = "API down") -> str:
    event = book.record(book.declare("SEV1", title, services=["api"], pagerduty_incident=pagerduty_incident))
    return event.incident


def run(book: IncidentBook, loaded: LoadedConfig, incident_id: str, step_id: str) -> tuple[ActionResult, Event]:
    """Run a checklist step as the console does, and record its result in the timeline."""
    incident = book.get(incident_id)
    runbook, step = book.find_step(incident, f"{RUNBOOK}/{step_id}")
    values = values_for(loaded.config, {}, incident_id)
    running = run_step(step, values, loaded.config, capabilities=READ_WRITE, secrets=loaded.secrets, incident=incident)
    result = asyncio.run(running)
    event = book.record(book.action_output(incident_id, f"{runbook.id}/{step.id}", result.record()))
    return result, event


def assert_no_secret_stored(book: IncidentBook, folder: Path, extra: tuple[str, ...] = ()) -> None:
    """No credential in the journal's files (WAL included) nor in any folded event."""
    book.journal.close()
    stored = b"".join(p.read_bytes() for p in folder.glob("journal.sqlite3*"))
    for secret in (*SECRETS, *extra):
        assert secret.encode() not in stored, secret


def ticked(book: IncidentBook, incident_id: str, step: str) -> bool:
    return book.get(incident_id).ticked(RUNBOOK, step) is not None


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# PagerDuty


def test_list_incidents_asks_for_open_incidents_of_configured_services(
    contract_servers: ContractServers, write_config: WriteConfig
) -> None:
    loaded = configure(contract_servers, write_config)
    found = asyncio.run(list_incidents(loaded.config, loaded.secrets))
    assert [(i.id, i.number, i.status, i.service) for i in found] == [
        ("PABC123", 41, "triggered", "Tessa API"),
        ("PDEF456", 42, "acknowledged", "Auth"),
    ]
    assert found[0].title == "API 5xx above 5%"
    assert found[0].created_at == datetime(2026, 1, 21, 13, 41, tzinfo=UTC)
    assert found[0].html_url.endswith("/incidents/PABC123")
    (request,) = contract_servers.received("pagerduty")
    assert (request.method, request.path) == ("GET", "/incidents")
    assert [v for k, v in request.query if k == "service_ids[]"] == ["PSVC1", "PSVC2"]
    assert [v for k, v in request.query if k == "statuses[]"] == ["triggered", "acknowledged"]
    assert request.headers["authorization"] == f"Token token={PD_TOKEN}"
    assert request.headers["accept"] == PD_ACCEPT


def test_list_incidents_refused_is_one_line_without_the_token(
    contract_servers: ContractServers, write_config: WriteConfig
) -> None:
    wrong = {**contract_servers.environ(), "PD_TOKEN": "not-the-token-1234"}
    loaded = configure(contract_servers, write_config, environ=wrong)
    with pytest.raises(IntegrationError) as raised:
        asyncio.run(list_incidents(loaded.config, loaded.secrets))
    assert isinstance(raised.value, UserError)
    assert str(raised.value) == "PagerDuty: HTTP 401 Authentication required"
    assert len(contract_servers.received("pagerduty")) == 1  # a 401 is not retried


def test_acknowledge_the_linked_incident_through_the_rest_api(
    contract_servers: ContractServers, write_config: WriteConfig, make_book: Callable[..., IncidentBook], tmp_path: Path
) -> None:
    loaded = configure(contract_servers, write_config)
    book = make_book()
    incident_id = declare(book)
    assert book.get(incident_id).links == {"pagerduty_incident": "PABC123"}
    result, event = run(book, loaded, incident_id, "ack-pagerduty")
    assert (result.ok, result.status, result.kind) == (True, "PagerDuty 200 acknowledged", "pagerduty")
    assert event.data["ticks"] and ticked(book, incident_id, "ack-pagerduty")
    read, request = contract_servers.received("pagerduty")  # its status is read first
    assert (read.method, read.path, read.answered) == ("GET", "/incidents/PABC123", 200)
    assert (request.method, request.path) == ("PUT", "/incidents/PABC123")
    assert request.headers["authorization"] == f"Token token={PD_TOKEN}"
    assert request.headers["accept"] == PD_ACCEPT
    assert request.headers["from"] == PD_FROM
    assert request.headers["content-type"].startswith("application/json")
    assert request.body == {"incident": {"type": "incident_reference", "status": "acknowledged"}}
    assert contract_servers.state.pd_incidents["PABC123"]["status"] == "acknowledged"
    assert_no_secret_stored(book, tmp_path)


def link_dedup_key(book: IncidentBook, incident_id: str, dedup_key: str) -> None:
    """An earlier step's result that linked an alert's dedup key (as a step that triggered it would)."""
    result = ActionResult(
        "pagerduty",
        "pagerduty trigger",
        "PagerDuty Events 202 trigger",
        True,
        "",
        1.0,
        "",
        link={"pagerduty_dedup_key": dedup_key},
    )
    book.record(book.action_output(incident_id, f"{RUNBOOK}/recent-deployments", result.record()))


def test_acknowledge_by_dedup_key_through_the_events_api(
    contract_servers: ContractServers, write_config: WriteConfig, make_book: Callable[..., IncidentBook]
) -> None:
    loaded = configure(contract_servers, write_config)
    book = make_book()
    incident_id = declare(book, pagerduty_incident=None)
    contract_servers.state.alerts["tessa-api-5xx"] = "triggered"
    link_dedup_key(book, incident_id, "tessa-api-5xx")
    result, _ = run(book, loaded, incident_id, "ack-pagerduty")
    assert (result.ok, result.status) == (True, "PagerDuty Events 202 acknowledge")
    (request,) = contract_servers.received("events")
    assert (request.method, request.path) == ("POST", "/v2/enqueue")
    assert request.body == {"routing_key": ROUTING_KEY, "event_action": "acknowledge", "dedup_key": "tessa-api-5xx"}
    assert contract_servers.state.alerts == {"tessa-api-5xx": "acknowledged"}
    assert "authorization" not in request.headers  # the routing key is the credential
    assert ROUTING_KEY not in json.dumps(result.record())


def test_no_linked_incident_and_no_routing_key_fails_clearly(
    contract_servers: ContractServers, write_config: WriteConfig, make_book: Callable[..., IncidentBook]
) -> None:
    pagerduty = {**contract_servers.config()["pagerduty"]}
    del pagerduty["routing-key"]
    loaded = configure(contract_servers, write_config, pagerduty=pagerduty)
    book = make_book()
    incident_id = declare(book, pagerduty_incident=None)
    result, event = run(book, loaded, incident_id, "ack-pagerduty")
    assert result.ok is False and "no PagerDuty incident linked" in result.status
    assert not event.data["ticks"] and not ticked(book, incident_id, "ack-pagerduty")
    assert contract_servers.received("pagerduty") == contract_servers.received("events") == []


def test_declare_refuses_a_pagerduty_id_that_is_not_one(make_book: Callable[..., IncidentBook]) -> None:
    with pytest.raises(UserError, match="not a PagerDuty id"):
        make_book().declare("SEV1", "x", pagerduty_incident="../../admin")


# Slack


def test_slack_webhook_posts_the_template_and_the_timeline_keeps_the_text(
    contract_servers: ContractServers, write_config: WriteConfig, make_book: Callable[..., IncidentBook], tmp_path: Path
) -> None:
    loaded = configure(contract_servers, write_config)
    book = make_book()
    incident_id = declare(book, title="<!channel> API down & out")
    result, event = run(book, loaded, incident_id, "post-incidents-channel")
    assert (result.ok, result.status) == (True, "Slack posted (webhook)")
    (request,) = contract_servers.received("slack")
    assert (request.method, request.path) == ("POST", WEBHOOK_PATH)
    text = request.body["text"]
    assert request.body == {"text": text}
    assert f"*SEV1 declared* {incident_id}: &lt;!channel&gt; API down &amp; out" in text  # never pings everyone
    assert "Services: api" in text and "Commander: unassigned" in text
    assert event.data["output"] == text and ticked(book, incident_id, "post-incidents-channel")
    assert_no_secret_stored(book, tmp_path, extra=(contract_servers.webhook,))


def test_slack_bot_token_uses_chat_post_message_and_a_configured_template(
    contract_servers: ContractServers, write_config: WriteConfig, make_book: Callable[..., IncidentBook], tmp_path: Path
) -> None:
    slack = {
        "bot-token": "${SLACK_BOT_TOKEN}",
        "channel": SLACK_CHANNEL,
        "api-url": contract_servers.slack,
        "templates": {"resolved": "{id} fixed on {platform} ({environment}): {title}"},
    }
    loaded = configure(contract_servers, write_config, slack=slack)
    book = make_book()
    incident_id = declare(book)
    result, _ = run(book, loaded, incident_id, "post-resolution")
    assert (result.ok, result.output) == (True, f"{incident_id} fixed on Tessa (production): API down")
    (request,) = contract_servers.received("slack")
    assert (request.method, request.path) == ("POST", "/chat.postMessage")
    assert request.headers["authorization"] == f"Bearer {SLACK_BOT_TOKEN}"
    assert request.body == {"channel": SLACK_CHANNEL, "text": result.output}
    assert_no_secret_stored(book, tmp_path)


def test_slack_ok_false_fails_the_step_with_slacks_error(
    contract_servers: ContractServers, write_config: WriteConfig, make_book: Callable[..., IncidentBook]
) -> None:
    slack = {"bot-token": "${SLACK_BOT_TOKEN}", "channel": "#nowhere", "api-url": contract_servers.slack}
    loaded = configure(contract_servers, write_config, slack=slack)
    book = make_book()
    incident_id = declare(book)
    result, _ = run(book, loaded, incident_id, "post-incidents-channel")
    assert (result.ok, result.status) == (False, "error: Slack: channel_not_found")
    assert not ticked(book, incident_id, "post-incidents-channel")


# Statuspage


def test_statuspage_creates_then_resolves_the_same_incident_found_in_the_journal(
    contract_servers: ContractServers, write_config: WriteConfig, make_book: Callable[..., IncidentBook], tmp_path: Path
) -> None:
    loaded = configure(contract_servers, write_config)
    book = make_book()
    incident_id = declare(book)
    created, event = run(book, loaded, incident_id, "status-investigating")
    assert (created.ok, created.status) == (True, "Statuspage created sp0001 (investigating)")
    assert event.data["link"] == {"statuspage_incident": "sp0001", "shortlink": "https://stspg.io/sp0001"}
    book = make_book()  # a restart: the status page incident is found again from the journal alone
    resolved, _ = run(book, loaded, incident_id, "status-resolved")
    assert (resolved.ok, resolved.status) == (True, "Statuspage updated sp0001 (resolved)")
    first, second = contract_servers.received("statuspage")
    assert (first.method, first.path) == ("POST", f"/pages/{SP_PAGE}/incidents")
    assert (second.method, second.path) == ("PATCH", f"/pages/{SP_PAGE}/incidents/sp0001")
    for request in (first, second):
        assert request.headers["authorization"] == f"OAuth {SP_TOKEN}"
    assert first.body["incident"] == {
        "name": "API down",
        "status": "investigating",
        "body": "We are currently investigating this issue.",
        "component_ids": ["cmp-api"],  # the incident's service, not every component
        "components": {"cmp-api": "major_outage"},
    }
    assert second.body["incident"]["status"] == "resolved"
    assert second.body["incident"]["components"] == {"cmp-api": "operational"}
    assert ticked(book, incident_id, "status-investigating") and ticked(book, incident_id, "status-resolved")
    assert_no_secret_stored(book, tmp_path)


def test_statuspage_wrong_token_is_401_without_the_token(
    contract_servers: ContractServers, write_config: WriteConfig, make_book: Callable[..., IncidentBook]
) -> None:
    wrong = {**contract_servers.environ(), "STATUSPAGE_TOKEN": "wrong-token-0000"}
    loaded = configure(contract_servers, write_config, environ=wrong)
    book = make_book()
    result, _ = run(book, loaded, declare(book), "status-investigating")
    assert (result.ok, result.status) == (False, "error: Statuspage: HTTP 401 Could not authenticate")
    assert "wrong-token-0000" not in json.dumps(result.record())


# Retries, deadlines, unreachable services


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The pauses between attempts, recorded instead of slept: the backoff is checked without a clock."""
    recorded: list[float] = []

    async def record(seconds: float) -> None:
        recorded.append(seconds)

    monkeypatch.setattr(api_call, "wait_before_retry", record)
    return recorded


def test_429_with_retry_after_is_waited_for_then_retried(
    contract_servers: ContractServers,
    write_config: WriteConfig,
    make_book: Callable[..., IncidentBook],
    waits: list[float],
) -> None:
    loaded = configure(contract_servers, write_config)
    book = make_book()
    incident_id = declare(book)
    contract_servers.fail("slack", 429, retry_after="1")
    result, _ = run(book, loaded, incident_id, "post-incidents-channel")
    assert result.ok is True
    first, second = contract_servers.received("slack")
    assert (first.answered, second.answered) == (429, 200)
    assert waits == [1.0]  # the Retry-After, not the backoff
    assert result.why.startswith("succeeded on attempt 2")


def test_503_twice_then_success(
    contract_servers: ContractServers,
    write_config: WriteConfig,
    make_book: Callable[..., IncidentBook],
    waits: list[float],
) -> None:
    loaded = configure(contract_servers, write_config)
    book = make_book()
    incident_id = declare(book)
    contract_servers.fail("pagerduty", 503, times=2)
    result, _ = run(book, loaded, incident_id, "ack-pagerduty")
    assert result.ok is True and ticked(book, incident_id, "ack-pagerduty")
    received = contract_servers.received("pagerduty")
    assert [(r.method, r.answered) for r in received] == [("GET", 503), ("GET", 503), ("GET", 200), ("PUT", 200)]
    assert waits == [api_call.BACKOFF_S, 2 * api_call.BACKOFF_S]  # the backoff doubles


def test_retries_run_out_and_the_step_stays_unticked(
    contract_servers: ContractServers, write_config: WriteConfig, make_book: Callable[..., IncidentBook]
) -> None:
    loaded = configure(contract_servers, write_config, retries=1)
    book = make_book()
    incident_id = declare(book)
    contract_servers.fail("pagerduty", 500, times=5)
    result, _ = run(book, loaded, incident_id, "ack-pagerduty")
    assert (result.ok, result.status) == (False, "error: PagerDuty: HTTP 500 Internal Server Error after 2 attempts")
    assert len(contract_servers.received("pagerduty")) == 2 and not ticked(book, incident_id, "ack-pagerduty")


def test_a_retry_after_beyond_the_deadline_fails_at_once(
    contract_servers: ContractServers,
    write_config: WriteConfig,
    make_book: Callable[..., IncidentBook],
    waits: list[float],
) -> None:
    loaded = configure(contract_servers, write_config, timeout="2s")
    book = make_book()
    incident_id = declare(book)
    contract_servers.fail("pagerduty", 429, retry_after="120")
    result, _ = run(book, loaded, incident_id, "ack-pagerduty")
    assert waits == []  # failed at once: no pause for a wait the deadline could not hold
    assert result.ok is False
    assert "HTTP 429" in result.status and "Retry-After 30s" in result.status and "2s deadline" in result.status
    assert not ticked(book, incident_id, "ack-pagerduty")


@pytest.mark.parametrize("step", ["ack-pagerduty", "post-incidents-channel", "status-investigating"])
def test_an_unreachable_service_fails_the_step_clearly_and_the_incident_goes_on(
    step: str, contract_servers: ContractServers, write_config: WriteConfig, make_book: Callable[..., IncidentBook]
) -> None:
    dead = f"http://127.0.0.1:{closed_port()}"
    environ = {**contract_servers.environ(), "SLACK_WEBHOOK_URL": f"{dead}/services/T/B/secretpath"}
    config = contract_servers.config(retries=1)
    config["pagerduty"]["api-url"] = config["pagerduty"]["events-url"] = dead
    config["statuspage"]["api-url"] = dead
    loaded = configure(contract_servers, write_config, environ=environ, **config)
    book = make_book()
    incident_id = declare(book)
    result, event = run(book, loaded, incident_id, step)
    service = {"ack-pagerduty": "PagerDuty", "post-incidents-channel": "Slack", "status-investigating": "Statuspage"}
    assert result.ok is False
    assert result.status == f"error: {service[step]}: connection refused after 2 attempts"
    assert "\n" not in result.status and "secretpath" not in json.dumps(result.record())
    assert not event.data["ticks"] and not ticked(book, incident_id, step)
    book.record(book.note(incident_id, "still going"))  # the incident goes on
    assert book.get(incident_id).notes[-1].text == "still going"


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 1, 21, 14, 0, 0, tzinfo=UTC)
    assert retry_after("3", now) == 3.0
    assert retry_after("Wed, 21 Jan 2026 14:00:05 GMT", now) == 5.0
    assert retry_after("Wed, 21 Jan 2026 13:00:00 GMT", now) == 0.0
    assert retry_after("soon", now) is None and retry_after(None, now) is None


# Config and the CLI


def test_a_credential_written_in_the_file_is_refused(write_config: WriteConfig) -> None:
    path = write_config(
        """
        integrations:
          statuspage:
            token: literal-secret-value
            page-id: abc
        """
    )
    with pytest.raises(UserError) as raised:
        load_config(path, environ={})
    message = str(raised.value)
    assert "integrations.statuspage.token" in message and ":3:" in message
    assert "literal-secret-value" not in message


def test_a_slack_template_with_an_unknown_field_is_refused(write_config: WriteConfig) -> None:
    path = write_config(
        """
        integrations:
          slack:
            webhook-url: ${HOOK}
            templates: {declared: "{id} {titel}"}
        """
    )
    with pytest.raises(UserError, match=r"unknown \{titel\}"):
        load_config(path, environ={"HOOK": "https://hooks.slack.com/services/T/B/x"})


def test_runbook_run_calls_the_services_from_the_cli(
    contract_servers: ContractServers,
    write_config: WriteConfig,
    make_book: Callable[..., IncidentBook],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    configure(contract_servers, write_config)  # writes tmp_path/tessa.yaml, journal beside it
    for name, value in contract_servers.environ().items():
        monkeypatch.setenv(name, value)
    book = make_book()
    incident_id = declare(book)
    book.journal.close()
    config = ["--config", str(tmp_path / "tessa.yaml")]
    assert main([*config, "runbook", "run", RUNBOOK, "--step", "1", "--incident", incident_id]) == 0
    assert main([*config, "runbook", "run", RUNBOOK, "--step", "3", "--incident", incident_id]) == 0
    assert main([*config, "runbook", "run", RUNBOOK, "--step", "status-resolved", "--incident", incident_id]) == 0
    out = capsys.readouterr().out
    assert "✔ ack-pagerduty: PagerDuty 200 acknowledged" in out
    assert "Statuspage created sp0001 (investigating)" in out and "Statuspage updated sp0001 (resolved)" in out
    assert [r.method for r in contract_servers.received("statuspage")] == ["POST", "PATCH"]
    contract_servers.fail("slack", 503, times=10)
    assert main([*config, "runbook", "run", RUNBOOK, "--step", "2", "--incident", incident_id]) == 1
    out = capsys.readouterr().out
    assert "✖ post-incidents-channel: error: Slack: HTTP 503 unavailable; it may have been posted all the same" in out
    assert len(contract_servers.received("slack")) == 1  # not posted again
    book = make_book()
    assert ticked(book, incident_id, "ack-pagerduty") and not ticked(book, incident_id, "post-incidents-channel")
    assert_no_secret_stored(book, tmp_path, extra=(contract_servers.webhook,))


def test_every_documented_template_field_is_filled(make_book: Callable[..., IncidentBook]) -> None:
    book = make_book()
    incident = book.get(declare(book))
    assert set(incident_fields(incident, TessaConfig())) == set(SLACK_FIELDS)


def test_a_steps_timeout_bounds_the_call_and_a_readonly_console_never_calls(
    contract_servers: ContractServers, write_config: WriteConfig, make_book: Callable[..., IncidentBook]
) -> None:
    loaded = configure(contract_servers, write_config)
    book = make_book()
    incident = book.get(declare(book))
    step = Step(id="post", text="Post", action=Action(slack="update", timeout=Duration(seconds=1)))
    contract_servers.fail("slack", 429, retry_after="3")
    running = run_step(step, {}, loaded.config, capabilities=READ_WRITE, secrets=loaded.secrets, incident=incident)
    result = asyncio.run(running)
    assert result.ok is False and "Retry-After 3s; the 1s deadline would pass" in result.status
    with pytest.raises(UserError, match="read-only"):
        asyncio.run(run_step(step, {}, loaded.config, capabilities=READ_ONLY, incident=incident))
    assert len(contract_servers.received("slack")) == 1
