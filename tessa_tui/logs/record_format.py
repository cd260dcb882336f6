"""The record format of a file source: the one its config names, or the one its first lines are written in."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from tessa_tui.base.regular_file import open_regular
from tessa_tui.logs.file_lines import decode, lines_between
from tessa_tui.logs.formats.detect import detect_format, format_named
from tessa_tui.logs.formats.mixed import MIXED

if TYPE_CHECKING:
    from tessa_tui.logs.formats.log_format import LogFormat

SAMPLE_BYTES = 64 * 1024
MIN_SAMPLE = 20
"""Fewer first lines than this settle nothing: a young file is read line by line (MIXED) until it has more (one
JSON line does not make a JSON log, and the WARN line after it would become its continuation)."""


def sample_lines(path: Path, limit: int = SAMPLE_BYTES) -> list[str]:
    """The file's first complete lines (up to `limit` bytes); [] when it cannot be read."""
    try:
        handle = open_regular(path)
    except OSError:
        return []
    try:
        size = os.fstat(handle).st_size
        return [decode(raw) for _offset, raw in lines_between(handle, 0, min(size, limit))]
    except OSError:
        return []
    finally:
        os.close(handle)


def format_for(path: Path, name: str = "auto") -> LogFormat:
    """The format `name` names, or (`auto`) the one the file's first lines show (per line when they show none, or
    are too few to tell)."""
    named = format_named(name)
    if named is not None:
        return named
    sample = [line for line in sample_lines(path) if line.strip()]
    return detect_format(sample) if len(sample) >= MIN_SAMPLE else MIXED
