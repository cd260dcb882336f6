"""A record's time as (time of day as written, epoch seconds) from every stamp a log writes: ISO 8601 and its
relatives (PostgreSQL, nginx, Python's comma), access-log, syslog, Apache, Redis and Java stamps, epoch numbers.

These run on every line of a flood: a stamp's date, clock and zone are converted once and cached, the fraction
added; strptime is ten times slower.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import Any

MONTHS = {
    m: n for n, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)
}
MONTHS |= {name.capitalize(): n for name, n in list(MONTHS.items())}
MONTHS |= {name.upper(): n for name, n in list(MONTHS.items())}
# Zone abbreviations PostgreSQL and Apache write (`%Z`): the common ones; any other counts as UTC.
_ZONES = {"UTC": 0, "GMT": 0, "Z": 0, "CET": 3600, "CEST": 7200, "EET": 7200, "EEST": 10800, "BST": 3600}
_ZONES |= {"EST": -18000, "EDT": -14400, "CST": -21600, "CDT": -18000, "MST": -25200, "MDT": -21600}
_ZONES |= {"PST": -28800, "PDT": -25200, "JST": 32400, "IST": 19800, "AEST": 36000, "AEDT": 39600}
_NUMBER = re.compile(r"\d+(?:\.\d+)?", re.ASCII)
# date, clock, fraction, zone: `2026-11-28T10:00:01.123Z`, `2026-11-28 10:00:01,123`, `2026/11/28 10:00:01`,
# `2026-11-28 10:00:01.123 UTC`, `2026-11-28 10:00:01 +0000`.
ISO_TEXT = (
    r"(\d{4}[-/]\d\d[-/]\d\d[T ]\d\d:\d\d:\d\d)(?:[.,](\d{1,9})\d*)?"
    r"(Z|\s?[+-]\d\d(?::?\d\d)?(?![\d:])|\s(?:UTC|GMT|[A-Z]{1,3}[SD]T|CET|EET|BST|IST|JST)\b)?"
)
"""Three groups: date and clock (`2026-11-28T10:00:01`), fraction digits, zone (see iso_time)."""
ISO = re.compile(ISO_TEXT, re.ASCII)
ACCESS_TEXT = r"(\d\d/[A-Za-z]{3}/\d{4}:\d\d:\d\d:\d\d)(?:\.(\d{1,9})\d*)? ([+-]\d{4})"
_ACCESS = re.compile(ACCESS_TEXT, re.ASCII)
_SYSLOG = re.compile(r"([A-Z][a-z]{2}) +(\d{1,2}) (\d\d:\d\d:\d\d)(?:\.(\d+))?", re.ASCII)
_BASES: dict[str, tuple[str, float | None]] = {}
_SCALE = [10**n for n in range(10)]
_CLOCKS: dict[str, str] = {}
_EPOCH_CLOCKS: dict[int, str] = {}


def shared(clock: str) -> str:
    """One string per distinct clock (a flood writes thousands of records a second with the same one)."""
    if len(_CLOCKS) > 4096:
        _CLOCKS.clear()
    return _CLOCKS.setdefault(clock, clock)


def moment(year: int, month: int, day: int, clock: str, offset_s: float = 0) -> tuple[str, float | None]:
    """(clock, epoch seconds) of a civil time at `offset_s` east of UTC; the clock alone when it is no date."""
    try:
        stamp = datetime(year, month, day, int(clock[:2]), int(clock[3:5]), int(clock[6:8]), tzinfo=UTC)
    except (ValueError, OverflowError):
        return "", None
    return shared(clock), stamp.timestamp() - offset_s


def _offset(zone: str | None) -> float | None:
    """Seconds east of UTC of `Z`, `+02:00`, `-0800`, `+05`, ` UTC`, ` PDT`; None for a zone we do not know."""
    if not zone:
        return 0
    zone = zone.strip()
    if zone[0] in "+-":
        digits = zone[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:4] or "0")
        if hours > 23 or minutes > 59:
            return None
        return (hours * 3600 + minutes * 60) * (-1 if zone[0] == "-" else 1)
    return _ZONES.get(zone, 0)


def iso_time(match: re.Match[str], at: int = 1) -> tuple[str, float | None]:
    """(clock, epoch) of ISO_TEXT's three groups in a match, from group `at`; a time without a zone is UTC."""
    stamp, fraction, zone = match.group(at, at + 1, at + 2)
    if stamp is None:  # an optional stamp absent (RFC 5424's `-`)
        return "", None
    key = stamp + zone if zone else stamp
    base = _BASES.get(key)
    if base is None:
        if len(_BASES) > 8192:
            _BASES.clear()
        base = _BASES[key] = _iso_base(stamp, zone)
    if not fraction or base[1] is None:
        return base
    return base[0], base[1] + int(fraction) / _SCALE[len(fraction)]


