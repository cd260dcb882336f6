"""Deployments read from Vercel, Netlify and git as the vendors answer (every request and 2xx answer checked against
their published descriptions by tests/deployment_contract_servers.py), and every way a read goes wrong as that
source's own state: a refused token names its setting, a rate limit is honoured, a 5xx, a stall, a 50 MB body and
an answer that is not JSON each fail one source while the others go on."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tessa_tui.base.errors import UserError
from tessa_tui.config.load import LoadedConfig, load_config
from tessa_tui.demo.app_repo import create_app_repo
from tessa_tui.demo.deployments_sim import VERCEL_PROJECT
from tessa_tui.deployments.model import DeploymentsUpdate, SourceReading
from tessa_tui.deployments.report import source_line, table
from tessa_tui.deployments.watch import read_all_once, watch_deployments
from tests.deployment_contract_servers import NETLIFY_TOKEN, SECRETS, VERCEL_TOKEN, DeploymentServers

WriteConfig = Callable[..., Path]


def configure(
    servers: DeploymentServers, write_config: WriteConfig, *extra: dict[str, Any], **settings: Any
) -> LoadedConfig:
    """tessa.yaml whose `deployments:` reads the contract servers (JSON is YAML), and `extra` sources."""
    section = {"sources": [*servers.sources(), *extra], "timeout": "2s", **settings}
    path = write_config(f"platform: Tessa\ndeployments: {json.dumps(section)}\n")
    return load_config(path, environ=servers.environ())


def read(loaded: LoadedConfig) -> DeploymentsUpdate:
    return asyncio.run(read_all_once(loaded.config, loaded.secrets))


def source(update: DeploymentsUpdate, name: str) -> SourceReading:
    return next(s for s in update.sources if s.name == name)


def no_secret_in(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


# Reading


def test_vercel_and_netlify_deployments_are_read_with_the_one_production_serves(
    deployment_servers: DeploymentServers, write_config: WriteConfig
) -> None:
    update = read(configure(deployment_servers, write_config))
    assert update.all_read
    web, docs = source(update, "web"), source(update, "docs")
    assert [d.id for d in web.deployments][:2] == ["dpl_3Lr6Uv5Be", "dpl_2Kp5St4Ad"]
    assert web.current is not None and web.current.id == "dpl_3Lr6Uv5Be"
    newest = web.deployments[0]
    assert (newest.status, newest.target, newest.message, newest.creator, newest.ref) == (
        "ready",
        "production",
        "release: frontend 1.42.0",
        "demo-dev",
        "main",
    )
    assert len(newest.sha) == 40
    assert next(d for d in web.deployments if d.id == "dpl_9Jx4Qr3Zc").status == "error"
    assert next(d for d in web.deployments if d.id == "dpl_2Kp5St4Ad").target == "preview"  # no target: a preview
    assert docs.current is not None and docs.current.message == "docs: on-call rota"
    assert {d.target for d in docs.deployments} == {"production", "deploy-preview"}
    # As the vendors document them: the bearer token, the project and team, the page size.
    listed = deployment_servers.received("vercel")[0]
    assert (listed.path, dict(listed.query)) == (
        "/v6/deployments",
        {"projectId": VERCEL_PROJECT, "limit": "20", "teamId": "team_tessademo"},
    )
    assert listed.headers["authorization"] == f"Bearer {VERCEL_TOKEN}"
    assert deployment_servers.received("netlify")[0].query == [("per_page", "20")]
    assert deployment_servers.received("netlify")[1].headers["authorization"] == f"Bearer {NETLIFY_TOKEN}"


def test_recent_deployments_are_those_of_the_last_two_hours(
    deployment_servers: DeploymentServers, write_config: WriteConfig
) -> None:
    update = read(configure(deployment_servers, write_config))
    recent = {d.id for d in update.recent()}
    assert recent == {"dpl_3Lr6Uv5Be", "dpl_2Kp5St4Ad", "64f0c1a2b3d4e5f6a7b8c9d2"}
    shown = table(update, recent_only=True)
    assert "▲ last 2h" in shown and "release: frontend 1.41.0" not in shown
    narrower = read(configure(deployment_servers, write_config, recent="30m"))
    assert {d.id for d in narrower.recent()} == {"dpl_3Lr6Uv5Be"}


def test_the_apps_git_checkout_is_a_source_of_its_own(
    deployment_servers: DeploymentServers, write_config: WriteConfig, tmp_path: Path
) -> None:
    create_app_repo(tmp_path / "repo")
    loaded = configure(deployment_servers, write_config, {"name": "app", "git": {"path": str(tmp_path / "repo")}})
    app = source(read(loaded), "app")
    assert app.state == "ok"
    assert [d.message for d in app.deployments][:2] == [
        "release: frontend 1.42.0",
        "fix(chat): time out OpenAI calls after 2.5 s",
    ]
    assert {(d.status, d.target, d.creator) for d in app.deployments} == {("commit", "main", "Demo Developer")}


def test_without_a_deployments_section_the_repo_path_placeholder_is_read_as_before(
    write_config: WriteConfig, tmp_path: Path
) -> None:
    create_app_repo(tmp_path / "repo")
    path = write_config(f"platform: Tessa\nplaceholders: {{repo_path: '{tmp_path / 'repo'}'}}\n")
    update = read(load_config(path, environ={}))
    assert [(s.name, s.kind, s.state) for s in update.sources] == [("git", "git", "ok")]
    assert len(update.recent()) == 3  # the demo repository's commits of the last two hours


def test_a_hostile_commit_is_shown_as_text_and_cannot_shift_the_fields(
    write_config: WriteConfig, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    create_app_repo(repo)
    env = {
        "GIT_AUTHOR_NAME": "Eve\x1b]0;owned\x07",
        "GIT_AUTHOR_EMAIL": "e@x",
        "GIT_COMMITTER_NAME": "E",
        "GIT_COMMITTER_EMAIL": "e@x",
        "HOME": str(tmp_path),
        "PATH": "/usr/bin:/bin",
    }
    message = "\x1b[2J\x1e\x1fnot\x00 a field -- [red]markup[/red] \u202e"
    subprocess.run(
        ["git", "-C", str(repo), "commit", "-q", "--allow-empty", "-m", message.replace("\x00", "")],
        env=env,
        check=True,
    )
    path = write_config(f"platform: Tessa\ndeployments: {{sources: [{{name: app, git: {{path: '{repo}'}}}}]}}\n")
    newest = source(read(load_config(path, environ={})), "app").deployments[0]
    assert "\x1b" not in newest.message + newest.creator and "\\e" in newest.message
    assert "[red]markup[/red]" in newest.message  # text, not markup
    assert newest.creator.startswith("Eve\\e]0;owned")
    assert len(newest.sha) == 40


def test_a_folder_that_is_no_repository_is_that_sources_failure(write_config: WriteConfig, tmp_path: Path) -> None:
    path = write_config(f"platform: Tessa\ndeployments: {{sources: [{{name: app, git: {{path: '{tmp_path}'}}}}]}}\n")
    app = source(read(load_config(path, environ={})), "app")
    assert app.state == "failing" and app.error.startswith("git: fatal: not a git repository")


def test_a_git_that_floods_its_output_and_never_ends_is_killed_at_its_deadline_without_a_traceback(
    write_config: WriteConfig, tmp_path: Path
) -> None:
    """More output than the pipe's buffer, then no end: killed at the read's own deadline (not the watcher's
    margin 2 s later, nor 5 s more waiting for pipes never read to their end), and nothing left for exit."""
    fake = tmp_path / "bin" / "git"
    fake.parent.mkdir()
    # Pipes of 1 MiB kept full: at the kill far more is left in them than a stream buffers before it stops reading.
    fake.write_text(
        f"#!{sys.executable}\n"
        "import fcntl, os\n"
        "for fd in (1, 2):\n"
        "    try:\n"
        "        fcntl.fcntl(fd, 1031, 1 << 20)  # F_SETPIPE_SZ\n"
        "    except OSError:\n"
        "        pass\n"
        "while True:\n"
        "    os.write(1, b'0123456789abcdef' * 65536)\n",
        encoding="utf-8",
    )
    fake.chmod(0o755)
    (tmp_path / "repo").mkdir()
    section = {"timeout": "2s", "sources": [{"name": "app", "git": {"path": str(tmp_path / "repo")}}]}
    path = write_config(f"platform: Tessa\ndeployments: {json.dumps(section)}\n")
    env = {**os.environ, "PATH": f"{fake.parent}:{os.environ['PATH']}"}
    done = subprocess.run(
        [sys.executable, "-m", "tessa_tui", "--config", str(path), "deployments"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "git: no answer within the 2s deadline (killed)" in done.stdout
    assert done.stderr == ""  # was: "Exception ignored ... RuntimeError: Event loop is closed" and its traceback


# One fault, one source
# One fault, one source


@pytest.mark.parametrize(
    ("status", "state", "said"),
    [
        (
            401,
            "refused",
            "Vercel: HTTP 401: the token was not accepted (unavailable); check `deployments.sources[web].vercel.token`",
        ),
        (403, "refused", "check `deployments.sources[web].vercel.token` and its `project` and `team-id`"),
        (503, "failing", "Vercel: HTTP 503 (unavailable)"),
    ],
)
def test_a_refusal_or_an_outage_fails_that_source_alone_naming_what_to_check(
    deployment_servers: DeploymentServers, write_config: WriteConfig, status: int, state: str, said: str
) -> None:
    deployment_servers.fail("vercel", status)
    update = read(configure(deployment_servers, write_config))
    web, docs = source(update, "web"), source(update, "docs")
    assert web.state == state and said in web.error
    assert docs.state == "ok" and len(docs.deployments) == 3
    assert not update.all_read
    no_secret_in(web.error)


def test_a_wrong_token_is_refused_as_vercel_and_netlify_refuse_it(
    deployment_servers: DeploymentServers, write_config: WriteConfig
) -> None:
    loaded = configure(deployment_servers, write_config)
    environ = {"VERCEL_TOKEN": "wrong-vercel-token", "NETLIFY_TOKEN": "wrong-netlify-token"}
    wrong = load_config(loaded.path, environ=environ)
    update = read(wrong)
    assert source(update, "web").error.startswith("Vercel: HTTP 403: the token may not do this (Not authorized)")
    assert source(update, "docs").error == (
        "Netlify: HTTP 401: the token was not accepted (Access Denied: your token is not valid); "
        "check `deployments.sources[docs].netlify.token`"
    )
    assert "wrong-vercel-token" not in source(update, "web").error


def test_a_project_that_does_not_exist_says_which_settings_name_it(
    deployment_servers: DeploymentServers, write_config: WriteConfig
) -> None:
    section = {"sources": deployment_servers.sources(vercel={"project": "no-such-project"})}
    path = write_config(f"platform: Tessa\ndeployments: {json.dumps(section)}\n")
    web = source(read(load_config(path, environ=deployment_servers.environ())), "web")
    assert (web.state, web.error) == (
        "refused",
        "Vercel: HTTP 404: not found (Project not found); check `project` and `team-id` of "
        "`deployments.sources[web].vercel`",
    )


def test_a_stalled_answer_fails_at_the_deadline_and_the_others_are_not_held_back(
    deployment_servers: DeploymentServers, write_config: WriteConfig
) -> None:
    deployment_servers.stall("vercel", 6)
    update = read(configure(deployment_servers, write_config))
    assert source(update, "web").error == "Vercel: no complete answer within the 2s deadline"
    assert source(update, "docs").state == "ok"


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (b"<html>502 Bad Gateway</html>", "Netlify: HTTP 200: the answer is not JSON"),
        (b'{"deploys": []}', "the answer is not what the API documents: the deploys are not a list"),
        (b"[" * 100_000 + b"]" * 100_000, "Netlify: HTTP 200: the answer is not JSON"),
        (b'[{"id": 1e400}, {"id": "' + b"\xff\xfe" * 10 + b'"}]', None),
    ],
)
def test_an_answer_of_another_shape_fails_that_source_or_is_read_as_text(
    deployment_servers: DeploymentServers, write_config: WriteConfig, answer: bytes, said: str | None
) -> None:
    deployment_servers.answer_raw("netlify", answer)
    docs = source(read(configure(deployment_servers, write_config)), "docs")
    if said is None:  # a number for an id is no deploy (left out); invalid UTF-8 is replaced, never raised
        assert docs.state == "ok" and docs.skipped == 1 and docs.deployments[0].id == "\ufffd" * 20
    else:
        assert docs.state == "failing" and said in docs.error


def test_a_50_mb_answer_is_cut_off_at_the_cap_and_not_read(
    deployment_servers: DeploymentServers, write_config: WriteConfig
) -> None:
    deployment_servers.huge("vercel", 50)
    web = source(read(configure(deployment_servers, write_config)), "web")
    assert web.state == "failing"
    assert web.error == "Vercel: HTTP 200: the answer is larger than 4 MiB; cut off there, not read"


# The watcher: each source on its own cadence


class FakeTime:
    """A clock that `sleep` moves forward, and the sleeps asked for."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 21, 13, 0, tzinfo=UTC)
        self.slept: list[float] = []

    def clock(self) -> datetime:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)
        await asyncio.sleep(0)


