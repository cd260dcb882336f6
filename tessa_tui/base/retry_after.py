"""How long a 429 or 503 asks to wait: the Retry-After header read as every caller needs it."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


def retry_after(value: str | None, now: datetime | None = None, *, at_most: float = math.inf) -> float | None:
    """Seconds to wait from a Retry-After header, delta-seconds or an HTTP date, never more than `at_most`; None
    when absent or unreadable. Total: no value a server sends raises."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # str.isdigit alone takes `²`, which float() refuses
        return min(float(value), at_most)  # thousands of digits are inf, not an error
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max(0.0, (when - (now or datetime.now(UTC))).total_seconds()), at_most)
