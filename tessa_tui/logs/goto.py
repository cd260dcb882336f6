"""`:goto 14:05`: a typed moment as epoch seconds, read in the log's own clock.

A time of day means the latest such moment at or before the file's newest record, in the zone its records are
written in (their written time of day against their epoch time gives the offset): `:goto 14:05` in a log
written in +02:00 lands on the line that says 14:05, not on 16:05. A date and time (`2026-12-06 14:05`, ISO 8601)
is read the same way when it has no zone; `10m` is ten minutes before the newest record.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from tessa_tui.base.durations import parse_duration

DAY = 86_400
_TIME_OF_DAY = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
_DURATION = re.compile(r"(\d+(\.\d+)?(ms|s|m|h|d))+")


def clock_seconds(clock: str) -> int | None:
    """`14:05:30` as seconds into the day; None when it is not a time of day."""
    match = _TIME_OF_DAY.fullmatch(clock.strip())
    if match is None:
        return None
    hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return hour * 3600 + minute * 60 + second


def zone_offset(when: float, clock: str) -> int:
    """Seconds the written `clock` is ahead of UTC for a record at epoch `when` (0 when unknown)."""
    written = clock_seconds(clock[:8])
    if written is None:
        return 0
    offset = (written - int(when) % DAY) % DAY
    offset = offset - DAY if offset > DAY // 2 else offset
    return round(offset / 900) * 900  # zones are whole quarter hours; this absorbs a record's fraction


def target_time(text: str, newest: tuple[float, str] | None) -> float:
    """Epoch seconds for what was typed after `:goto`; ValueError with the forms it takes otherwise."""
    typed = text.strip()
    if newest is None:
        raise ValueError("no record with a time yet: :goto needs the log's times")
    when, clock = newest
    offset = zone_offset(when, clock)
    if (seconds := clock_seconds(typed)) is not None:
        local_newest = when + offset
        day_start = local_newest - local_newest % DAY
        target = day_start + seconds
        if target > local_newest:
            target -= DAY
        return target - offset
    if _DURATION.fullmatch(typed):
        return when - parse_duration(typed).total_seconds()
    try:
        moment = datetime.fromisoformat(typed.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"{typed!r}: use HH:MM[:SS], a date and time (2026-12-06 14:05) or 10m (before the newest)"
        ) from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC).timestamp() - offset
    return moment.timestamp()