def test_a_rate_limit_is_honoured_and_the_deployments_read_before_are_kept_and_said_to_be_old(
    deployment_servers: DeploymentServers, write_config: WriteConfig
) -> None:
    loaded = configure(deployment_servers, write_config, interval="30s")
    time = FakeTime()

    async def watch() -> list[DeploymentsUpdate]:
        updates: list[DeploymentsUpdate] = []
        injected = False
        stream = watch_deployments(loaded.config, loaded.secrets, clock=time.clock, sleep=time.sleep)
        try:
            async for update in stream:
                updates.append(update)
                if source(update, "web").state == "ok" and not injected:
                    deployment_servers.fail("vercel", 429, retry_after="120")  # the next read is refused
                    injected = True
                if (
                    len([u for u in updates if source(u, "web").state == "ok"]) >= 2
                    and source(update, "web").state == "ok"
                    and any(source(u, "web").state == "rate-limited" for u in updates)
                ):
                    break
        finally:
            await stream.aclose()
        return updates

    updates = asyncio.run(watch())
    first = updates[0]
    assert [s.state for s in first.sources] == ["reading", "reading"]  # at once: every source is being read
    limited = next(u for u in updates if source(u, "web").state == "rate-limited")
    web = source(limited, "web")
    assert web.error == "Vercel: HTTP 429: rate-limited (Retry-After 120s) (unavailable)"
    assert web.deployments and web.retry_at == web.failing_since + timedelta(seconds=120)  # type: ignore[operator]
    assert "asked again at" in source_line(web, limited.at) and "no data since" in source_line(web, limited.at)
    # Asked again only once the Retry-After had passed (not at the 30 s interval), then read as before.
    asks = [r.at for r in deployment_servers.received("vercel") if r.path == "/v6/deployments"]
    assert len(asks) == 3
    recovered = next(u for u in updates if u is not limited and source(u, "web").state == "ok" and u.at > limited.at)
    assert recovered.at - limited.at >= timedelta(seconds=120)
    assert all(s >= 1.0 for s in time.slept)  # never woke more often than once a second


