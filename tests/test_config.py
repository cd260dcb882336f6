"""Loading tessa.yaml: lookup order, interpolation, defaults from the seed, the JSON Schema."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from tessa_tui.base.errors import UserError
from tessa_tui.base.user_dirs import config_dir
from tessa_tui.cli.main import main
from tessa_tui.config.load import LoadedConfig, load_config, locate_config


def test_example_config_is_valid(example_config: LoadedConfig) -> None:
    config = example_config.config
    assert config.platform == "Tessa AI Platform"
    assert [s.name for s in config.services or []][:2] == ["Frontend", "Database health"]
    assert config.services and config.services[0].degraded_latency == timedelta(seconds=1)
    assert config.contacts.on_call() is not None


def test_severity_defaults_are_the_seeds(write_config: Callable[[str], Path]) -> None:
    config = load_config(write_config("platform: X\n"), environ={}).config
    targets = {name: s.response_target for name, s in config.severities.items()}
    assert targets == {
        "SEV1": timedelta(minutes=15),
        "SEV2": timedelta(minutes=30),
        "SEV3": timedelta(hours=2),
        "SEV4": timedelta(hours=24),
    }
    assert config.services is None and config.database is None and config.logs is None


def test_service_check_defaults(write_config: Callable[[str], Path]) -> None:
    path = write_config("services:\n  - name: web\n    url: http://127.0.0.1:8080/health\n")
    check = load_config(path, environ={}).config.services[0]  # type: ignore[index]
    assert (check.interval, check.failure_threshold, check.success_threshold) == (timedelta(seconds=30), 3, 2)
    assert check.conditions == ["[STATUS] == 200"]


def test_env_interpolation_records_secrets_and_supports_defaults(write_config: Callable[[str], Path]) -> None:
    path = write_config(
        """
        database:
          dsn: ${DB_URL}
        services:
          - name: api
            url: ${API_BASE:-http://127.0.0.1:9000}/health
            headers: {X-Api-Key: "${API_KEY}", X-Literal: "$${NOT_A_VAR}"}
        """
    )
    loaded = load_config(path, environ={"DB_URL": "postgresql://u:pw@db/x", "API_KEY": "k-123456"})
    services = loaded.config.services or []
    assert loaded.config.database is not None
    assert loaded.config.database.dsn == "postgresql://u:pw@db/x"
    assert services[0].url == "http://127.0.0.1:9000/health"
    assert services[0].headers == {"X-Api-Key": "k-123456", "X-Literal": "${NOT_A_VAR}"}
    assert loaded.secrets == {"postgresql://u:pw@db/x", "k-123456"}


def test_yaml_anchors_and_merge_keys_work(write_config: Callable[[str], Path]) -> None:
    path = write_config(
        """
        x-defaults: &check {interval: 10s, failure-threshold: 5}
        """
    )
    with pytest.raises(UserError, match="unknown key 'x-defaults'"):
        load_config(path, environ={})
    path = write_config(
        """
        services:
          - &web {name: web, url: "http://127.0.0.1/", interval: 10s, failure-threshold: 5}
          - <<: *web
            name: web2
        """
    )
    services = load_config(path, environ={}).config.services or []
    assert [(s.name, s.interval, s.failure_threshold) for s in services] == [
        ("web", timedelta(seconds=10), 5),
        ("web2", timedelta(seconds=10), 5),
    ]


class TestLookupOrder:
    def test_flag_wins(self, clean_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("TESSA_CONFIG", str(tmp_path / "env.yaml"))
        assert locate_config("flag.yaml") == Path("flag.yaml")

    def test_env_then_cwd_then_user_dir(self, clean_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.chdir(tmp_path)
        user_file = config_dir() / "tessa.yaml"
        user_file.parent.mkdir(parents=True)
        user_file.write_text("platform: user\n")
        assert locate_config(None) == user_file
        (tmp_path / "tessa.yaml").write_text("platform: cwd\n")
        assert locate_config(None) == tmp_path / "tessa.yaml"
        monkeypatch.setenv("TESSA_CONFIG", str(tmp_path / "env.yaml"))
        assert locate_config(None) == tmp_path / "env.yaml"

    def test_user_dir_is_the_platform_config_dir(self, clean_env: None, tmp_path: Path) -> None:
        assert config_dir() == tmp_path / "xdg-config" / "tessa-tui"

    def test_nothing_found_is_one_clear_line(
        self,
        clean_env: None,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        monkeypatch.chdir(tmp_path)
        assert main(["config", "validate"]) == 2
        err = capsys.readouterr().err
        assert err.startswith("tessa-tui: error: no configuration found") and err.count("\n") == 1
        assert "tessa-tui demo" in err


def test_validate_ok_summarises(example_config: LoadedConfig, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "validate", str(example_config.path)]) == 0
    assert "ok (5 services, 2 log sources, database configured)" in capsys.readouterr().out


def test_schema_is_json_schema_with_file_keys(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert {"services", "database", "logs", "quick-reference", "severities", "keymap"} <= set(schema["properties"])
    check = schema["$defs"]["ServiceCheck"]
    assert "failure-threshold" in check["properties"]
    assert check["additionalProperties"] is False
    assert "Consecutive failures" in check["properties"]["failure-threshold"]["description"]
    assert {"tls", "dns", "rdap-url"} <= set(check["properties"])  # issue 23's keys
    assert set(schema["$defs"]["TlsOptions"]["properties"]) == {"insecure", "ca-file", "cert-file", "key-file"}
    assert set(schema["$defs"]["DnsQuery"]["properties"]) == {"query-name", "query-type"}


@pytest.mark.parametrize(
    ("environment", "risk"),
    [("production", "high"), ("prod-eu", "high"), ("staging", "medium"), ("dev", "low")],
)
def test_environment_risk(write_config: Callable[[str], Path], environment: str, risk: str) -> None:
    config = load_config(write_config(f"environment: {environment}\n"), environ={}).config
    assert config.environment_risk() == risk