def utc_stamp_time(stamp: str) -> tuple[str, float | None] | None:
    """(clock, epoch) of `2026-11-28T10:00:01.123Z` (what most JSON loggers write) without a regex, once its
    second has been seen; None for any other shape (then ISO and iso_time read it, with the same result)."""
    if stamp[-1:] != "Z" or stamp[10:11] != "T" or (dot := stamp[19:20]) not in ".Z" or not dot:
        return None
    base = _BASES.get(stamp[:19] + "Z")
    if base is None or base[1] is None:
        return None
    if dot == "Z":
        return base if len(stamp) == 20 else None
    fraction = stamp[20:-1]
    if not fraction.isdigit() or not fraction.isascii():
        return None
    fraction = fraction[:9]  # as ISO_TEXT reads it: nine digits at most
    return base[0], base[1] + int(fraction) / _SCALE[len(fraction)]


def _iso_base(stamp: str, zone: str | None) -> tuple[str, float | None]:
    offset = _offset(zone)
    if offset is None:
        return "", None
    return moment(int(stamp[:4]), int(stamp[5:7]), int(stamp[8:10]), stamp[11:19], offset)


def access_time(match: re.Match[str], at: int = 1) -> tuple[str, float | None]:
    """(clock, epoch) of ACCESS_TEXT's three groups (`28/Nov/2026:10:00:01`, fraction, `+0000`) from group `at`."""
    stamp, fraction, zone = match.group(at, at + 1, at + 2)
    key = stamp + zone
    base = _BASES.get(key)
    if base is None:
        if len(_BASES) > 8192:
            _BASES.clear()
        base = _BASES[key] = _month_base(int(stamp[7:11]), stamp[3:6], int(stamp[:2]), stamp[12:20], zone)
    if fraction is None or base[1] is None:
        return base
    return base[0], base[1] + int(fraction) / _SCALE[len(fraction)]


def _month_base(year: int, month: str, day: int, clock: str, zone: str | None) -> tuple[str, float | None]:
    number = MONTHS.get(month)
    offset = _offset(zone)
    if number is None or offset is None:
        return "", None
    return moment(year, number, day, clock, offset)


def month_time(year: int, month: str, day: str, clock: str, fraction: str | None = None) -> tuple[str, float | None]:
    """(clock, epoch) of a UTC date written with a month name (syslog, Apache, Redis, Java)."""
    key = f"{year} {month} {day} {clock}"
    base = _BASES.get(key)
    if base is None:
        if len(_BASES) > 8192:
            _BASES.clear()
        base = _BASES[key] = _month_base(year, month, int(day), clock, None)
    if fraction is None or base[1] is None:
        return base
    return base[0], base[1] + int(fraction[:9]) / _SCALE[len(fraction[:9])]


def this_year() -> int:
    """The year of a syslog stamp, which has none: this one (a year boundary in a file is misread)."""
    return datetime.now(UTC).year


def stamp_time(stamp: Any) -> tuple[str, float | None]:
    """A record's time as (time of day as written, epoch seconds): ISO 8601, PostgreSQL, access-log and syslog
    stamps, or epoch numbers in s / ms / µs / ns. ("", None) when it is none of these."""
    if type(stamp) is int or type(stamp) is float:
        return epoch(stamp)
    if type(stamp) is not str or not stamp:
        return "", None
    if (utc := utc_stamp_time(stamp)) is not None:
        return utc
    if match := ISO.match(stamp):
        return iso_time(match)
    if _NUMBER.fullmatch(stamp):
        return epoch(float(stamp))
    if match := _ACCESS.match(stamp):
        return access_time(match)
    if match := _SYSLOG.match(stamp):
        month, day, clock, fraction = match.groups()
        return month_time(this_year(), month, day, clock, fraction)
    return "", None


def epoch(number: float) -> tuple[str, float | None]:
    """Epoch seconds from a number in s / ms / µs / ns; ("", None) for a count, an id, inf, NaN or 1e400."""
    if not 1e8 <= number < 1e20:  # before 1973 (a count, an id) or after 5138 in ns; NaN and inf fail too
        return "", None
    value = float(number)
    for _ in range(3):  # seconds stay below 1e11 until the year 5138: bigger numbers are ms, µs or ns
        if value < 1e11:
            break
        value /= 1000
    if value < 1e8:  # 1e11..1e14 ms and the like: before 1973
        return "", None
    second = int(value)
    clock = _EPOCH_CLOCKS.get(second)
    if clock is None:
        if len(_EPOCH_CLOCKS) > 4096:
            _EPOCH_CLOCKS.clear()
        clock = _EPOCH_CLOCKS[second] = shared(time.strftime("%H:%M:%S", time.gmtime(value)))
    return clock, value
