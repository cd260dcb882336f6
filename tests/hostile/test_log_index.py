"""The whole-file index on files of any bytes: the line splitter agrees with a plain split whatever the read size
(lines cut across reads, CR LF, invalid UTF-8, huge lines), the index counts the records a plain reading finds,
reads every one of them back, and a search never raises."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tessa_tui.logs import file_lines
from tessa_tui.logs.file_index import FileIndex
from tessa_tui.logs.file_lines import lines_between
from tessa_tui.logs.file_search import WholeFileSearch
from tessa_tui.logs.filter import LineFilter
from tessa_tui.logs.record_format import format_for

PIECES = st.sampled_from(
    [
        b"2026-12-06T10:00:00Z ERROR boom",
        b"2026-12-06 10:00:01,5 INFO ok",
        b'{"level":"warn","msg":"x","time":1765015200}',
        b"    at f (x.js:1:2)",
        b"Traceback (most recent call last):",
        b"\xff\xfe\x00 bad bytes",
        b"\r",
        b"",
        b"\x1b]0;title\x07 ERROR",
        b"x" * 300,
    ]
)
CONTENT = st.lists(st.one_of(PIECES, st.binary(max_size=40)), max_size=60).map(b"\n".join)


def reference_lines(data: bytes, cap: int) -> list[tuple[int, bytes]]:
    """What lines_between must give: complete lines with their offsets, cut at `cap`, without a trailing CR."""
    found = []
    offset = 0
    for line in data.split(b"\n")[:-1]:
        found.append((offset, line[:cap].rstrip(b"\r")))
        offset += len(line) + 1
    return found


@settings(max_examples=150, deadline=None)
@given(CONTENT, st.integers(min_value=1, max_value=64), st.integers(min_value=8, max_value=400))
def test_lines_between_matches_a_plain_split(data: bytes, read_size: int, cap: int) -> None:
    with tempfile.NamedTemporaryFile() as handle:
        handle.write(data)
        handle.flush()
        saved = file_lines.MAX_LINE
        file_lines.MAX_LINE = cap
        try:
            got = list(lines_between(handle.fileno(), 0, len(data), read_size))
        finally:
            file_lines.MAX_LINE = saved
    assert got == reference_lines(data, cap)


@settings(max_examples=80, deadline=None)
@given(CONTENT, st.sampled_from(["auto", "json", "plain", "syslog"]), st.text(max_size=12))
def test_the_index_counts_reads_back_and_searches_any_file(data: bytes, fmt: str, typed: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "any.log"
        path.write_bytes(data)
        index = FileIndex(path, lambda p: format_for(p, fmt), "src")
        while index.step():
            pass
        records = index.count
        complete = data[: data.rfind(b"\n") + 1]
        assert index.state().indexed_bytes == len(complete)
        rows = index.rows(0, records + 5)
        assert len(rows) == records
        for row in rows:  # sanitised: no control character but newline and tab reaches the screen
            assert not any(ord(c) < 32 and c not in "\n\t" for c in row[2])
        try:
            line_filter = LineFilter.parse(typed)
        except ValueError:
            return
        search = WholeFileSearch(index, line_filter)
        while search.step():
            pass
        assert search.count() <= records
        index.close()


def test_a_line_bigger_than_a_slice_is_one_record(tmp_path: Path) -> None:
    path = tmp_path / "huge.log"
    with path.open("wb") as handle:
        handle.write(b"2026-12-06T10:00:00Z INFO before\n")
        handle.write(b"2026-12-06T10:00:01Z ERROR " + b"y" * (5 * 1024 * 1024) + b"\n")
        handle.write(b"2026-12-06T10:00:02Z INFO after\n")
    index = FileIndex(path, lambda p: format_for(p, "auto"), "src")
    while index.step():
        pass
    assert index.count == 3 and index.level_of(1) == "error"
    rows = index.rows(0, 3)
    assert rows[2][2].endswith("INFO after") and len(rows[1][2]) <= file_lines.MAX_LINE
    assert os.path.getsize(path) == index.state().indexed_bytes


def test_a_closed_index_does_not_reopen_its_file(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_text("2026-12-06T10:00:00Z INFO one\n")
    index = FileIndex(path, lambda p: format_for(p, "auto"), "src")
    index.step()
    index.close()
    assert index.step() is False and index.rows(0, 1) == []


def test_a_word_that_exists_only_sanitised_is_still_found(tmp_path: Path) -> None:
    """The search skips slices on their raw bytes; `\\e` is only in the sanitised text a record is matched on."""
    path = tmp_path / "app.log"
    with path.open("w", encoding="utf-8") as handle:
        for n in range(40_000):  # the coloured record in the first slice a search may skip whole
            handle.write(
                "2026-12-06T10:00:01Z WARN colour \x1b[31mred\n" if n == 100 else f"2026-12-06T10:00:00Z INFO {n}\n"
            )
    index = FileIndex(path, lambda p: format_for(p, "auto"), "src")
    while index.step():
        pass
    search = WholeFileSearch(index, LineFilter.parse("\\e[31mred"))
    while search.step():
        pass
    assert search.ordinals(0, 5) == [100]
