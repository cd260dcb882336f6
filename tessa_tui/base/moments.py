"""The one parser of a moment a person types: `--at`, `--detected-at`, `--began-at` and the console's
milestone dialog all read times here, so the CLI and the console accept the same words."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from tessa_tui.base.durations import parse_duration


def parse_moment(text: str, now: datetime) -> datetime:
    """`now`, `14:05`, `14:05:30` (today, UTC), an ISO 8601 timestamp (naive means UTC), or `10m` / `1h30m` ago."""
    text = text.strip()
    if text.lower() == "now":
        return now.astimezone(UTC)
    if re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", text):
        parts = [int(p) for p in text.split(":")] + [0]
        if parts[0] > 23 or parts[1] > 59 or parts[2] > 59:
            raise ValueError(f"{text!r} is not a time of day")
        return now.astimezone(UTC).replace(hour=parts[0], minute=parts[1], second=parts[2], microsecond=0)
    if re.fullmatch(r"(\d+(\.\d+)?(ms|s|m|h|d))+", text):
        return now - parse_duration(text)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r}: use now, HH:MM, an ISO 8601 timestamp or a duration ago like 10m") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
