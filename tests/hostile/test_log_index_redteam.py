"""Red team of the whole-file index (issue 21): what a hostile or merely unusual file did to the index, its search
and `tessa-tui logs NAME`. Each test is a finding that failed before its fix: records invented where a long line
met a slice's end, a file rewritten past its old size read as garbage, a secret found by search in its JSON
spelling, a file whose last line has no newline never indexed, `:goto` blind when the file ends in a long line,
`--tail N` holding every record head, and a search started while indexing reading every record."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tessa_tui.base import secret_registry
from tessa_tui.base.sanitize import sanitize as sanitize_text
from tessa_tui.logs import file_index, file_lines, file_records, file_search
from tessa_tui.logs.file_index import FileIndex
from tessa_tui.logs.file_search import WholeFileSearch
from tessa_tui.logs.filter import LineFilter
from tessa_tui.logs.parse import LEVEL
from tessa_tui.logs.record_format import format_for
from tests.conftest import REPO


def indexed(path: Path, fmt: str = "auto") -> FileIndex:
    index = FileIndex(path, lambda p: format_for(p, fmt), "src")
    while index.step():
        pass
    return index


LINES = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "2026-12-06T10:00:00Z ERROR boom",
                "2026-12-06T10:00:01Z INFO ok",
                "  at frame",
                "\r",
                "",
                "2026-12-06T10:00:02Z WARN " + "w" * 90,  # longer than the (small) line cap
                "y" * 300,  # longer than a (small) slice
            ]
        ),
        st.text(alphabet="ab \t\r", max_size=70),
    ),
    min_size=1,
    max_size=50,
).map(lambda lines: "\n".join(lines) + "\n")


@settings(max_examples=120, deadline=None)
@given(LINES)
def test_the_index_and_its_readers_agree_on_every_record_whatever_the_slices(text: str) -> None:
    """Finding 1 (high): a line longer than MAX_LINE ending a slice made the index resume inside it, so it
    counted records no reader finds: `record N of M` wrong, and every later record shown with the level of the
    one before it."""
    saved = file_index.SLICE, file_lines.MAX_LINE
    file_index.SLICE, file_lines.MAX_LINE = 256, 40
    setattr(file_index, "MAX_LINE", 40)  # noqa: B010  (its own copy of the name)
    try:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "any.log"
            path.write_bytes(text.encode())
            index = indexed(path)
            rows = index.rows(0, index.count + 5)
            assert len(rows) == index.count
            assert [row[LEVEL] for row in rows] == [index.level_of(n) for n in range(index.count)]
            assert index.state().done and index.state().indexed_bytes == len(text.encode())
            index.close()
    finally:
        file_index.SLICE, file_lines.MAX_LINE = saved
        setattr(file_index, "MAX_LINE", saved[1])  # noqa: B010


def test_lines_longer_than_the_line_cap_are_one_record_each_at_full_size(tmp_path: Path) -> None:
    """Finding 1 at the real sizes: 40 JSON-sized records of 100 KB each were counted as 44."""
    log = tmp_path / "big-records.log"
    with log.open("w", encoding="utf-8") as handle:
        for n in range(40):
            handle.write(f"2026-12-06T10:00:{n:02d}Z INFO record {n} {'x' * 100_000} end\n")
    index = indexed(log)
    assert index.count == 40 and index.state().levels[file_index.LEVEL_CODE["unknown"]] == 0
    index.close()


def test_a_file_truncated_and_written_past_its_old_size_starts_over(tmp_path: Path) -> None:
    """Finding 2 (high): copytruncate followed by more writing than there was before the next step: the index
    went on from its old offset in the new text (half of the new records lost, the rest read from wrong
    offsets)."""
    log = tmp_path / "app.log"
    log.write_text("".join(f"2026-12-06T10:00:{n:02d}Z INFO old {n}\n" for n in range(50)))
    index = indexed(log)
    generation = index.generation
    with log.open("r+b") as handle:
        handle.truncate(0)
        handle.write("".join(f"2026-12-06T11:00:{n:02d}Z ERROR new {n}\n" for n in range(60)).encode())
    while index.step():
        pass
    assert index.generation == generation + 1
    assert index.count == 60 and index.state().levels[file_index.LEVEL_CODE["error"]] == 60
    assert "ERROR new 0" in index.rows(0, 1)[0][2] and "ERROR new 59" in index.rows(59, 1)[0][2]
    index.close()


def test_a_file_rewritten_to_the_same_size_starts_over(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("2026-12-06T10:00:00Z INFO first\n2026-12-06T10:00:01Z INFO second\n")
    index = indexed(log)
    with log.open("r+b") as handle:  # truncated and regrown to the very same size between two steps
        handle.truncate(0)
        handle.write(b"2026-12-06T12:00:00Z ERROR FIRST\n2026-12-06T12:00:01Z ERROR SECOND\n")
    while index.step():
        pass
    assert [row[LEVEL] for row in index.rows(0, 5)] == ["error", "error"]
    assert index.state().levels[file_index.LEVEL_CODE["error"]] == 2
    index.close()


@pytest.fixture
def secret() -> Iterator[str]:
    secret_registry.clear()
    secret_registry.register("hunter2secret")
    yield "hunter2secret"
    secret_registry.clear()


def escaped(text: str) -> str:
    return "".join(f"\\u{ord(c):04x}" for c in text)


def test_a_whole_file_search_is_no_oracle_for_a_secret_in_json_escapes(tmp_path: Path, secret: str) -> None:
    """Finding 3 (medium): the search matched the raw text, masked only in the secret's registered spellings; a
    JSON record spelling it `\\u0068\\u0075...` shows `****` on screen, yet `/` found it by any prefix of that
    spelling, one character at a time."""
    log = tmp_path / "app.log"
    log.write_text(
        "2026-12-06T10:00:00Z INFO plain " + secret + "\n"
        '{"level":"info","msg":"token ' + escaped(secret) + '","time":"2026-12-06T10:00:01Z"}\n'
        '{"level":"info","msg":"token \\u0068unter2secret","time":"2026-12-06T10:00:02Z"}\n'
    )
    index = indexed(log)
    assert all(secret not in row[2] for row in index.rows(0, 3))  # what is shown is masked
    for typed in (secret, escaped(secret[:6]), "unter2secret", "unter2s"):
        search = WholeFileSearch(index, LineFilter.parse(typed))
        while search.step():
            pass
        assert search.count() == 0, typed
    found = WholeFileSearch(index, LineFilter.parse("token"))  # the rest of such a record is still found
    while found.step():
        pass
    assert found.count() == 2
    index.close()


def test_a_file_whose_last_line_has_no_newline_is_indexed(tmp_path: Path) -> None:
    """Finding 4 (medium): the unfinished last line kept `done` false forever: `indexing 99%` in the subtitle,
    no whole-file counts or `errors up since`, and `:goto` past the end waiting for ever."""
    log = tmp_path / "app.log"
    log.write_bytes(b"2026-12-06T10:00:00Z INFO a\n2026-12-06T10:00:01Z INFO b\n2026-12-06T10:00:02Z INFO no newline")
    index = indexed(log)
    assert index.count == 2 and index.state().done
    nul = tmp_path / "nul.log"  # one unterminated line bigger than a slice
    nul.write_bytes(b"\0" * (file_index.SLICE + 10))
    only = indexed(nul)
    assert only.count == 0 and only.state().done
    with log.open("ab") as handle:  # the line ends: it is a record, and the index has more to do again
        handle.write(b"\n")
    while index.step():
        pass
    assert index.count == 3 and index.state().done
    index.close()
    only.close()


def test_the_newest_time_is_found_when_the_file_ends_in_a_long_line(tmp_path: Path) -> None:
    """Finding 5 (medium): the newest time was looked for in the file's last 64 KiB only; a file ending in one
    longer record (a JSON payload, a dump) had none, so `:goto` and `--since` said there was no time at all."""
    log = tmp_path / "app.log"
    with log.open("w", encoding="utf-8") as handle:
        handle.write("2026-12-06T10:00:00Z INFO timed\n")
        handle.write("2026-12-06T10:00:01Z ERROR payload " + "z" * 100_000 + "\n")
    index = indexed(log)
    newest = index.newest_time()
    assert newest is not None and newest[1] == "10:00:01"
    handle_ = os.open(log, os.O_RDONLY)
    try:
        assert file_records.newest_time(handle_, format_for(log, "auto"), os.path.getsize(log)) == newest
    finally:
        os.close(handle_)
    index.close()


def test_the_last_records_are_found_holding_a_slice_at_most(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Finding 6 (medium): `--tail 999999999` kept every record head found (a list prepended to, slice after
    slice: 240 MB and quadratic copying for 5M records); the answer needs only a count."""
    log = tmp_path / "app.log"
    log.write_bytes(b"".join(b"r%d\n" % n for n in range(5000)))
    monkeypatch.setattr(file_records, "READ_SIZE", 512)
    fmt = format_for(log, "auto")
    handle = os.open(log, os.O_RDONLY)
    biggest: list[int] = []
    real = file_lines.lines_between

    def counted(*args: object, **kwargs: object) -> Iterator[tuple[int, bytes]]:
        found = list(real(*args, **kwargs))  # type: ignore[arg-type]
        biggest.append(len(found))
        return iter(found)

    monkeypatch.setattr(file_records, "lines_between", counted)
    try:
        size = os.path.getsize(log)
        assert file_records.start_of_last(handle, fmt, 999_999_999, size) == 0
        assert file_records.start_of_last(handle, fmt, 3, size) == log.read_bytes().rindex(b"r4997")
        assert file_records.start_of_last(handle, fmt, 5000, size) == 0
        assert file_records.start_of_last(handle, fmt, 4999, size) == 3  # after `r0\n`
    finally:
        os.close(handle)
    import tracemalloc

    handle = os.open(log, os.O_RDONLY)
    tracemalloc.start()
    try:
        file_records.start_of_last(handle, fmt, 999_999_999, os.path.getsize(log))
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        os.close(handle)
    assert peak < 64 * 1024, f"start_of_last held {peak:,} bytes for a 5,000-record file read 512 bytes at a time"


