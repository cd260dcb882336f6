"""The frontend rollback runbook's promote (Vercel) and restore (Netlify) steps against the vendors' contracts:
destructive behind their confirm words, said to be done only when a re-read shows production serving the chosen
deployment, recorded in the timeline with before and after, never with a token."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tessa_tui.base.capabilities import MEASURE, READ_ONLY, READ_WRITE, Capabilities
from tessa_tui.base.errors import UserError
from tessa_tui.config.load import LoadedConfig, load_config
from tessa_tui.deployments.rollback import roll_back
from tessa_tui.incidents.book import IncidentBook
from tessa_tui.incidents.journal import Event
from tessa_tui.run.step_actions import ActionResult, run_step, values_for
from tests.deployment_contract_servers import SECRETS, DeploymentServers

RUNBOOK = "rollback-frontend"
WriteConfig = Callable[..., Path]
BAD = "dpl_3Lr6Uv5Be"  # the newest production deployment in the simulated history: what production serves
PREVIOUS = "dpl_8Hw3Np2Yb"  # the newest ready production deployment before it (1.41.1 between them failed)


def configure(servers: DeploymentServers, write_config: WriteConfig, **vercel: Any) -> LoadedConfig:
    section = {"sources": servers.sources(vercel=vercel), "timeout": "3s"}
    path = write_config(f"platform: Tessa\njournal: {{path: journal.sqlite3}}\ndeployments: {json.dumps(section)}\n")
    return load_config(path, environ=servers.environ())


def run(
    book: IncidentBook,
    loaded: LoadedConfig,
    step_id: str,
    *,
    confirmed: str | None,
    deployment: str | None = None,
    capabilities: Capabilities = READ_WRITE,
) -> tuple[ActionResult, Event]:
    """Run the runbook's step for an incident as the console does (asked values, the confirm word), and record it."""
    incident = book.get(book.record(book.declare("SEV1", "Frontend down", runbooks=[RUNBOOK])).incident)
    runbook, step = book.find_step(incident, f"{RUNBOOK}/{step_id}")
    asked = {"deployment_id": deployment} if deployment is not None else {}
    values = values_for(loaded.config, asked, incident.id)
    running = run_step(
        step, values, loaded.config, capabilities=capabilities, secrets=loaded.secrets, confirmed=confirmed
    )
    result = asyncio.run(running)
    event = book.record(book.action_output(incident.id, f"{runbook.id}/{step.id}", result.record()))
    return result, event


def calls(servers: DeploymentServers, service: str) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in servers.received(service)]


def test_promote_puts_the_previous_production_deployment_back_and_a_re_read_proves_it(
    deployment_servers: DeploymentServers, write_config: WriteConfig, make_book: Callable[..., IncidentBook]
) -> None:
    book = make_book()
    result, event = run(book, configure(deployment_servers, write_config), "promote", confirmed="promote")
    assert result.ok is True
    assert result.status == (
        f"Vercel: production is now {PREVIOUS} (was {BAD}): promote answered HTTP 201; a re-read confirms it"
    )
    lines = result.output.splitlines()
    assert lines[0] == "source: web (Vercel project prj_tessaweb0demo)"
    assert lines[1].startswith(f"before: production served {BAD} (ready, production, ")
    assert lines[2].startswith(f"chosen: {PREVIOUS} (ready, production, ") and lines[2].endswith(
        '"release: frontend 1.41.0") (the previous production deployment)'
    )
    assert lines[3] == f"sent: promote {PREVIOUS} -> HTTP 201"
    assert lines[4].startswith(f"after: production serves {PREVIOUS} (") and lines[4].endswith("(re-read)")
    assert (
        result.command
        == "Vercel: promote the previous production deployment to production, then re-read until it serves it"
    )
    assert deployment_servers.vercel.history.current == PREVIOUS
    promote = deployment_servers.received("vercel")[2]
    assert (promote.method, promote.path, promote.query) == (
        "POST",
        f"/v10/projects/prj_tessaweb0demo/promote/{PREVIOUS}",
        [("teamId", "team_tessademo")],
    )
    assert calls(deployment_servers, "vercel")[3:] == [
        ("GET", "/v6/deployments"),
        ("GET", "/v9/projects/prj_tessaweb0demo"),
    ]
    # In the timeline, ticked (the re-read is the proof), with no token in it.
    assert event.data["ticks"] is True and event.data["status"] == result.status
    assert f"after: production serves {PREVIOUS}" in event.data["output"]
    for secret in SECRETS:
        assert secret not in json.dumps(event.data)


