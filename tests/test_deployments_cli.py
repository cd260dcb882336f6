"""`tessa-tui deployments [--recent] [--json]`: the Deployments view headless, through the same engine; exit 0 when
every source was read, 1 when one was not (its deployments unknown, and said so), 2 with nothing to read."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tessa_tui.cli.main import main
from tests.deployment_contract_servers import SECRETS, DeploymentServers

WriteConfig = Callable[..., Path]


@pytest.fixture
def config(deployment_servers: DeploymentServers, write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, value in deployment_servers.environ().items():
        monkeypatch.setenv(name, value)
    section = json.dumps({"sources": deployment_servers.sources(), "timeout": "3s"})
    return write_config(f"platform: Tessa\ndeployments: {section}\n")


def test_the_table_lists_every_sources_deployments_newest_first(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", str(config), "deployments"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "● ok · web (vercel): 5 deployments, read <1m ago"
    assert lines[1] == "● ok · docs (netlify): 3 deployments, read <1m ago"
    header = lines[3].split()
    assert header == ["AGE", "RECENT", "STATUS", "TARGET", "COMMIT", "MESSAGE", "CREATOR", "SOURCE", "ID"]
    first = lines[4]
    assert first.startswith("20m") and "▲ last 2h" in first and "production ★ current" in first
    assert "release: frontend 1.42.0" in first and first.endswith("dpl_3Lr6Uv5Be")
    for secret in SECRETS:
        assert secret not in out


def test_json_is_the_documented_document(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(config), "deployments", "--json", "--recent"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert set(document) == {"at", "recent_within_s", "all_read", "sources", "deployments"}
    assert document["recent_within_s"] == 7200 and document["all_read"] is True
    web = document["sources"][0]
    assert {k: web[k] for k in ("name", "kind", "state", "error", "current", "count", "skipped")} == {
        "name": "web",
        "kind": "vercel",
        "state": "ok",
        "error": "",
        "current": "dpl_3Lr6Uv5Be",
        "count": 5,
        "skipped": 0,
    }
    assert [d["id"] for d in document["deployments"]] == ["dpl_3Lr6Uv5Be", "64f0c1a2b3d4e5f6a7b8c9d2", "dpl_2Kp5St4Ad"]
    newest = document["deployments"][0]
    assert set(newest) == {
        "source",
        "kind",
        "id",
        "created_at",
        "age_s",
        "recent",
        "status",
        "target",
        "current",
        "sha",
        "message",
        "ref",
        "creator",
        "url",
    }
    assert (newest["status"], newest["target"], newest["current"], newest["recent"]) == (
        "ready",
        "production",
        True,
        True,
    )
    assert 1190 <= newest["age_s"] <= 1300


def test_a_source_that_cannot_be_read_exits_1_and_says_why(
    config: Path, deployment_servers: DeploymentServers, capsys: pytest.CaptureFixture[str]
) -> None:
    deployment_servers.fail("netlify", 401)
    assert main(["--config", str(config), "deployments", "--json"]) == 1
    document = json.loads(capsys.readouterr().out)
    docs = document["sources"][1]
    assert (docs["state"], docs["read_at"], document["all_read"]) == ("refused", None, False)
    assert docs["error"].endswith("check `deployments.sources[docs].netlify.token`")
    assert {d["source"] for d in document["deployments"]} == {"web"}  # what could be read is still shown


def test_nothing_to_read_is_one_line_and_exit_2(write_config: WriteConfig, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_config("platform: Tessa\n")
    assert main(["--config", str(path), "deployments"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no deployment sources: add `deployments: sources:`" in err


def test_the_readmes_example_is_a_working_config(write_config: WriteConfig) -> None:
    """The README's Deployments section: its YAML loads as it is, with the tokens from the environment."""
    from tessa_tui.config.load import load_config
    from tests.conftest import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Deployments\n", 1)[1].split("\n## ", 1)[0]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    loaded = load_config(write_config(example), environ={"VERCEL_TOKEN": "t-vercel-1", "NETLIFY_TOKEN": "t-netlify-2"})
    settings = loaded.config.deployments
    assert settings is not None
    assert [(s.name, s.kind) for s in settings.sources] == [("web", "vercel"), ("docs", "netlify"), ("app", "git")]
    assert settings.recent.total_seconds() == 7200
