"""Human durations (`90s`, `15m`, `1h30m`, `500ms`, `2d`) parsed and formatted."""

from __future__ import annotations

import math
import re
from datetime import timedelta

from tessa_tui.base import secret_registry

_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)", re.ASCII)
_WHOLE = re.compile(r"(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+", re.ASCII)
_DIGITS = re.compile(r"\d+", re.ASCII)
MAX_DAYS = 3650
"""The longest duration accepted: ten years. Longer ones overflow dates and timers downstream (a deadline is
now + duration), and no interval, timeout or time box of an incident console means one."""


def parse_duration(value: object) -> timedelta:
    """Parse `1h30m`-style text or a number of seconds; raise ValueError naming the accepted forms."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 30s, 15m or 2h, not a boolean")
    if isinstance(value, int | float):
        try:
            return _bounded(float(value))
        except OverflowError:  # an int too large for a float
            raise ValueError(f"a duration is at most {MAX_DAYS}d (ten years)") from None
    if not isinstance(value, str):
        raise ValueError("expected a duration such as 30s, 15m or 2h")
    text = value.strip().replace(" ", "")
    if _DIGITS.fullmatch(text):
        return _bounded(float(text))  # float, not int: a 5,000-digit number is inf here, not a ValueError later
    if not _WHOLE.fullmatch(text):
        shown = secret_registry.mask(value)  # masked before cut: a value from ${ENV} may be a secret
        shown = shown if len(shown) <= 40 else shown[:40] + "..."
        raise ValueError(f"{shown!r} is not a duration; use a number with ms, s, m, h or d, e.g. 30s, 15m, 1h30m")
    return _bounded(sum(float(n) * _UNIT_SECONDS[unit] for n, unit in _PART.findall(text)))


def _bounded(seconds: float) -> timedelta:
    """`seconds` as a timedelta, refusing what is negative, not a number or longer than MAX_DAYS."""
    if math.isnan(seconds):
        raise ValueError("a duration must be a number")
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    if seconds > MAX_DAYS * 86400:
        raise ValueError(f"a duration is at most {MAX_DAYS}d (ten years)")
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
