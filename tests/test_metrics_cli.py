"""`tessa-tui metrics [--json]`: the Metrics view headless, through the same engine; exit 0 when every source was
read, 1 when one was not (its series unknown, the source named on stderr), 2 with nothing to read."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tessa_tui.cli.main import main
from tessa_tui.demo.metrics_sim import DatabaseLoad, error_rate_query
from tests.metrics_contract_servers import PROM_TOKEN, SECRET_KEY, MetricsServers

WriteConfig = Callable[..., Path]
SERIES = [
    {"name": "Connections", "source": "supabase", "select": "pg_stat_database_num_backends", "critical-above": 50},
    {
        "name": "Memory available",
        "source": "supabase",
        "select": "node_memory_MemAvailable_bytes",
        "per": "node_memory_MemTotal_bytes",
        "scale": 100,
        "unit": "%",
        "warn-below": 20,
    },
    {
        "name": "Error rate",
        "source": "prom",
        "query": error_rate_query("5m"),
        "scale": 100,
        "unit": "%",
        "critical-above": 1,
    },
]


@pytest.fixture
def config(metrics_servers: MetricsServers, write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, value in metrics_servers.environ().items():
        monkeypatch.setenv(name, value)
    for n in range(100):
        metrics_servers.state.requests.record(500 if n < 3 else 200, 0.2)
    section = json.dumps({"sources": metrics_servers.sources(), "series": SERIES, "timeout": "3s"})
    return write_config(f"platform: Tessa\nmetrics: {section}\n")


def test_the_table_lists_every_series_and_source(
    config: Path, metrics_servers: MetricsServers, capsys: pytest.CaptureFixture[str]
) -> None:
    metrics_servers.state.load = DatabaseLoad(connections=55, active=1, commits=10, size_bytes=1)
    assert main(["--config", str(config), "metrics"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["SERIES", "VALUE", "STATE", "AGE", "SOURCE", "WHY"]
    assert lines[1].split()[:4] == ["Connections", "55", "✖", "critical"] and lines[1].endswith("55 is above 50")
    assert lines[2].startswith("Memory available") and "● ok" in lines[2]
    assert "3 %" in lines[3] and "✖ critical" in lines[3]
    assert lines[-2].startswith("● supabase (scrape): ok, read") and lines[-1].startswith("● prom (prometheus): ok")


def test_json_is_the_documented_document(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(config), "metrics", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert set(document) == {"at", "all_read", "sources", "series"} and document["all_read"] is True
    first = document["series"][0]
    assert set(first) == {
        "name",
        "source",
        "role",
        "value",
        "value_text",
        "unit",
        "state",
        "why",
        "read_at",
        "age_s",
        "history",
    }
    assert first["value"] == 8 and first["state"] == "ok" and first["age_s"] is not None
    assert set(document["sources"][0]) == {
        "name",
        "kind",
        "state",
        "error",
        "read_at",
        "failing_since",
        "retry_at",
        "samples",
    }
    assert document["sources"][0]["samples"] > 150  # about the 200 series Supabase serves


def test_an_unread_source_is_exit_1_and_named(
    config: Path, metrics_servers: MetricsServers, capsys: pytest.CaptureFixture[str]
) -> None:
    metrics_servers.fail("supabase", 401, times=4)
    assert main(["--config", str(config), "metrics", "--json"]) == 1
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert document["all_read"] is False and document["sources"][0]["state"] == "refused"
    assert "source supabase not read: scrape: HTTP 401" in captured.err
    assert document["series"][2]["state"] == "critical"  # the other source still read
    for secret in (SECRET_KEY, PROM_TOKEN):
        assert secret not in captured.out + captured.err


def test_no_metrics_section_and_a_bad_one_are_exit_2(
    write_config: WriteConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", str(write_config("platform: Tessa\n")), "metrics"]) == 2
    assert "no metrics: add `metrics:`" in capsys.readouterr().err
    bad = write_config("platform: Tessa\nmetrics:\n  series:\n    - {name: X, source: nowhere, select: up}\n")
    assert main(["--config", str(bad), "metrics"]) == 2
    err = capsys.readouterr().err
    assert "tessa.yaml:" in err and "no source 'nowhere'" in err and "Traceback" not in err


def test_the_readmes_example_is_a_working_config(
    metrics_servers: MetricsServers,
    write_config: WriteConfig,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The README's Metrics section: its YAML loads as it is, and pointed at the contract servers (the vendors'
    shapes) every series in it is read."""
    from tessa_tui.config.load import load_config
    from tests.conftest import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Metrics\n", 1)[1].split("\n## ", 1)[0]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    environ = {"SUPABASE_SECRET_KEY": SECRET_KEY, "PROMETHEUS_TOKEN": PROM_TOKEN}
    settings = load_config(write_config(example), environ=environ).config.metrics
    assert settings is not None
    assert [(s.name, s.kind) for s in settings.sources] == [("supabase", "scrape"), ("prometheus", "prometheus")]
    assert {s.role for s in settings.series} == {"cpu", "memory", "connections", "error-rate", "latency-p95"}
    here = example.replace(
        "https://abcdefghijklmnopqrst.supabase.co/customer/v1/privileged/metrics", metrics_servers.scrape_url
    ).replace("https://prometheus.example.com", metrics_servers.prometheus_url)
    for _ in range(100):
        metrics_servers.state.requests.record(200, 0.3)
    config = write_config(f"platform: Tessa\n{here}", name="here.yaml")
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert main(["--config", str(config), "metrics", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert {s["name"]: s["state"] for s in document["series"]} == {
        "CPU": "ok",
        "Memory available": "ok",
        "Connections": "ok",
        "Error rate": "ok",
        "API p95": "ok",
    }
