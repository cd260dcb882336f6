"""Statuspage v2 documents, the real captures in ../shared/data/statuspage and hostile variants."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tessa_tui.checks.statuspage_status import StatusPageError, parse_statuspage
from tests.conftest import SHARED_DATA
from tests.loopback import LoopbackServers
from tests.test_check_command import run_cli

CAPTURES = SHARED_DATA / "statuspage"


def _capture(name: str) -> Any:
    path = CAPTURES / name
    if not path.exists():
        pytest.skip(f"shared sample data not present: {path}")
    return json.loads(path.read_text(encoding="utf-8"))


def test_operational_summary_is_up_with_no_components_or_incidents() -> None:
    status = parse_statuspage(_capture("github_summary_2019-12-30_operational.json"))
    assert (status.state, status.indicator, status.components, status.incidents) == ("up", "none", (), ())
    assert status.reason() == ""


def test_major_outage_summary_lists_broken_components_and_the_open_incident() -> None:
    status = parse_statuspage(_capture("github_summary_2020-04-02_major_outage.json"))
    assert status.state == "down"
    assert status.description == "Partial System Outage"
    assert len(status.components) == 6
    assert {c.status for c in status.components} == {"major_outage", "partial_outage"}
    assert status.incidents is not None and len(status.incidents) == 1
    incident = status.incidents[0]
    assert incident.status == "investigating"
    assert incident.latest_update.startswith("We are investigating reports of")
    assert status.reason().startswith("Partial System Outage; Git Operations (major outage)")
    assert "+3 more" in status.reason()


def test_status_json_has_no_incidents_key_which_is_not_zero_incidents() -> None:
    status = parse_statuspage(_capture("github_status_2020-04-08.json"))
    assert status.state in {"up", "degraded", "down", "maintenance"}
    assert status.incidents is None
    assert status.components == ()


@pytest.mark.parametrize(
    ("indicator", "state"),
    [
        ("none", "up"),
        ("minor", "degraded"),
        ("major", "down"),
        ("critical", "down"),
        ("maintenance", "maintenance"),
        ("purple", "unknown"),
    ],
)
def test_indicator_mapping(indicator: str, state: str) -> None:
    assert parse_statuspage({"status": {"indicator": indicator, "description": "x"}}).state == state


@pytest.mark.parametrize("document", [[], "ok", {"page": {}}, {"status": "none"}, {"status": {"indicator": 3}}])
def test_not_a_statuspage_document(document: Any) -> None:
    with pytest.raises(StatusPageError, match="not a Statuspage document"):
        parse_statuspage(document)


def test_hostile_text_in_a_status_page_is_sanitised() -> None:
    document = {
        "status": {"indicator": "major", "description": "\x1b]0;pwned\x07Outage\x1b[2J"},
        "components": [{"name": "API\x9b31m", "status": "major_outage"}],
        "incidents": [
            {"name": "x", "status": "investigating", "incident_updates": [{"body": "\x1b]52;c;ZXZpbA==\x07"}]}
        ],
    }
    status = parse_statuspage(document)
    assert "\x1b" not in status.reason()
    assert "\x9b" not in status.components[0].name
    assert status.description == "\\e]0;pwned\\x07Outage\\e[2J"
    assert status.incidents is not None and "\x1b" not in status.incidents[0].latest_update


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ({"status": {"indicator": "none"}, "components": 5}, "`components` is a number, not a list"),
        ({"status": {"indicator": "none"}, "incidents": "x"}, "`incidents` is a string, not a list"),
        ({"status": []}, "no status.indicator"),
        ([1, 2], "a list, not an object"),
    ],
)
def test_a_document_of_the_wrong_shape_is_one_line(document: Any, reason: str) -> None:
    with pytest.raises(StatusPageError) as raised:
        parse_statuspage(document)
    assert str(raised.value) == f"not a Statuspage document: {reason}"


def test_fields_of_any_other_type_are_ignored() -> None:
    status = parse_statuspage(
        {
            "status": {"indicator": "major", "description": 5},
            "components": [5, {"name": 1, "status": 2}, {"name": "API", "status": "major_outage"}],
            "incidents": [{"name": "x", "incident_updates": 5}, {"name": "y", "incident_updates": [{"body": []}]}],
            "page": {"updated_at": 1e400},
        }
    )
    assert (status.state, status.description, [c.name for c in status.components]) == ("down", "", ["API"])
    assert status.incidents is not None and [i.name for i in status.incidents] == ["x", "y"]


def test_the_latest_update_is_the_latest_in_time_across_a_clock_change() -> None:
    # 2026-10-25, Europe: clocks go back at 01:00 UTC. The update at 00:50 UTC was written in summer time
    # (01:50+01:00); the one 20 minutes later in winter time (01:10+00:00): as strings it sorts first.
    status = parse_statuspage(
        {
            "status": {"indicator": "minor", "description": "Minor Service Outage"},
            "incidents": [
                {
                    "name": "Delays",
                    "status": "monitoring",
                    "incident_updates": [
                        {"body": "A fix has been deployed.", "created_at": "2026-10-25T01:10:00+00:00"},
                        {"body": "We are investigating.", "created_at": "2026-10-25T01:50:00+01:00"},
                    ],
                }
            ],
        }
    )
    assert status.incidents is not None
    assert status.incidents[0].latest_update == "A fix has been deployed."


MAINTENANCE_PAGE = {
    "page": {"updated_at": "2026-06-01T10:05:00Z"},
    "status": {"indicator": "none", "description": "All Systems Operational"},
    "components": [{"name": "Database", "status": "under_maintenance"}],
    "incidents": [],
    "scheduled_maintenances": [
        {
            "name": "Storage upgrade",
            "status": "scheduled",
            "scheduled_for": "2026-06-08T02:00:00Z",
            "scheduled_until": "2026-06-08T04:00:00Z",
        },
        {
            "name": "Database failover",
            "status": "in_progress",
            "scheduled_for": "2026-06-01T10:00:00Z",
            "scheduled_until": "2026-06-01T11:00:00Z",
        },
        {"name": "Done last week", "status": "completed", "scheduled_for": "2026-05-25T10:00:00Z"},
    ],
}


def test_a_maintenance_in_progress_is_maintenance_and_upcoming_ones_are_listed() -> None:
    status = parse_statuspage(MAINTENANCE_PAGE)
    assert status.state == "maintenance"
    assert status.reason().startswith("maintenance in progress: Database failover until 2026-06-01T11:00:00Z")
    assert "All Systems Operational" not in status.reason()
    assert [(m.name, m.status) for m in status.maintenances] == [
        ("Database failover", "in_progress"),
        ("Storage upgrade", "scheduled"),
    ]


def test_an_outage_during_a_maintenance_stays_the_outage() -> None:
    status = parse_statuspage({**MAINTENANCE_PAGE, "status": {"indicator": "major", "description": "Outage"}})
    assert status.state == "down" and status.reason().startswith("Outage; maintenance in progress")


def test_check_json_shows_the_maintenance_from_a_served_status_page(
    write_config: Callable[[str], Path], servers: LoopbackServers
) -> None:
    servers.recorder.statuspage["maint"] = {"summary.json": MAINTENANCE_PAGE}
    path = write_config(f"services:\n  - {{name: vendor, statuspage: '{servers.http}/sp/maint'}}\n")
    [check] = json.loads(run_cli("--config", str(path), "check", "--json").stdout)["checks"]
    assert check["state"] == "maintenance"
    assert check["vendor"]["maintenances"] == [
        {
            "name": "Database failover",
            "status": "in_progress",
            "for": "2026-06-01T10:00:00Z",
            "until": "2026-06-01T11:00:00Z",
        },
        {
            "name": "Storage upgrade",
            "status": "scheduled",
            "for": "2026-06-08T02:00:00Z",
            "until": "2026-06-08T04:00:00Z",
        },
    ]
