"""Log levels, worst last: what the parser assigns, the filter compares and the command line offers."""

from __future__ import annotations

from typing import Literal

Level = Literal["trace", "debug", "info", "warn", "error", "fatal", "unknown"]
LEVELS: tuple[Level, ...] = ("trace", "debug", "info", "warn", "error", "fatal", "unknown")
