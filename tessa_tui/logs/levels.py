"""Log levels, worst last: what the parser assigns, the filter compares and the command line offers."""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: importing typing is what `tessa-tui --help` must not pay for

if TYPE_CHECKING:  # `tessa-tui --help` lists the levels: typing stays off its path
    from typing import Literal

    Level = Literal["trace", "debug", "info", "warn", "error", "fatal", "unknown"]

LEVELS: tuple[Level, ...] = ("trace", "debug", "info", "warn", "error", "fatal", "unknown")
