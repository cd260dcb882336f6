"""Every format by name, and the one a source's first lines are written in.

Detection reads up to SAMPLE non-empty lines with each format and keeps the most specific one that finds level
and time in its heads as well as the per-line `auto` does, and misreads nothing: a format that would fold into a
record a line another format recognises as a head (a JSON line inside an access log, a timestamped line under a
JSON one) is out. When none is left, `auto` decides line by line.
"""

from __future__ import annotations

from collections.abc import Sequence

from tessa_tui.logs.formats.java_lines import JUL
from tessa_tui.logs.formats.json_lines import DOCKER, JSON_FORMAT
from tessa_tui.logs.formats.log_format import LogFormat
from tessa_tui.logs.formats.logfmt_lines import LOGFMT
from tessa_tui.logs.formats.mixed import MIXED, Claim
from tessa_tui.logs.formats.plain import PLAIN, is_continuation
from tessa_tui.logs.formats.postgres_logs import POSTGRES, POSTGRES_CSV
from tessa_tui.logs.formats.server_logs import ACCESS, APACHE_ERROR, LEVEL_FIRST, NGINX_ERROR, REDIS
from tessa_tui.logs.formats.stamped import STAMPED
from tessa_tui.logs.formats.syslog_lines import SYSLOG_FORMAT

SAMPLE = 200
# Most specific first: of two formats reading a sample equally well, the first wins (PostgreSQL's stderr is
# also `stamped`, but only `postgres` knows a DETAIL line continues its ERROR).
CANDIDATES: tuple[LogFormat, ...] = (
    DOCKER,
    JSON_FORMAT,
    POSTGRES_CSV,
    POSTGRES,
    NGINX_ERROR,
    APACHE_ERROR,
    REDIS,
    JUL,
    SYSLOG_FORMAT,
    ACCESS,
    LEVEL_FIRST,
    LOGFMT,
    STAMPED,
)
FORMATS: dict[str, LogFormat] = {fmt.name: fmt for fmt in (*CANDIDATES, PLAIN)}
_MISREADS_ALLOWED = 0.02  # of the sample's lines: a stray line, not a pattern


def format_named(name: str) -> LogFormat | None:
    """The format a source's `format:` names; None for "auto" (detected from the first lines) and any name
    that is not a format."""
    return FORMATS.get(name)


def detect_format(lines: Sequence[str]) -> LogFormat:
    """The format `lines` (a source's first lines) are written in; MIXED (per line) when no one format reads
    them all without misreading one."""
    sample = [line for line in lines[: SAMPLE * 4] if line.strip()][:SAMPLE]
    if not sample:
        return MIXED
    claims = [MIXED.claim(line) for line in sample]
    mixed_quality, _ = _quality(MIXED, sample)
    best: LogFormat | None = None
    best_quality = -1.0
    allowed = int(len(sample) * _MISREADS_ALLOWED)
    for fmt in CANDIDATES:
        quality, heads = _quality(fmt, sample, claims, allowed)
        if heads and quality > best_quality + 0.02:
            best, best_quality = fmt, quality
    if best is None or best_quality < mixed_quality - 0.05:
        return MIXED
    return best


def _quality(
    fmt: LogFormat, sample: list[str], claims: list[Claim | None] | None = None, allowed: int = 0
) -> tuple[float, int]:
    """(the share of level and time found in `fmt`'s heads, how many heads); (-1, 0) for a format that misreads
    more than `allowed` lines of the sample: folds into a record a line another format reads as a head or, when
    its own heads have no time (so nothing but their shape tells them), many a line plain text would start a
    record with."""
    heads = found = timed = misread = plain_heads = 0
    for index, line in enumerate(sample):
        scan = fmt.head(line)
        if scan is None:
            if claims is not None:
                claim = claims[index]
                if claim is None:
                    plain_heads += not is_continuation(line)
                elif claim[1] is not None and (not fmt.family or claim[0].family != fmt.family):
                    misread += 1  # another format's head folded into a record
                    if misread > allowed:
                        return -1.0, 0
            if index >= 20 and heads == 0:
                return 0.0, 0
            continue
        heads += 1
        level = scan[0]
        if level == "unknown" and fmt.level_on_next_line and index + 1 < len(sample):
            level = fmt.next_line_level(sample[index + 1])
        timed += scan[2] is not None
        found += (level != "unknown") + (scan[2] is not None)
    if timed * 2 < heads and misread + plain_heads > max(allowed, heads // 4):
        return -1.0, 0  # untimed heads: a line in four may be a message's second line, no more
    return (found / (2 * heads) if heads else 0.0), heads