def test_a_promote_vercel_accepts_for_later_is_confirmed_only_once_production_serves_it(
    deployment_servers: DeploymentServers, write_config: WriteConfig
) -> None:
    deployment_servers.vercel.promote_lag = 2  # 202 Accepted; the domains move two project reads later
    loaded = configure(deployment_servers, write_config)
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    outcome = asyncio.run(roll_back("vercel", PREVIOUS, loaded.config, loaded.secrets, sleep=sleep))
    assert outcome.ok and "promote answered HTTP 202; a re-read confirms it" in outcome.status
    assert slept == [2.0]  # the first re-read still saw the old one
    assert "(the previous production deployment)" not in outcome.output  # asked for by id


def test_a_promote_that_never_shows_is_not_confirmed_and_not_ticked(
    deployment_servers: DeploymentServers, write_config: WriteConfig
) -> None:
    deployment_servers.vercel.promote_lag = 1000
    loaded = configure(deployment_servers, write_config)

    async def sleep(seconds: float) -> None:
        await asyncio.sleep(0.05)

    outcome = asyncio.run(roll_back("vercel", "previous", loaded.config, loaded.secrets, deadline_s=1.0, sleep=sleep))
    assert outcome.ok is False
    assert outcome.status == (
        f"not confirmed: Vercel accepted the promote (HTTP 202) but production still serves {BAD} after 1s: not "
        "confirmed; look at the Deployments view (D) before running it again"
    )
    assert outcome.output.splitlines()[-1].startswith(f"after: production serves {BAD} (")


def test_a_promote_lost_in_a_5xx_is_settled_by_the_re_read(
    deployment_servers: DeploymentServers, write_config: WriteConfig
) -> None:
    loaded = configure(deployment_servers, write_config)
    body = b'{"error": {"code": "bad_gateway", "message": "upstream"}}'
    deployment_servers.fail("vercel", 502, method="POST", after_acting=True, body=body)  # Vercel did promote
    outcome = asyncio.run(roll_back("vercel", "previous", loaded.config, loaded.secrets))
    assert outcome.ok is True
    assert outcome.status == (
        f"Vercel: production is now {PREVIOUS} (was {BAD}): the promote call failed (Vercel: HTTP 502 (upstream)); "
        "a re-read confirms it"
    )


def test_a_promote_lost_in_a_5xx_that_did_nothing_is_said_to_be_unconfirmed(
    deployment_servers: DeploymentServers, write_config: WriteConfig
) -> None:
    loaded = configure(deployment_servers, write_config)
    deployment_servers.fail("vercel", 503, method="POST")

    async def sleep(seconds: float) -> None:
        await asyncio.sleep(0.05)

    outcome = asyncio.run(roll_back("vercel", "previous", loaded.config, loaded.secrets, deadline_s=1.0, sleep=sleep))
    assert outcome.ok is False
    assert outcome.status == (
        f"not confirmed: Vercel: HTTP 503 (unavailable); it may have been applied all the same: production serves "
        f"{BAD}, look first"
    )


@pytest.mark.parametrize(
    ("wanted", "said"),
    [
        (
            "dpl_9Jx4Qr3Zc",
            "cannot run: dpl_9Jx4Qr3Zc is error, not ready: it would put a build that did not finish "
            "into production; nothing sent",
        ),
        (
            "dpl_2Kp5St4Ad",
            "cannot run: dpl_2Kp5St4Ad is a preview deployment: only a production deployment is put back; nothing sent",
        ),
        (
            "dpl_nope",
            "cannot run: dpl_nope is not among the last 50 deployments (the Deployments view, D, lists "
            "them); nothing sent",
        ),
    ],
)
def test_a_deployment_that_cannot_serve_production_is_refused_before_anything_is_sent(
    deployment_servers: DeploymentServers, write_config: WriteConfig, wanted: str, said: str
) -> None:
    loaded = configure(deployment_servers, write_config)
    outcome = asyncio.run(roll_back("vercel", wanted, loaded.config, loaded.secrets))
    assert (outcome.ok, outcome.status) == (False, said)
    assert all(method == "GET" for method, _ in calls(deployment_servers, "vercel"))


def test_the_deployment_production_serves_already_is_not_promoted_again(
    deployment_servers: DeploymentServers, write_config: WriteConfig
) -> None:
    loaded = configure(deployment_servers, write_config)
    outcome = asyncio.run(roll_back("vercel", BAD, loaded.config, loaded.secrets))
    assert (outcome.ok, outcome.status) == (True, f"Vercel: {BAD} is production already; nothing sent")
    assert ("POST", f"/v10/projects/prj_tessaweb0demo/promote/{BAD}") not in calls(deployment_servers, "vercel")