def test_a_search_started_while_indexing_still_skips_slices(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Finding 7 (medium, speed): a search that caught up with the index stopped at a record count that is not a
    checkpoint, and from then on read and matched every record of the file (7x the work of a search started
    after indexing) instead of skipping the slices that cannot match."""
    log = tmp_path / "app.log"
    with log.open("w", encoding="utf-8") as handle:
        for n in range(60_000):
            handle.write(f"2026-12-06T10:{n // 60 % 60:02d}:{n % 60:02d}Z INFO request {n} {'p' * 150}\n")
        handle.write("2026-12-06T11:00:00Z WARN rare-word\n")
    index = FileIndex(log, lambda p: format_for(p, "auto"), "src")
    index.step()
    search = WholeFileSearch(index, LineFilter.parse("rare-word"))
    matched: list[int] = []
    real = sanitize_text

    def sanitize(text: str, **kwargs: bool) -> str:  # once for every record matched one by one
        matched.append(1)
        return real(text, **kwargs)

    monkeypatch.setattr(file_search, "sanitize", sanitize)
    busy = True
    while busy:  # as the index thread runs them: a step of the index, then one of the search
        busy = index.step()
        busy |= search.step()
    assert search.ordinals(0, 5) == [60_000]
    assert len(matched) < 20_000, f"{len(matched):,} of 60,001 records matched one by one"
    index.close()


@settings(max_examples=150, deadline=None)
@given(LINES, st.integers(min_value=1, max_value=60), st.integers(min_value=1, max_value=8), st.booleans())
def test_the_start_of_the_last_records_is_where_a_forward_reading_finds_them(
    text: str, count: int, read_size: int, unfinished: bool
) -> None:
    """Finding 8 (high): `--tail N` looped for ever (a core busy) on a file whose last line is longer than a
    read (1 MiB): the slice inside the line moved back to where it began. Against a forward reading's heads,
    for any content, read size and a last line with or without its newline."""
    data = text.encode()[:-1] if unfinished else text.encode()
    saved = file_lines.READ_SIZE, file_lines.MAX_LINE
    file_lines.MAX_LINE = 40
    for name, value in (("READ_SIZE", read_size * 16), ("MAX_LINE", 40)):
        setattr(file_records, name, value)  # its own copies of the names
    try:
        with tempfile.NamedTemporaryFile() as handle:
            handle.write(data)
            handle.flush()
            fmt = format_for(Path(handle.name), "auto")
            heads = [
                offset
                for offset, raw in file_lines.lines_between(handle.fileno(), 0, len(data), final=True)
                if fmt.starts_record(file_lines.decode(raw))
            ]
            expected = heads[-count] if count <= len(heads) else 0
            assert file_records.start_of_last(handle.fileno(), fmt, count, len(data)) == expected
    finally:
        file_lines.MAX_LINE = saved[1]
        for name, value in zip(("READ_SIZE", "MAX_LINE"), saved, strict=True):
            setattr(file_records, name, value)


def test_logs_tail_on_a_file_ending_in_a_line_longer_than_a_read(
    write_config: Callable[[str], Path], tmp_path: Path
) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"2026-12-06T10:00:00Z INFO first\n2026-12-06T10:00:01Z ERROR " + b"L" * 2_000_000 + b"\n")
    config = write_config(f"logs:\n  - name: app\n    path: '{log}'\n")
    done = subprocess.run(
        [sys.executable, "-m", "tessa_tui", "--config", str(config), "logs", "app", "--tail", "1"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,  # it never ended before the fix
        check=False,
    )
    assert done.returncode == 0 and done.stdout.startswith("2026-12-06T10:00:01Z ERROR LLL")
    assert "INFO first" not in done.stdout


def test_the_matches_on_screen_follow_the_file_when_it_starts_over(tmp_path: Path) -> None:
    """Finding 9 (medium): after a truncation or rotation the index thread put a new search in the old one's
    place, but the view kept the old one: its ordinals, read in the new file, showed records that do not
    match (a `level:error` list of INFO lines) until the filter was typed again."""
    import time

    from tessa_tui.logs.history import MatchHistory
    from tessa_tui.logs.index_worker import IndexWorker

    log = tmp_path / "app.log"
    log.write_text("".join(f"2026-12-06T10:00:{n:02d}Z {'ERROR' if n % 2 else 'INFO'} old {n}\n" for n in range(40)))
    index = FileIndex(log, lambda p: format_for(p, "auto"), "app")
    worker = IndexWorker({"app": index})
    worker.start()
    try:
        search = worker.search("app", LineFilter.parse("level:error"))
        assert search is not None
        shown = MatchHistory(search)
        deadline = time.monotonic() + 30
        while shown.count() < 20 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert shown.count() == 20
        with log.open("r+b") as handle:  # copytruncate, then 3 errors among 30 records
            handle.truncate(0)
            handle.write(
                "".join(
                    f"2026-12-06T11:00:{n:02d}Z {'ERROR' if n % 10 == 9 else 'INFO'} new {n}\n" for n in range(30)
                ).encode()
            )
        while (index.generation == 0 or shown.count() != 3) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert worker.current_search("app") is search  # the same search, started over in place
        assert [row[LEVEL] for row in shown.rows(0, 10)] == ["error"] * 3
        assert [row[2].split()[-1] for row in shown.rows(0, 10)] == ["9", "19", "29"]
    finally:
        worker.stop()
