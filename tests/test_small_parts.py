"""Durations, secret masking and YAML line tracking."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tessa_tui.base.durations import format_clock, format_duration, parse_duration
from tessa_tui.base.redact import mask_url, redact_text
from tessa_tui.base.safe_yaml import load_yaml_text


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("15m", 900), ("1h30m", 5400), ("500ms", 0.5), ("2d", 172800), (45, 45), ("90", 90)],
)
def test_parse_duration(text: str | int, seconds: float) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("bad", ["", "5 minutes", "m5", "-3s", True, -1, [1]])
def test_parse_duration_rejects(bad: object) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(bad)


def test_format_duration_and_clock() -> None:
    assert format_duration(timedelta(minutes=90)) == "1h30m"
    assert format_duration(timedelta(milliseconds=250)) == "250ms"
    assert format_clock(timedelta(minutes=14, seconds=5)) == "14:05"
    assert format_clock(timedelta(seconds=-75)) == "-01:15"
    assert format_clock(timedelta(hours=2, seconds=3)) == "2:00:03"


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("postgresql://tessa:hunter2@db:5432/app", "postgresql://tessa:****@db:5432/app"),
        (
            "https://u:p%40ss@api.example.com/x?token=abc&page=2",
            "https://u:****@api.example.com/x?token=****&page=2",
        ),
        ("https://example.com/health", "https://example.com/health"),
        ("host=db user=tessa password='a b' dbname=x", "host=db user=tessa password=**** dbname=x"),
    ],
)
def test_mask_url(url: str, masked: str) -> None:
    assert mask_url(url) == masked


def test_redact_text_masks_known_secrets_and_userinfo() -> None:
    text = "connect to postgres://me:pw#1@db failed; key sk-live-123456 rejected"
    assert redact_text(text, {"sk-live-123456"}) == "connect to postgres://me:****@db failed; key **** rejected"


def test_yaml_lines_are_tracked_per_key_and_item() -> None:
    doc = load_yaml_text("a: 1\nlist:\n  - x: 1\n  - x: 2\n    y: 3\n", "t.yaml")
    assert doc.lines[("a",)] == 1
    assert doc.lines[("list", 1)] == 4
    assert doc.lines[("list", 1, "y")] == 5
    assert doc.line_of(("list", 1, "missing")) == 4


@pytest.mark.parametrize(
    "dsn", ["postgresql://tessa:s3cr#t-pa55@db:5432/app", "postgres://u:s3cr/a/b#c@db/app?sslmode=require"]
)
def test_mask_url_copes_with_unencoded_password_characters(dsn: str) -> None:
    masked = mask_url(dsn)
    assert "s3cr" not in masked
    assert ":****@db" in masked
