"""The injected time source: every part that reads the time takes a `Now`, so tests can set the time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Now = Callable[[], datetime]
"""A function that returns the current time, timezone-aware (UTC in production)."""


def utc_now() -> datetime:
    """The production time source."""
    return datetime.now(UTC)
