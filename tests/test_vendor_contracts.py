"""The integrations as the vendors behave, every request checked against the vendor's published API
description (tests/vendor_specs/, by tests/contract_servers.py): PagerDuty reopens a resolved incident that
is acknowledged, answers 202 to an Events acknowledge for any dedup key, pages its incident list and
searches one month by default; a post that failed ambiguously may have been made."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tessa_tui.base.capabilities import READ_WRITE
from tessa_tui.incidents.book import IncidentBook
from tessa_tui.integrations import pagerduty
from tessa_tui.integrations.pagerduty import list_incidents
from tessa_tui.run.step_actions import run_step
from tessa_tui.runbook.model import Action, Step
from tests.contract_servers import PD_ACCEPT, PD_TOKEN, SLACK_BOT_TOKEN, SLACK_CHANNEL, SP_PAGE, ContractServers
from tests.test_integrations import configure, declare, link_dedup_key, run, ticked

WriteConfig = Callable[..., Path]


# The descriptions themselves


def test_a_request_the_description_does_not_allow_is_caught(contract_servers: ContractServers) -> None:
    headers = {"Authorization": f"Token token={PD_TOKEN}", "Accept": PD_ACCEPT}
    bad = httpx.get(f"{contract_servers.pagerduty}/incidents", params={"statuses[]": "open"}, headers=headers)
    no_from = httpx.put(
        f"{contract_servers.pagerduty}/incidents/PABC123",
        headers=headers,
        json={"incident": {"type": "incident_reference", "status": "acknowledged"}},
    )
    assert (bad.status_code, no_from.status_code) == (400, 400)
    first, second = contract_servers.state.violations
    assert "statuses[]" in first and "'open' is not one of" in first
    assert "From" in second
    contract_servers.state.violations.clear()  # caught on purpose: the fixture would fail the test otherwise


# PagerDuty REST: read the status first


def test_acknowledging_a_resolved_incident_does_not_reopen_it(
    contract_servers: ContractServers, write_config: WriteConfig, make_book: Callable[..., IncidentBook]
) -> None:
    loaded = configure(contract_servers, write_config)
    book = make_book()
    incident_id = declare(book, pagerduty_incident="PGHI789")  # resolved in PagerDuty meanwhile
    result, event = run(book, loaded, incident_id, "ack-pagerduty")
    assert result.ok is False
    assert (
        result.status == "cannot run: PagerDuty incident PGHI789 is already resolved: not acknowledged "
        "(that would reopen it)"
    )
    assert not event.data["ticks"] and not ticked(book, incident_id, "ack-pagerduty")
    assert [(r.method, r.path) for r in contract_servers.received("pagerduty")] == [("GET", "/incidents/PGHI789")]
    assert contract_servers.state.pd_incidents["PGHI789"]["status"] == "resolved"


def test_an_incident_already_acknowledged_is_not_acknowledged_again(
    contract_servers: ContractServers, write_config: WriteConfig, make_book: Callable[..., IncidentBook]
) -> None:
    loaded = configure(contract_servers, write_config)
    book = make_book()
    incident_id = declare(book, pagerduty_incident="PDEF456")  # acknowledged by someone else
    result, _ = run(book, loaded, incident_id, "ack-pagerduty")
    assert (result.ok, result.status) == (True, "PagerDuty PDEF456 already acknowledged")
    assert ticked(book, incident_id, "ack-pagerduty")
    assert [r.method for r in contract_servers.received("pagerduty")] == ["GET"]  # no re-assignment to `from`


# PagerDuty Events: only a dedup key an alert carries


def test_events_acknowledge_without_a_linked_dedup_key_fails_and_sends_nothing(
    contract_servers: ContractServers, write_config: WriteConfig, make_book: Callable[..., IncidentBook]
) -> None:
    loaded = configure(contract_servers, write_config)
    book = make_book()
    incident_id = declare(book, pagerduty_incident=None)
    result, event = run(book, loaded, incident_id, "ack-pagerduty")
    assert result.ok is False and result.status.startswith(f"cannot run: no PagerDuty alert is linked to {incident_id}")
    assert "triggered or linked none" in result.status
    assert not event.data["ticks"] and not ticked(book, incident_id, "ack-pagerduty")
    assert contract_servers.received("events") == []


def test_a_linked_incident_without_a_rest_token_is_not_acknowledged_by_the_incident_id(
    contract_servers: ContractServers, write_config: WriteConfig, make_book: Callable[..., IncidentBook]
) -> None:
    settings = {**contract_servers.config()["pagerduty"]}
    del settings["token"]
    loaded = configure(contract_servers, write_config, pagerduty=settings)
    book = make_book()
    incident_id = declare(book)
    result, _ = run(book, loaded, incident_id, "ack-pagerduty")
    assert result.ok is False and "the linked incident PABC123 needs the REST API `token`" in result.status
    assert contract_servers.received("events") == []


def test_events_resolve_resolves_the_linked_alert(
    contract_servers: ContractServers, write_config: WriteConfig, make_book: Callable[..., IncidentBook]
) -> None:
    settings = {**contract_servers.config()["pagerduty"]}
    del settings["token"]
    loaded = configure(contract_servers, write_config, pagerduty=settings)
    book = make_book()
    incident_id = declare(book, pagerduty_incident=None)
    contract_servers.state.alerts["disk-full-db1"] = "triggered"
    link_dedup_key(book, incident_id, "disk-full-db1")
    incident = book.get(incident_id)
    step = Step(id="resolve", text="Resolve", action=Action(pagerduty="resolve"))
    result = asyncio.run(
        run_step(step, {}, loaded.config, capabilities=READ_WRITE, secrets=loaded.secrets, incident=incident)
    )
    assert (result.ok, result.output) == (True, "dedup key disk-full-db1: resolve")
    assert contract_servers.state.alerts == {"disk-full-db1": "resolved"}


# PagerDuty: the whole list


def test_the_incident_list_follows_more_and_offset_and_keeps_the_newest(
    contract_servers: ContractServers, write_config: WriteConfig
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    for n in range(130):
        contract_servers.add_pd_incident(f"PNEW{n:03d}", 100 + n, created_at=now - timedelta(minutes=130 - n))
    loaded = configure(contract_servers, write_config)
    found = asyncio.run(list_incidents(loaded.config, loaded.secrets))
    ids = [i.id for i in found]
    assert len(ids) == 132 and len(set(ids)) == 132  # 130 new, PABC123 and PDEF456
    assert ids[-1] == "PNEW129" and ids[:2] == ["PABC123", "PDEF456"]  # oldest first, the newest kept
    pages = contract_servers.received("pagerduty")
    assert [dict(r.query).get("offset", "0") for r in pages] == ["0", "100"]
    assert all(("date_range", "all") in r.query for r in pages)


def test_an_open_incident_older_than_a_month_is_listed(
    contract_servers: ContractServers, write_config: WriteConfig
) -> None:
    old = datetime.now(UTC) - timedelta(days=45)
    contract_servers.state.pd_incidents.clear()
    contract_servers.add_pd_incident("POLD001", 7, created_at=old)
    contract_servers.add_pd_incident("PNEW001", 8)
    loaded = configure(contract_servers, write_config)
    found = asyncio.run(list_incidents(loaded.config, loaded.secrets))
    assert [i.id for i in found] == ["POLD001", "PNEW001"]


def test_the_page_limit_drops_the_oldest_not_the_newest(
    contract_servers: ContractServers, write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pagerduty, "MAX_PAGES", 2)
    now = datetime.now(UTC)
    contract_servers.state.pd_incidents.clear()
    for n in range(250):
        contract_servers.add_pd_incident(f"P{n:04d}", n, created_at=now - timedelta(minutes=250 - n))
    loaded = configure(contract_servers, write_config)
    found = asyncio.run(list_incidents(loaded.config, loaded.secrets))
    assert len(found) == 200 and found[0].id == "P0050" and found[-1].id == "P0249"
    assert len(contract_servers.received("pagerduty")) == 2


# Posts that may have been made


def test_a_slack_message_after_a_5xx_is_not_posted_again(
    contract_servers: ContractServers, write_config: WriteConfig, make_book: Callable[..., IncidentBook]
) -> None:
    slack = {"bot-token": "${SLACK_BOT_TOKEN}", "channel": SLACK_CHANNEL, "api-url": contract_servers.slack}
    loaded = configure(contract_servers, write_config, slack=slack)
    book = make_book()
    incident_id = declare(book)
    contract_servers.fail("slack", 503, times=3)
    result, _ = run(book, loaded, incident_id, "post-incidents-channel")
    assert result.ok is False and not ticked(book, incident_id, "post-incidents-channel")
    assert result.status.startswith("error: Slack: HTTP 503 unavailable; it may have been posted all the same")
    assert "not sent again" in result.status
    [request] = contract_servers.received("slack")
    assert request.headers["authorization"] == f"Bearer {SLACK_BOT_TOKEN}"


def test_a_statuspage_create_after_a_5xx_is_not_sent_again(
    contract_servers: ContractServers, write_config: WriteConfig, make_book: Callable[..., IncidentBook]
) -> None:
    loaded = configure(contract_servers, write_config)
    book = make_book()
    incident_id = declare(book)
    contract_servers.fail("statuspage", 502)
    result, _ = run(book, loaded, incident_id, "status-investigating")
    assert result.ok is False and "may have been posted" in result.status
    assert [(r.method, r.path) for r in contract_servers.received("statuspage")] == [
        ("POST", f"/pages/{SP_PAGE}/incidents")
    ]


def test_a_post_that_timed_out_after_sending_is_not_sent_again(
    contract_servers: ContractServers, write_config: WriteConfig, make_book: Callable[..., IncidentBook]
) -> None:
    loaded = configure(contract_servers, write_config, timeout="1s")
    book = make_book()
    incident_id = declare(book)
    contract_servers.stall("slack", 3)
    result, _ = run(book, loaded, incident_id, "post-incidents-channel")
    assert result.ok is False
    assert result.status.startswith("error: Slack: no answer within the 1s deadline; it may have been posted")
    assert len(contract_servers.received("slack")) == 1


def test_a_statuspage_create_rate_limited_is_sent_again(
    contract_servers: ContractServers, write_config: WriteConfig, make_book: Callable[..., IncidentBook]
) -> None:
    loaded = configure(contract_servers, write_config)
    book = make_book()
    incident_id = declare(book)
    contract_servers.fail("statuspage", 420, retry_after="0")  # Statuspage: not processed, try later
    result, _ = run(book, loaded, incident_id, "status-investigating")
    assert (result.ok, result.status) == (True, "Statuspage created sp0001 (investigating)")
    assert [r.answered for r in contract_servers.received("statuspage")] == [420, 201]
    assert json.dumps(result.record()).count("sp0001") >= 1
