"""A log source's new lines made ready for the view off the UI's loop: parsed, counted and filtered in one go.

The logs pane calls these in a worker thread, so a flood costs the event loop only a list append per batch.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from operator import itemgetter
from typing import TYPE_CHECKING

from tessa_tui.base import secret_registry
from tessa_tui.base.sanitize import sanitize
from tessa_tui.logs.filter import LineFilter
from tessa_tui.logs.follow import FileFollower, LinesAt
from tessa_tui.logs.parse import (
    CLOCK,
    FULL,
    LEVEL,
    SOURCE,
    SUMMARY,
    WHEN,
    LogParser,
    LogRecord,
    Row,
    parse_line,
    row_of,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from tessa_tui.logs.formats.log_format import Scan
    from tessa_tui.logs.remote_status import RemoteStatus


@dataclass(frozen=True)
class Batch:
    """What one read of a source brought (the logs watcher's update: tessa_tui.logs.watch)."""

    source: str
    rows: list[Row]
    """The records, as the view stores them."""
    status: str
    levels: Counter[str] = field(default_factory=Counter)
    under: LineFilter | None = None
    """The filter `matched` was computed with (the view's filter when the batch was read)."""
    matched: list[Row] = field(default_factory=list)
    behind: bool = False
    """The read stopped at its budget with more waiting: the next one comes at once."""
    error: str | None = None
    """Why the source cannot be followed at all (a FIFO, a directory, a command that cannot start)."""
    remote: RemoteStatus | None = None
    """A remote source's state after this poll (live, behind, failing, rate-limited); None for files and commands."""
    held: Row | None = None
    """The source's last record, still open (its next lines may continue it), masked like the rows: shown
    provisionally, and replaced by the record in a later batch's rows once the next one starts."""
    unfinished: Row | None = None
    """A file's last line while it has no newline yet (after a quiet moment): drawn below the records, replaced
    when it grows or ends; None when there is none."""

    def matched_under(self, line_filter: LineFilter | None) -> list[Row]:
        """The rows passing `line_filter`: precomputed when it is the filter the batch was read with."""
        if line_filter is None:
            return self.rows
        if line_filter is self.under:
            return self.matched
        return [row for row in self.rows if line_filter.matches(row)]


def error_share(levels: Counter[str]) -> tuple[int, int]:
    """(errors and fatals, records with a level): the logs pane's error rate and the daily review's."""
    return levels["error"] + levels["fatal"], sum(levels.values()) - levels["unknown"]


_LEVEL_OF = itemgetter(LEVEL)
# JSON escapes a writer may use for any character (the registry knows only the canonical spelling).
_ESCAPES = re.compile(r"\\u[0-9a-fA-F]{4}|\\/")


def digest(
    parser: LogParser,
    lines: list[str],
    status: str,
    line_filter: LineFilter | None,
    *,
    behind: bool = False,
    error: str | None = None,
    flush: bool = False,
    heads: list[Scan | None] | None = None,
) -> Batch:
    """Parse a source's lines into the records they complete and count their levels; the records passing
    `line_filter` picked out; the record still open as `held` (`flush`: closed, in the rows: a reader that
    prints, after a quiet read or at a command's exit); each line's head scan appended to `heads` when given."""
    records = parser.feed_rows(lines, heads)
    if flush:
        records += [row_of(record) for record in parser.flush()]
    rows = _masked(records)
    matched = [row for row in rows if line_filter.matches(row)] if line_filter is not None else []
    levels = Counter(map(_LEVEL_OF, rows))
    open_record = parser.held()
    held = _masked([row_of(open_record)])[0] if open_record is not None else None
    return Batch(parser.source, rows, status, levels, line_filter, matched, behind, error, held=held)


def digest_records(
    source: str, records: list[LogRecord], line_filter: LineFilter | None, remote: RemoteStatus
) -> Batch:
    """A remote poll's records (already parsed from the API's rows) masked, counted and filtered like a file's."""
    rows = _masked([row_of(record) for record in records])
    matched = [row for row in rows if line_filter.matches(row)] if line_filter is not None else []
    levels = Counter(row[LEVEL] for row in rows)
    behind = remote.state == "behind"
    return Batch(source, rows, remote.text(), levels, line_filter, matched, behind, None, remote)


def _masked(rows: list[Row]) -> list[Row]:
    """The rows with every registered secret masked (tessa_tui.base.secret_registry): one search over the batch,
    rows rebuilt only when it finds something; nothing at all when no secret is registered."""
    pattern = secret_registry.pattern()
    if pattern is None or not rows:
        return rows
    joined = "\n".join(text for row in rows for text in (row[FULL], row[SUMMARY]))
    if pattern.search(joined) is None and not _ESCAPES.search(joined):
        return rows
    return [_masked_row(row) for row in rows]


def unescaped(text: str) -> str:
    """`text` with its JSON escapes decoded: a JSON record through the json module, any other text (or JSON that
    does not parse) escape by escape."""
    if text.startswith("{"):
        try:
            return json.dumps(json.loads(text), ensure_ascii=False)
        except (ValueError, RecursionError):
            pass
    return _ESCAPES.sub(_unescape, text)


def _unescape(match: re.Match[str]) -> str:
    escape = match.group()
    return "/" if escape == "\\/" else chr(int(escape[2:], 16))


def _masked_row(row: Row) -> Row:
    full, summary = row[FULL], row[SUMMARY]
    if _ESCAPES.search(full):
        # A writer may spell a secret with escapes of its choosing (`\u0073`, `\/`; the others have one spelling,
        # a registered form), in JSON or in any line (a logfmt value, a repr): judge the text decoded, and show it
        # so when that has a secret to mask. (The detail view decodes a JSON record.)
        decoded = unescaped(full)
        if secret_registry.mask(decoded) != decoded:
            full = sanitize(secret_registry.mask(decoded))
    masked = (secret_registry.mask(full), secret_registry.mask(summary))
    if masked == (row[FULL], row[SUMMARY]):
        return row
    return (row[LEVEL], row[CLOCK], masked[0], masked[1], row[WHEN], row[SOURCE])


@dataclass(frozen=True)
class LinesRead:
    """A followed file's new lines as the follower read and scanned them, handed to the file's whole-file index
    (tessa_tui.logs.file_index) so that it need not read and scan them again: one look per line."""

    at: LinesAt
    lines: list[str]
    heads: list[Scan | None]
    """Each line's head scan in `format` (None: the line continues a record)."""
    format: object


def read_file(
    follower: FileFollower,
    parser: LogParser,
    line_filter: LineFilter | None,
    *,
    flush_quiet: bool = False,
    feed: Callable[[LinesRead], None] | None = None,
) -> Batch:
    """One poll of a followed file, digested (blocking: call it in a thread), with its unfinished last line;
    `flush_quiet`: a read that brought nothing closes the open record; `feed`: given the lines and their scans."""
    lines = follower.poll()
    flush = flush_quiet and not lines
    at = follower.last_read if feed is not None else None
    heads: list[Scan | None] | None = [] if at is not None else None
    batch = digest(
        parser,
        lines,
        follower.status,
        line_filter,
        behind=follower.behind,
        error=follower.error,
        flush=flush,
        heads=heads,
    )
    if feed is not None and at is not None and heads is not None:  # (the index checks the lengths agree)
        feed(LinesRead(at, lines, heads, parser.format))
    line = follower.unfinished()
    if line is None:
        return batch
    (row,) = _masked([row_of(parse_line(line, parser.fmt, parser.source))])
    return replace(batch, unfinished=row)


def masked_rows(rows: list[Row]) -> list[Row]:
    """Rows read back from a file by the whole-file index, masked as every batch is."""
    return _masked(rows)