def test_a_refused_promote_changes_nothing_and_says_what_to_check(
    deployment_servers: DeploymentServers, write_config: WriteConfig
) -> None:
    loaded = configure(deployment_servers, write_config)
    body = b'{"error": {"code": "forbidden", "message": "Not authorized"}}'
    deployment_servers.fail("vercel", 403, method="POST", body=body)  # a token that may read but not deploy
    outcome = asyncio.run(roll_back("vercel", "previous", loaded.config, loaded.secrets))
    assert outcome.ok is False
    assert outcome.status == (
        "error: Vercel: HTTP 403: the token may not do this (Not authorized); check "
        "`deployments.sources[web].vercel.token` and its `project` and `team-id`; production unchanged"
    )
    assert deployment_servers.vercel.history.current == BAD
    assert [m for m, _ in calls(deployment_servers, "vercel")] == ["GET", "GET", "POST"]  # no re-read: refused


def test_a_rate_limited_promote_is_not_sent_again(
    deployment_servers: DeploymentServers, write_config: WriteConfig
) -> None:
    loaded = configure(deployment_servers, write_config)
    deployment_servers.fail("vercel", 429, method="POST", retry_after="30")
    outcome = asyncio.run(roll_back("vercel", "previous", loaded.config, loaded.secrets))
    assert outcome.ok is False and outcome.status.startswith("error: Vercel: HTTP 429: rate-limited (Retry-After 30s)")
    assert outcome.status.endswith("; production unchanged")
    assert [m for m, _ in calls(deployment_servers, "vercel")].count("POST") == 1


def test_a_rate_limited_promote_with_a_retry_after_of_unicode_digits_is_still_unchanged_not_a_crash(
    deployment_servers: DeploymentServers, write_config: WriteConfig
) -> None:
    loaded = configure(deployment_servers, write_config)
    deployment_servers.fail("vercel", 429, method="POST", retry_after="²")  # str.isdigit says yes, float says no
    outcome = asyncio.run(roll_back("vercel", "previous", loaded.config, loaded.secrets))
    assert outcome.ok is False and outcome.status.startswith("error: Vercel: HTTP 429: rate-limited (no Retry-After)")
    assert outcome.status.endswith("; production unchanged")


@pytest.mark.parametrize("hostile", ["..", "."])
def test_a_deployment_id_a_url_would_drop_is_refused_and_nothing_is_sent(
    deployment_servers: DeploymentServers, write_config: WriteConfig, hostile: str
) -> None:
    # The platform lists the previous production deployment under the id `..`: `/promote/..` would be
    # normalised to `/v10/projects/{id}` and the POST would go to another endpoint.
    release = deployment_servers.vercel.history.get(PREVIOUS)
    assert release is not None
    release.id = hostile
    loaded = configure(deployment_servers, write_config)
    outcome = asyncio.run(roll_back("vercel", "previous", loaded.config, loaded.secrets))
    assert outcome.ok is False
    assert outcome.status == (
        f"error: Vercel: the deployment id {hostile!r} cannot be sent as one piece of a URL; nothing sent; "
        "production unchanged"
    )
    assert "POST" not in [m for m, _ in calls(deployment_servers, "vercel")]
    assert deployment_servers.vercel.history.current == BAD


def test_a_netlify_deploy_id_a_url_would_drop_is_refused_and_nothing_is_sent(
    deployment_servers: DeploymentServers, write_config: WriteConfig
) -> None:
    loaded = configure(deployment_servers, write_config)
    deployment_servers.netlify.history.releases[-1].id = ".."  # the oldest: the previous production deploy
    outcome = asyncio.run(roll_back("netlify", "previous", loaded.config, loaded.secrets))
    assert (outcome.ok, outcome.status) == (
        False,
        "error: Netlify: the deploy id '..' cannot be sent as one piece of a URL; nothing sent; production unchanged",
    )
    assert "POST" not in [m for m, _ in calls(deployment_servers, "netlify")]


def test_a_typed_id_with_escapes_markup_and_no_end_is_recorded_as_short_plain_text(
    deployment_servers: DeploymentServers, write_config: WriteConfig, make_book: Callable[..., IncidentBook]
) -> None:
    typed = "\x1b]0;owned\x07[red]dpl[/red]\u202e\r" + "x" * 5000
    result, event = run(
        make_book(), configure(deployment_servers, write_config), "promote", confirmed="promote", deployment=typed
    )
    assert result.ok is False and event.data["ticks"] is False
    for said in (result.status, result.why, event.data["status"], event.data["why"]):
        assert "\\e]0;owned\\x07[red]dpl[/red]\\u202e\\rxxx" in said and "x … is not among the last 50" in said
        assert not any(c in said for c in "\x1b\x07\u202e\r\n") and len(said) < 300
    assert "POST" not in [m for m, _ in calls(deployment_servers, "vercel")]


