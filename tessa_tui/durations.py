"""Human durations (`90s`, `15m`, `1h30m`, `500ms`, `2d`) parsed and formatted."""

from __future__ import annotations

import re
from datetime import timedelta

_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_WHOLE = re.compile(r"(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+")


def parse_duration(value: object) -> timedelta:
    """Parse `1h30m`-style text or a number of seconds; raise ValueError naming the accepted forms."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 30s, 15m or 2h, not a boolean")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError("a duration cannot be negative")
        return timedelta(seconds=value)
    if not isinstance(value, str):
        raise ValueError("expected a duration such as 30s, 15m or 2h")
    text = value.strip().replace(" ", "")
    if text.isdigit():
        return timedelta(seconds=int(text))
    if not _WHOLE.fullmatch(text):
        raise ValueError(f"{value!r} is not a duration; use a number with ms, s, m, h or d, e.g. 30s, 15m, 1h30m")
    seconds = sum(float(n) * _UNIT_SECONDS[unit] for n, unit in _PART.findall(text))
    return timedelta(seconds=seconds)


def format_duration(delta: timedelta) -> str:
    """Short form for people: `45s`, `14m`, `2h`, `1h30m`, `2d`."""
    total = int(delta.total_seconds())
    if total < 60 and delta.total_seconds() != total:
        return f"{int(delta.total_seconds() * 1000)}ms"
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "m"), (seconds, "s")]
    text = "".join(f"{n}{unit}" for n, unit in parts if n)
    return text or "0s"


def format_clock(delta: timedelta) -> str:
    """Countdown form `MM:SS` or `H:MM:SS`; negative deltas get a leading minus."""
    total = int(delta.total_seconds())
    sign = "-" if total < 0 else ""
    hours, rest = divmod(abs(total), 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}:{minutes:02d}:{seconds:02d}"
    return f"{sign}{minutes:02d}:{seconds:02d}"