def test_a_retry_after_past_ten_minutes_is_taken_as_ten_minutes(
    deployment_servers: DeploymentServers, write_config: WriteConfig
) -> None:
    deployment_servers.fail("netlify", 429, retry_after="86400")
    docs = source(read(configure(deployment_servers, write_config)), "docs")
    assert docs.state == "rate-limited" and "Retry-After 600s" in docs.error


def test_a_bug_met_while_reading_is_that_sources_error_and_the_watch_goes_on(
    deployment_servers: DeploymentServers, write_config: WriteConfig
) -> None:
    loaded = configure(deployment_servers, write_config)
    time = FakeTime()
    calls: list[str] = []

    async def read_source(*args: Any) -> Any:
        calls.append(args[1].name)
        if args[1].name == "web":
            raise KeyError("boom")
        from tessa_tui.deployments.sources import read_source as real

        return await real(*args)

    async def watch() -> list[DeploymentsUpdate]:
        seen: list[DeploymentsUpdate] = []
        stream = watch_deployments(loaded.config, loaded.secrets, clock=time.clock, sleep=time.sleep, read=read_source)
        try:
            async for update in stream:
                seen.append(update)
                if calls.count("web") == 2 and all(s.state != "reading" for s in update.sources):
                    break
        finally:
            await stream.aclose()
        return seen

    last = asyncio.run(watch())[-1]
    assert source(last, "web").state == "failing"
    assert source(last, "web").error.startswith("Vercel: internal error (KeyError: 'boom'); details in ")
    assert source(last, "docs").state == "ok"