def test_a_failed_first_read_sends_nothing(deployment_servers: DeploymentServers, write_config: WriteConfig) -> None:
    loaded = configure(deployment_servers, write_config)
    deployment_servers.fail("vercel", 500)
    outcome = asyncio.run(roll_back("vercel", "previous", loaded.config, loaded.secrets))
    assert (outcome.ok, outcome.status) == (False, "error: Vercel: HTTP 500 (unavailable); nothing sent")


def test_netlify_restore_publishes_the_previous_deploy_and_a_re_read_proves_it(
    deployment_servers: DeploymentServers, write_config: WriteConfig, make_book: Callable[..., IncidentBook]
) -> None:
    book = make_book()
    result, event = run(book, configure(deployment_servers, write_config), "restore-netlify", confirmed="restore")
    assert result.ok is True and event.data["ticks"] is True
    assert result.status == (
        "Netlify: production is now 64f0c1a2b3d4e5f6a7b8c9d0 (was 64f0c1a2b3d4e5f6a7b8c9d1): restore answered HTTP "
        "201; a re-read confirms it"
    )
    assert calls(deployment_servers, "netlify") == [
        ("GET", "/api/v1/sites/tessa-docs/deploys"),
        ("GET", "/api/v1/sites/tessa-docs"),
        ("POST", "/api/v1/sites/tessa-docs/deploys/64f0c1a2b3d4e5f6a7b8c9d0/restore"),
        ("GET", "/api/v1/sites/tessa-docs/deploys"),
        ("GET", "/api/v1/sites/tessa-docs"),
    ]


def test_a_chosen_deploy_id_is_restored(
    deployment_servers: DeploymentServers, write_config: WriteConfig, make_book: Callable[..., IncidentBook]
) -> None:
    book = make_book()
    result, _ = run(
        book,
        configure(deployment_servers, write_config),
        "restore-netlify",
        confirmed="restore",
        deployment="64f0c1a2b3d4e5f6a7b8c9d0",
    )
    assert result.ok is True and "(the previous production deployment)" not in result.output
    assert result.command == "Netlify: restore 64f0c1a2b3d4e5f6a7b8c9d0 to production, then re-read until it serves it"


def test_the_steps_are_destructive_behind_their_words_and_refused_read_only(
    deployment_servers: DeploymentServers, write_config: WriteConfig, make_book: Callable[..., IncidentBook]
) -> None:
    loaded = configure(deployment_servers, write_config)
    book = make_book()
    with pytest.raises(UserError, match="step promote is destructive: type 'promote' to run it"):
        run(book, loaded, "promote", confirmed="restore")
    with pytest.raises(UserError, match="read-only"):
        run(book, loaded, "promote", confirmed="promote", capabilities=READ_ONLY)
    with pytest.raises(UserError, match=r"read-only: step promote \(rollback\) refused"):
        run(book, loaded, "promote", confirmed="promote", capabilities=MEASURE)  # a review acts but tells no one
    assert deployment_servers.received("vercel") == []


def test_a_platform_that_is_not_configured_is_said_in_one_line(
    write_config: WriteConfig, make_book: Callable[..., IncidentBook]
) -> None:
    loaded = load_config(write_config("platform: Tessa\njournal: {path: journal.sqlite3}\n"), environ={})
    result, event = run(make_book(), loaded, "restore-netlify", confirmed="restore")
    assert (result.ok, result.status) == (
        False,
        "cannot run: no Netlify source under `deployments: sources:` in tessa.yaml",
    )
    assert event.data["ticks"] is False


def test_the_recent_deployments_step_is_ticked_only_when_every_source_was_read(
    deployment_servers: DeploymentServers, write_config: WriteConfig, make_book: Callable[..., IncidentBook]
) -> None:
    loaded = configure(deployment_servers, write_config)
    book = make_book()
    incident = book.get(book.record(book.declare("SEV1", "Frontend down")).incident)
    _, step = book.find_step(incident, "sev1-service-down/recent-deployments")
    values = values_for(loaded.config, {}, incident.id)

    def go() -> ActionResult:
        running = run_step(step, values, loaded.config, capabilities=READ_WRITE, secrets=loaded.secrets)
        return asyncio.run(running)

    read = go()
    assert (read.ok, read.status) == (True, "3 deployments in the last 2h")
    assert "▲ last 2h" in read.output and "release: frontend 1.42.0" in read.output
    deployment_servers.fail("netlify", 500)
    partly = go()
    assert (partly.ok, partly.status) == (False, "2 deployments in the last 2h; not read: docs")
    assert "Netlify: HTTP 500" in partly.output and partly.why == "[BODY].failed (1) == 0"
