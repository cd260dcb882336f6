"""Statuspage v2 documents, the real captures in ../shared/data/statuspage and hostile variants."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tessa_tui.statuspage import StatusPageError, parse_statuspage
from tests.conftest import SHARED_DATA

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
    [("none", "up"), ("minor", "degraded"), ("major", "down"), ("critical", "down"), ("maintenance", "maintenance"),
     ("purple", "unknown")],
)  # fmt: skip
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
    status = parse_statuspage({
        "status": {"indicator": "major", "description": 5},
        "components": [5, {"name": 1, "status": 2}, {"name": "API", "status": "major_outage"}],
        "incidents": [{"name": "x", "incident_updates": 5}, {"name": "y", "incident_updates": [{"body": []}]}],
        "page": {"updated_at": 1e400},
    })  # fmt: skip
    assert (status.state, status.description, [c.name for c in status.components]) == ("down", "", ["API"])
    assert status.incidents is not None and [i.name for i in status.incidents] == ["x", "y"]