# The section


def test_a_token_written_into_the_file_is_refused_naming_its_line(write_config: WriteConfig) -> None:
    path = write_config(
        """
        platform: Tessa
        deployments:
          sources:
            - name: web
              vercel:
                project: prj_1
                token: plain-token-in-the-file
        """
    )
    with pytest.raises(UserError) as refused:
        load_config(path, environ={})
    assert str(refused.value) == (
        f"{path}:7: deployments.sources[0].vercel.token: a credential comes from the environment: write `${{NAME}}`, "
        "never the value"
    )


@pytest.mark.parametrize(
    ("section", "said"),
    [
        (
            "{sources: [{name: a, vercel: {project: p, token: '${T}'}, git: {path: /r}}]}",
            "give exactly one of `vercel`, `netlify` or `git`",
        ),
        ("{sources: [{name: a, git: {path: /r}}, {name: a, git: {path: /s}}]}", "name 'a' is used twice"),
        ("{interval: 1s}", "deployments.interval: is at least 5s"),
        ("{sources: [{name: a, vercel: {project: 'a/../b', token: '${T}'}}]}", "project"),
        ("{sources: [{name: a, vercel: {project: '..', token: '${T}'}}]}", "vercel.project: is an id or a name"),
        ("{sources: [{name: a, netlify: {site-id: '.', token: '${T}'}}]}", "netlify.site-id: is an id or a name"),
        ("{sources: [{name: a, vercel: {project: p, team-id: '..', token: '${T}'}}]}", "vercel.team-id: is an id"),
        ("{sources: [{name: a, netlify: {site-id: s, token: '${T}', api-url: 'ftp://x'}}]}", "api-url"),
        (
            "{sources: [{name: a, vercel: {project: p, token: '${T}', api-url: 'https://u:pw@api.example'}}]}",
            "vercel.api-url: must not carry a user or password",
        ),
        (
            "{sources: [{name: a, git: {path: /r, branch: '--output=/tmp/x'}}]}",
            "git.branch: must be a branch name, not an option",
        ),
        ("{limit: 1000}", "limit"),
        ("{sorces: []}", "sorces"),
    ],
)
def test_a_bad_section_is_one_line_naming_file_line_and_field(
    write_config: WriteConfig, section: str, said: str
) -> None:
    path = write_config(f"platform: Tessa\ndeployments: {section}\n")
    with pytest.raises(UserError) as refused:
        load_config(path, environ={"T": "a-token-value"})
    line = str(refused.value)
    assert line.startswith(f"{path}:2: deployments") and said in line and "\n" not in line


def test_a_token_the_platform_echoes_back_is_masked_in_the_error(
    deployment_servers: DeploymentServers, write_config: WriteConfig
) -> None:
    echoed = json.dumps({"error": {"code": "forbidden", "message": f"token {VERCEL_TOKEN} has expired"}})
    deployment_servers.fail("vercel", 403, body=echoed.encode())
    web = source(read(configure(deployment_servers, write_config)), "web")
    assert web.error.startswith("Vercel: HTTP 403: the token may not do this (token **** has expired)")
    no_secret_in(web.error)


@pytest.mark.parametrize("service", ["vercel", "netlify"])
def test_a_token_echoed_where_the_message_is_cut_shows_none_of_its_characters(
    deployment_servers: DeploymentServers, write_config: WriteConfig, service: str
) -> None:
    token = VERCEL_TOKEN if service == "vercel" else NETLIFY_TOKEN
    message = "x" * 110 + token  # the message is cut at 120 characters: the token's first 10 fell before the cut
    echoed = {"error": {"message": message}} if service == "vercel" else {"code": 401, "message": message}
    deployment_servers.fail(service, 401, body=json.dumps(echoed).encode())
    update = read(configure(deployment_servers, write_config))
    failed = source(update, "web" if service == "vercel" else "docs")
    assert failed.state == "refused" and "(" + "x" * 110 + "****)" in failed.error
    no_secret_in(failed.error)


def test_a_token_a_platform_lists_in_a_deployment_is_masked_before_its_field_is_cut(
    deployment_servers: DeploymentServers, write_config: WriteConfig
) -> None:
    newest, preview = deployment_servers.vercel.history.releases[:2]
    newest.message = "m" * 190 + VERCEL_TOKEN  # a message is cut at 200: the token's first 10 characters fell before
    preview.creator = f"ci {VERCEL_TOKEN}"
    deployment_servers.netlify.history.releases[0].message = "n" * 195 + NETLIFY_TOKEN
    update = read(configure(deployment_servers, write_config))
    assert update.all_read
    messages = {d.id: d.message for d in update.deployments()}
    assert messages[newest.id] == "m" * 190 + "****"
    assert messages[deployment_servers.netlify.history.releases[0].id] == "n" * 195 + "****"
    assert next(d.creator for d in update.deployments() if d.id == preview.id) == "ci ****"
    document = json.dumps(update.to_json()) + table(update)
    assert VERCEL_TOKEN[:6] + "-" not in document and NETLIFY_TOKEN[:7] + "-" not in document
    no_secret_in(document)
